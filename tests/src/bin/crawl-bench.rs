//! `crawl-bench`: crawls one fixture site twice, with the embedded
//! `newshound run` and with a distributed cluster of role processes on the
//! local RabbitMQ and Redis, and prints for each the pages per second, the CPU
//! per page and the peak memory.
//!
//! The site is served in this process (`--articles`, `--hosts`), or is one
//! served elsewhere, e.g. by nginx from a dump (`--site-config`, `--truth`,
//! `--nginx-status`). Both crawls use the same site config; pages are the
//! requests the site served (the in-process site's access log, or nginx's
//! request counter). Pages per second: pages from the first process start until
//! every article is written, over that time. CPU per page: the user and system
//! time of the crawl's processes from start to exit (the roles are stopped once
//! every article is in; RabbitMQ's and Redis's CPU not counted) over the pages
//! fetched by then. Peak RSS: the embedded process's, and for the cluster the
//! sum of its processes' (each one's high-water mark when the last article is in).

use anyhow::{Context, bail};
use clap::Parser;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use newshound_e2e::cluster::Cluster;
use newshound_e2e::hostile::high_water_mark;
use newshound_e2e::score::score;
use newshound_e2e::{Crawl, FixtureSite};
use newshound_testsite::TruthArticle;

/// Compares the embedded and the distributed crawl of the fixture site.
#[derive(Parser)]
struct Args {
    /// Articles on the fixture site.
    #[arg(long, default_value_t = 2000)]
    articles: usize,
    /// Loopback hosts the site is spread over (1: 127.0.0.1 only).
    #[arg(long, default_value_t = 1)]
    hosts: u8,
    /// Per-host politeness rate (requests/s).
    #[arg(long, default_value_t = 500.0)]
    rate: f64,
    /// Crawl a site served elsewhere with this site config (`[site]`, `[politeness]`, `[fetch]`; no
    /// `[backend]`) instead of serving one here (`--articles`, `--hosts` and `--rate` are then unused).
    #[arg(long, value_name = "FILE", requires_all = ["truth", "nginx_status"])]
    site_config: Option<PathBuf>,
    /// The truth of that site (JSONL: `truth.jsonl` of `newshound-testsite --dump-site`).
    #[arg(long, value_name = "FILE", requires = "site_config")]
    truth: Option<PathBuf>,
    /// nginx's stub_status URL of that site: its request counter gives the pages fetched.
    #[arg(long, value_name = "URL", requires = "site_config")]
    nginx_status: Option<String>,
    /// Only the distributed crawl.
    #[arg(long)]
    distributed_only: bool,
    /// Fetcher processes of the distributed crawl.
    #[arg(long, default_value_t = 3)]
    fetchers: usize,
    /// Parser processes of the distributed crawl.
    #[arg(long, default_value_t = 2)]
    parsers: usize,
    /// Worker processes (`newshound worker`: a fetcher and a parser in one process, pages in
    /// memory) of the distributed crawl, instead of the fetchers and parsers.
    #[arg(long, default_value_t = 0)]
    workers: usize,
    /// Longest either crawl may take.
    #[arg(long, default_value_t = 900)]
    limit_secs: u64,
}

/// Where the site's requests are counted.
enum Requests {
    /// The access log of the site served in this process.
    Log(FixtureSite),
    /// nginx's stub_status page, and how often it was read (each read is one request more).
    Nginx {
        url: String,
        runtime: tokio::runtime::Runtime,
        reads: std::cell::Cell<usize>,
    },
}

impl Requests {
    /// Requests served so far, not counting the reads of the counter: the difference of two readings is
    /// the requests between them.
    fn served(&self) -> anyhow::Result<usize> {
        match self {
            Requests::Log(site) => Ok(site.requests_served()),
            Requests::Nginx {
                url,
                runtime,
                reads,
            } => {
                let text = runtime.block_on(async {
                    reqwest::get(url).await?.error_for_status()?.text().await
                })?;
                let earlier = reads.replace(reads.get() + 1);
                // "Active connections: N\nserver accepts handled requests\n A H R\n..."
                let handled: usize = text
                    .lines()
                    .nth(2)
                    .and_then(|l| l.split_whitespace().nth(2))
                    .and_then(|n| n.parse().ok())
                    .with_context(|| format!("no request count in {url}: {text:?}"))?;
                Ok(handled.saturating_sub(earlier))
            }
        }
    }
}

/// User plus system CPU time of this process's waited-for children so far, and the largest peak RSS
/// among them (bytes).
fn children_usage() -> (Duration, u64) {
    // SAFETY: getrusage fills the struct it is given; a zeroed rusage is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a rusage struct.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    (
        time(usage.ru_utime) + time(usage.ru_stime),
        u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
    )
}

/// What one crawl took.
struct Measured {
    /// Pages fetched until the last article was written.
    pages: usize,
    /// Time until then.
    elapsed: Duration,
    /// Pages fetched until every process exited.
    pages_at_exit: usize,
    cpu: Duration,
    peak_rss: u64,
}

impl Measured {
    fn pages_per_second(&self) -> f64 {
        self.pages as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn cpu_ms_per_page(&self) -> f64 {
        self.cpu.as_secs_f64() * 1000.0 / self.pages_at_exit.max(1) as f64
    }
}

/// Fails unless the `mode` crawl's `records` hold every article of `truth` exactly once.
fn every_article_once(
    mode: &str,
    records: &[serde_json::Value],
    truth: &[TruthArticle],
) -> anyhow::Result<()> {
    let s = score(records, truth);
    if s.found_once != truth.len() || !s.duplicated.is_empty() {
        bail!("{mode} crawl output is wrong:\n{s}");
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let limit = Duration::from_secs(args.limit_secs);
    let (requests, config, truth, site) = match (&args.site_config, &args.truth, &args.nginx_status)
    {
        (Some(config), Some(truth), Some(url)) => {
            let config = std::fs::read_to_string(config)
                .with_context(|| format!("reading {}", config.display()))?;
            let text = std::fs::read_to_string(truth)
                .with_context(|| format!("reading {}", truth.display()))?;
            let truth: Vec<TruthArticle> = text
                .lines()
                .map(serde_json::from_str)
                .collect::<Result<_, _>>()
                .with_context(|| format!("truth lines of {}", truth.display()))?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let about = format!(
                "{} articles served elsewhere, site config {}",
                truth.len(),
                args.site_config
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string())
            );
            let requests = Requests::Nginx {
                url: url.clone(),
                runtime,
                reads: std::cell::Cell::new(0),
            };
            (requests, config, truth, about)
        }
        _ => {
            let site = FixtureSite::start_on_hosts(args.articles, args.hosts)?;
            let config = site.config(args.rate);
            let truth = site.truth();
            let about = format!(
                "fixture site: {} articles on {} host(s), {} requests/s per host",
                args.articles, args.hosts, args.rate
            );
            (Requests::Log(site), config, truth, about)
        }
    };

    let mut rows = Vec::new();
    if !args.distributed_only {
        let crawl = Crawl::new(&config)?;
        let before = requests.served()?;
        let (cpu_before, _) = children_usage();
        let started = Instant::now();
        let mut child = crawl.spawn(0)?;
        while crawl.records_written() < truth.len() {
            if let Some(status) = child.try_wait()? {
                bail!("newshound run ended early ({status}):\n{}", crawl.stderr(0));
            }
            if started.elapsed() > limit {
                child.kill().ok();
                bail!("embedded crawl took longer than {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let elapsed = started.elapsed();
        let pages = requests.served()?.saturating_sub(before);
        child.wait().context("waiting for newshound run")?;
        let pages_at_exit = requests.served()?.saturating_sub(before);
        // The first child this process waits for: the largest peak so far is its own.
        let (cpu_after, peak_rss) = children_usage();
        every_article_once("embedded", &crawl.records()?, &truth)?;
        rows.push((
            "embedded".to_string(),
            Measured {
                pages,
                elapsed,
                pages_at_exit,
                cpu: cpu_after.saturating_sub(cpu_before),
                peak_rss,
            },
        ));
    }

    let distributed = {
        let mut cluster = Cluster::new(&config, "bench")?;
        let before = requests.served()?;
        let (cpu_before, _) = children_usage();
        let started = Instant::now();
        cluster.start("sink")?;
        cluster.start("frontier")?;
        for role in processes(&args) {
            cluster.start(role)?;
        }
        cluster.wait_for_records(truth.len(), limit)?;
        let elapsed = started.elapsed();
        let pages = requests.served()?.saturating_sub(before);
        let peak_rss = cluster
            .processes
            .iter()
            .filter_map(|p| {
                let status = std::fs::read_to_string(format!("/proc/{}/status", p.child.id()));
                status.ok().as_deref().and_then(high_water_mark)
            })
            .sum();
        cluster.stop()?;
        let pages_at_exit = requests.served()?.saturating_sub(before);
        let (cpu_after, _) = children_usage();
        every_article_once("distributed", &cluster.records()?, &truth)?;
        Measured {
            pages,
            elapsed,
            pages_at_exit,
            cpu: cpu_after.saturating_sub(cpu_before),
            peak_rss,
        }
    };
    let shape = if args.workers > 0 {
        format!("{}W", args.workers)
    } else {
        format!("{}F {}P", args.fetchers, args.parsers)
    };
    rows.push((format!("distributed ({shape})"), distributed));

    println!("{site}");
    println!(
        "{:<24} {:>8} {:>8} {:>8} {:>12} {:>13}",
        "mode", "pages", "seconds", "pages/s", "CPU ms/page", "peak RSS MiB"
    );
    for (name, m) in &rows {
        println!(
            "{name:<24} {:>8} {:>8.1} {:>8.1} {:>12.2} {:>13.1}",
            m.pages,
            m.elapsed.as_secs_f64(),
            m.pages_per_second(),
            m.cpu_ms_per_page(),
            m.peak_rss as f64 / (1024.0 * 1024.0)
        );
    }
    println!(
        "(seconds: first process start to the last article written; CPU: the crawl's processes, start to \
         exit, RabbitMQ and Redis not counted; distributed peak RSS: summed over its {} processes)",
        2 + processes(&args).len()
    );
    Ok(())
}

/// The distributed crawl's fetching and parsing processes, by role.
fn processes(args: &Args) -> Vec<&'static str> {
    if args.workers > 0 {
        vec!["worker"; args.workers]
    } else {
        let mut roles = vec!["fetcher"; args.fetchers];
        roles.extend(vec!["parser"; args.parsers]);
        roles
    }
}
