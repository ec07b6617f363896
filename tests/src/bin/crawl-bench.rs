//! `crawl-bench`: crawls one fixture site twice, with the embedded
//! `newshound run` and with a distributed cluster of role processes on the
//! local RabbitMQ and Redis, and prints the pages per second of each.
//!
//! Both crawls use the same site config and count the requests the site
//! served, from the first process start until every article is written.

use anyhow::{Context, bail};
use clap::Parser;
use std::time::{Duration, Instant};

use newshound_e2e::cluster::Cluster;
use newshound_e2e::score::score;
use newshound_e2e::{Crawl, FixtureSite};

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
    /// Fetcher processes of the distributed crawl.
    #[arg(long, default_value_t = 3)]
    fetchers: usize,
    /// Parser processes of the distributed crawl.
    #[arg(long, default_value_t = 2)]
    parsers: usize,
    /// Longest either crawl may take.
    #[arg(long, default_value_t = 900)]
    limit_secs: u64,
}

/// What one crawl took.
struct Measured {
    requests: usize,
    elapsed: Duration,
}

impl Measured {
    fn pages_per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let limit = Duration::from_secs(args.limit_secs);
    let site = FixtureSite::start_on_hosts(args.articles, args.hosts)?;
    let config = site.config(args.rate);
    let truth = site.truth();

    let embedded = {
        let crawl = Crawl::new(&config)?;
        let before = site.requests_served();
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
        let requests = site.requests_served() - before;
        child.wait().context("waiting for newshound run")?;
        let s = score(&crawl.records()?, &truth);
        if s.found_once != truth.len() || !s.duplicated.is_empty() {
            bail!("embedded crawl output is wrong:\n{s}");
        }
        Measured { requests, elapsed }
    };

    let distributed = {
        let mut cluster = Cluster::new(&config, "bench")?;
        let before = site.requests_served();
        let started = Instant::now();
        cluster.start("sink")?;
        cluster.start("frontier")?;
        for _ in 0..args.fetchers {
            cluster.start("fetcher")?;
        }
        for _ in 0..args.parsers {
            cluster.start("parser")?;
        }
        cluster.wait_for_records(truth.len(), limit)?;
        let elapsed = started.elapsed();
        let requests = site.requests_served() - before;
        cluster.stop()?;
        let s = score(&cluster.records()?, &truth);
        if s.found_once != truth.len() || !s.duplicated.is_empty() {
            bail!("distributed crawl output is wrong:\n{s}");
        }
        Measured { requests, elapsed }
    };

    println!(
        "fixture site: {} articles on {} host(s), {} requests/s per host",
        args.articles, args.hosts, args.rate
    );
    println!(
        "{:<24} {:>8} {:>8} {:>8}",
        "mode", "requests", "seconds", "pages/s"
    );
    let rows = [
        ("embedded".to_string(), &embedded),
        (
            format!("distributed ({}F {}P)", args.fetchers, args.parsers),
            &distributed,
        ),
    ];
    for (name, m) in rows {
        println!(
            "{name:<24} {:>8} {:>8.1} {:>8.1}",
            m.requests,
            m.elapsed.as_secs_f64(),
            m.pages_per_second()
        );
    }
    Ok(())
}
