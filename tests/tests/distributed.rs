//! End-to-end on the real RabbitMQ and Redis: frontier, fetchers, parsers and
//! sink as separate `newshound` processes crawling the fixture site.

use std::time::Duration;

use newshound_e2e::cluster::{ARTICLES, LIMIT, finish, start_cluster};
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
