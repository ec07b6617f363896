//! End-to-end on the real RabbitMQ and Redis: a distributed crawl that loses
//! every broker and Redis connection mid-way still finishes complete. In a
//! test binary of its own, since it cuts every client's connections.

use std::process::Command;

use newshound_e2e::FixtureSite;
use newshound_e2e::cluster::{ARTICLES, LIMIT, finish, start_cluster};

#[test]
fn distributed_crawl_survives_broker_and_redis_disconnects() -> anyhow::Result<()> {
    let site = FixtureSite::start(ARTICLES)?;
    let mut cluster = start_cluster(&site, 100.0, "reconnect")?;
    cluster.wait_for_records(200, LIMIT)?;
    let rabbit = Command::new("rabbitmqctl")
        .args(["close_all_connections", "newshound reconnect test"])
        .output()?;
    assert!(
        rabbit.status.success(),
        "rabbitmqctl: {}",
        String::from_utf8_lossy(&rabbit.stderr)
    );
    let redis = Command::new("redis-cli")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            "6379",
            "CLIENT",
            "KILL",
            "TYPE",
            "normal",
        ])
        .output()?;
    assert!(
        redis.status.success(),
        "redis-cli: {}",
        String::from_utf8_lossy(&redis.stderr)
    );
    assert!(
        cluster.records_written() < ARTICLES,
        "the disconnect came too late to test anything"
    );
    finish(cluster, &site)
}
