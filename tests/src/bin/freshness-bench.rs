//! `freshness-bench`: how soon a continuous crawl finds new stories.
//!
//! A fixture site publishes a new article every `--publish-every` seconds
//! while a continuous crawl revisits its hubs every `--hub-interval` seconds,
//! first with the embedded `newshound run`, then with a cluster of role
//! processes on the local RabbitMQ and Redis. After the initial crawl, for
//! `--seconds`, it measures the time from each article's publication to its
//! record in the output (median and 95th percentile), and the requests the
//! site served per new article found (the overhead of revisiting).

use anyhow::bail;
use clap::Parser;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use newshound_e2e::cluster::Cluster;
use newshound_e2e::{Crawl, FixtureSite};

/// Measures freshness of the embedded and the distributed crawl.
#[derive(Parser)]
struct Args {
    /// Articles the site starts with.
    #[arg(long, default_value_t = 300)]
    articles: usize,
    /// Seconds between two publications.
    #[arg(long, default_value_t = 1.0)]
    publish_every: f64,
    /// Hub revisit interval in seconds (fixed: min = max).
    #[arg(long, default_value_t = 5.0)]
    hub_interval: f64,
    /// Seconds measured after the initial crawl.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
}

/// The first time each canonical URL appeared in the output.
struct Arrivals {
    first_seen_ms: HashMap<String, i64>,
    lines_read: usize,
}

impl Arrivals {
    fn new() -> Arrivals {
        Arrivals {
            first_seen_ms: HashMap::new(),
            lines_read: 0,
        }
    }

    /// Reads the lines written since the last poll, stamping them now.
    fn poll(&mut self, out: &Path) {
        let now = chrono::Utc::now().timestamp_millis();
        let text = std::fs::read_to_string(out.join("articles.jsonl")).unwrap_or_default();
        // A last line without its newline is still being written.
        let complete = text.rfind('\n').map_or("", |end| &text[..=end]);
        for line in complete.lines().skip(self.lines_read) {
            self.lines_read += 1;
            if let Ok(record) = serde_json::from_str::<serde_json::Value>(line)
                && let Some(url) = record["canonical_url"].as_str()
            {
                self.first_seen_ms.entry(url.to_string()).or_insert(now);
            }
        }
    }
}

/// What one mode measured.
struct Freshness {
    latencies_ms: Vec<i64>,
    published: usize,
    requests: usize,
}

impl Freshness {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_ms.is_empty() {
            return f64::NAN;
        }
        let rank = ((self.latencies_ms.len() - 1) as f64 * p).round() as usize;
        self.latencies_ms[rank] as f64 / 1000.0
    }
}

/// Polls `out` while a crawl runs: waits for the initial articles, then
/// measures for `seconds`.
fn measure(
    site: &FixtureSite,
    out: &Path,
    args: &Args,
    alive: &mut dyn FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Freshness> {
    let mut arrivals = Arrivals::new();
    let started = Instant::now();
    while arrivals.first_seen_ms.len() < args.articles {
        alive()?;
        if started.elapsed() > Duration::from_secs(600) {
            bail!("initial crawl did not finish in 10 minutes");
        }
        arrivals.poll(out);
        std::thread::sleep(Duration::from_millis(50));
    }
    let window_start = chrono::Utc::now().timestamp_millis();
    let requests_before = site.requests_served();
    let until = Instant::now() + Duration::from_secs(args.seconds);
    while Instant::now() < until {
        alive()?;
        arrivals.poll(out);
        std::thread::sleep(Duration::from_millis(20));
    }
    let window_end = chrono::Utc::now().timestamp_millis();
    let requests = site.requests_served() - requests_before;
    // Stories published in the window early enough to be due at least once more.
    let last_due = window_end - (args.hub_interval * 1000.0) as i64 * 2;
    let mut latencies_ms = Vec::new();
    let mut published = 0;
    for t in site.truth() {
        let Some(at) = t
            .published_at_ms
            .filter(|p| (window_start..last_due).contains(p))
        else {
            continue;
        };
        published += 1;
        if let Some(seen) = arrivals.first_seen_ms.get(&t.url) {
            latencies_ms.push(seen - at);
        }
    }
    latencies_ms.sort_unstable();
    Ok(Freshness {
        latencies_ms,
        published,
        requests,
    })
}

fn print(name: &str, f: &Freshness, args: &Args) {
    let found = f.latencies_ms.len();
    let new_in_window = args.seconds as f64 / args.publish_every;
    println!(
        "{name:<24} {found:>3}/{:<3} {:>8.2} {:>8.2} {:>10.1}",
        f.published,
        f.percentile(0.5),
        f.percentile(0.95),
        f.requests as f64 / new_in_window
    );
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let recrawl = format!(
        "\n[recrawl]\nhub_interval_secs = {h}\nmin_interval_secs = {h}\nmax_interval_secs = {h}\n",
        h = args.hub_interval
    );

    let embedded = {
        let site = FixtureSite::start_publishing(
            args.articles,
            1,
            Duration::from_secs_f64(args.publish_every),
            None,
        )?;
        let crawl = Crawl::new(&format!("{}{recrawl}", site.config(200.0)))?;
        let mut child = crawl.spawn_continuous(0)?;
        let result = measure(&site, &crawl.out, &args, &mut || match child.try_wait()? {
            Some(status) => bail!("newshound run ended ({status}):\n{}", crawl.stderr(0)),
            None => Ok(()),
        });
        child.kill().ok();
        child.wait().ok();
        result?
    };

    let distributed = {
        let site = FixtureSite::start_publishing(
            args.articles,
            1,
            Duration::from_secs_f64(args.publish_every),
            None,
        )?;
        let mut cluster = Cluster::new(&format!("{}{recrawl}", site.config(200.0)), "fresh")?;
        for role in ["sink", "frontier", "fetcher", "fetcher", "parser"] {
            cluster.start(role)?;
        }
        let out = cluster.out.clone();
        let result = measure(&site, &out, &args, &mut || Ok(()));
        cluster.stop()?;
        result?
    };

    println!(
        "publish every {} s, hubs revisited every {} s, {} s measured after the initial crawl of {} articles \
         (distributed: 1 frontier, 2 fetchers, 1 parser, a sink)",
        args.publish_every, args.hub_interval, args.seconds, args.articles
    );
    println!(
        "{:<24} {:>7} {:>8} {:>8} {:>10}",
        "mode", "found", "p50 s", "p95 s", "req/new"
    );
    print("embedded", &embedded, &args);
    print("distributed", &distributed, &args);
    Ok(())
}
