//! End-to-end on the real RabbitMQ and Redis: frontier, fetchers, parsers and
//! sink as separate `newshound` processes crawling the fixture site.

use std::collections::BTreeMap;
use std::time::Duration;

use newshound_e2e::cluster::{ARTICLES, Cluster, LIMIT, finish, start_cluster};
use newshound_e2e::{FixtureSite, kill_hard};

#[test]
fn distributed_crawl_finds_every_article_once() -> anyhow::Result<()> {
    let site = FixtureSite::start(ARTICLES)?;
    let cluster = start_cluster(&site, 400.0, "plain")?;
    finish(cluster, &site)
}

#[test]
fn distributed_crawl_survives_sigkill_of_a_fetcher_and_a_parser() -> anyhow::Result<()> {
    let site = FixtureSite::start(ARTICLES)?;
    let mut cluster = start_cluster(&site, 100.0, "kill")?;
    cluster.wait_for_records(200, LIMIT)?;
    for role in ["fetcher", "parser"] {
        let index = cluster
            .processes
            .iter()
            .position(|p| p.role == role)
            .ok_or_else(|| anyhow::anyhow!("no {role}"))?;
        kill_hard(&mut cluster.processes[index].child)?;
    }
    let at_kill = cluster.records_written();
    assert!(
        at_kill < ARTICLES,
        "the kill came too late to test anything"
    );
    std::thread::sleep(Duration::from_secs(1));
    cluster.start("fetcher")?;
    cluster.start("parser")?;
    finish(cluster, &site)
}

/// Three fetchers share one host; the host's own access log shows it never
/// got more than rate + burst requests in any one-second window.
#[test]
fn per_host_rate_holds_across_fetchers() -> anyhow::Result<()> {
    let rate = 40.0;
    let burst = 10; // FixtureSite::config's burst
    let site = FixtureSite::start(300)?;
    let mut cluster = Cluster::new(&site.config(rate), "rate")?;
    for role in [
        "sink", "frontier", "fetcher", "fetcher", "fetcher", "parser", "parser",
    ] {
        cluster.start(role)?;
    }
    cluster.wait_for_records(300, LIMIT)?;
    cluster.stop()?;
    let log = std::fs::read_to_string(&site.access_log)?;
    let times: Vec<u64> = log
        .lines()
        .filter_map(|l| l.split(' ').next()?.parse().ok())
        .collect();
    assert!(times.len() > 300, "{} requests", times.len());
    // Sliding one-second windows starting at each request.
    let mut worst = 0;
    for (i, start) in times.iter().enumerate() {
        let in_window = times[i..].iter().take_while(|t| **t < start + 1000).count();
        worst = worst.max(in_window);
    }
    let per_second: BTreeMap<u64, usize> = times.iter().fold(BTreeMap::new(), |mut m, t| {
        *m.entry(t / 1000).or_default() += 1;
        m
    });
    println!("worst one-second window: {worst} requests; per second: {per_second:?}");
    assert!(
        worst as f64 <= rate + f64::from(burst),
        "{worst} requests in one second, limit {rate}/s + burst {burst}"
    );
    Ok(())
}
