//! `newshound ctl` against a distributed crawl (frontier, three fetchers,
//! two parsers and a sink as processes on RabbitMQ and Redis): status,
//! pause, seed, resume, set-rate, reload and drain; status checked against
//! RabbitMQ's and Redis's own counts.

use anyhow::Context;
use std::collections::HashMap;
use std::time::Duration;

use newshound_e2e::FixtureSite;
use newshound_e2e::cluster::{Cluster, MANAGEMENT_URL, REDIS_URL, finish};
use newshound_e2e::operator::{Ctl, exercise, first_host_config};

const RATE: f64 = 30.0;
const CONCURRENCY: u16 = 4;
const FETCHERS: usize = 3;

#[test]
fn operator_controls_a_distributed_crawl() -> anyhow::Result<()> {
    let site = FixtureSite::start_on_hosts(300, 2)?;
    let mut cluster = Cluster::new(&first_host_config(&site, RATE, CONCURRENCY), "ctl")?;
    cluster.start_roles(FETCHERS)?;
    let ctl = Ctl {
        config: cluster.config_path().to_path_buf(),
        out: None,
    };
    cluster.wait_for_records(10, Duration::from_secs(120))?;

    exercise(
        &ctl,
        &site,
        cluster.config_path(),
        RATE,
        CONCURRENCY,
        FETCHERS,
        &|| cluster.records(),
    )?;

    // status agrees with RabbitMQ and Redis once paused and settled (the
    // management API samples its counts every 5 s or so: read both until
    // they meet, which they must once nothing moves).
    ctl.run(&["pause"])?;
    let started = std::time::Instant::now();
    let status = loop {
        std::thread::sleep(Duration::from_secs(2));
        let status = ctl.status()?;
        let ready = management_ready(&cluster.prefix)?;
        let fetch_ready: u64 = ready
            .iter()
            .filter(|(name, _)| {
                name.starts_with(&format!("{}.fetch.", cluster.prefix)) && !name.ends_with(".dead")
            })
            .map(|(_, n)| n)
            .sum();
        let fetch = status["queues"]
            .as_array()
            .and_then(|q| q.iter().find(|q| q["name"] == "fetch"))
            .context("fetch queue in status")?;
        if fetch["waiting"].as_u64() == Some(fetch_ready) {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "status says {} fetch jobs waiting, RabbitMQ {fetch_ready}: {status}\n{ready:?}",
            fetch["waiting"]
        );
    };
    let seen: u64 = redis_get(&format!("{}:seen:count", cluster.prefix))?;
    assert_eq!(status["seen_urls"].as_u64(), Some(seen), "{status}");
    assert_eq!(
        status["processes"].as_array().map(Vec::len),
        Some(FETCHERS + 4),
        "{status}"
    );
    assert_eq!(
        status["counters"]["articles_written"].as_u64(),
        Some(cluster.records_written() as u64),
        "{status}"
    );
    ctl.run(&["resume"])?;

    // drain: every role finishes its work in flight and exits.
    ctl.run(&["drain"])?;
    cluster.wait_for_exit(Duration::from_secs(60))?;
    cluster.processes.clear();
    // Nothing was lost: started again, the roles finish the crawl, every
    // article (both hosts, since the reload) exactly once.
    cluster.start_roles(FETCHERS)?;
    finish(cluster, &site)
}

/// Ready messages per queue, from RabbitMQ's management API.
fn management_ready(prefix: &str) -> anyhow::Result<HashMap<String, u64>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let body = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!(
                "{MANAGEMENT_URL}/api/queues/%2F?columns=name,messages_ready"
            ))
            .basic_auth("guest", Some("guest"))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await
    })?;
    let queues: Vec<serde_json::Value> = serde_json::from_str(&body)?;
    Ok(queues
        .iter()
        .filter_map(|q| {
            let name = q["name"].as_str()?;
            name.starts_with(prefix)
                .then(|| (name.to_string(), q["messages_ready"].as_u64().unwrap_or(0)))
        })
        .collect())
}

/// An integer key, read with `redis-cli` semantics over the redis crate.
fn redis_get(key: &str) -> anyhow::Result<u64> {
    let client = redis::Client::open(REDIS_URL)?;
    let mut connection = client.get_connection()?;
    let value: Option<u64> = redis::cmd("GET").arg(key).query(&mut connection)?;
    Ok(value.unwrap_or(0))
}
