//! End-to-end on the real RabbitMQ and Redis: a continuous crawl by two
//! frontiers, two fetchers, a parser and a sink of a fixture site that
//! publishes and updates articles while it is crawled.

use std::collections::HashMap;
use std::time::Duration;

use newshound_e2e::cluster::Cluster;
use newshound_e2e::{FAST_RECRAWL, FixtureSite};

/// New articles are all found; two frontiers claiming from one Redis
/// schedule never fetch the same due hub twice in one round (no hub is
/// requested twice within a fraction of its least interval).
#[test]
fn two_frontiers_share_the_revisit_schedule() -> anyhow::Result<()> {
    let site =
        FixtureSite::start_publishing(40, 1, Duration::from_secs(2), Some(Duration::from_secs(1)))?;
    let config = format!("{}{FAST_RECRAWL}", site.config(200.0));
    let mut cluster = Cluster::new(&config, "revisit")?;
    for role in [
        "sink", "frontier", "frontier", "fetcher", "fetcher", "parser",
    ] {
        cluster.start(role)?;
    }
    let started_ms = chrono::Utc::now().timestamp_millis();
    cluster.wait_for_records(40, Duration::from_secs(300))?;
    std::thread::sleep(Duration::from_secs(20));
    let stopped_ms = chrono::Utc::now().timestamp_millis();
    cluster.stop()?;

    let records = cluster.records()?;
    let found: HashMap<&str, usize> = records
        .iter()
        .filter_map(|r| r["canonical_url"].as_str())
        .fold(HashMap::new(), |mut m, u| {
            *m.entry(u).or_default() += 1;
            m
        });
    let truth = site.truth();
    let mut published_live = 0;
    for t in &truth {
        if t.published_at_ms.is_some_and(|p| p > started_ms) {
            published_live += 1;
        }
        if t.published_at_ms.is_none_or(|p| p < stopped_ms - 6000) {
            assert!(found.contains_key(t.url.as_str()), "never found: {}", t.url);
        }
    }
    assert!(
        published_live >= 8,
        "only {published_live} published during the crawl"
    );

    let mut hub_visits = 0;
    for (path, visits) in site.requests_by_path()? {
        if !path.starts_with("/section/") {
            continue;
        }
        hub_visits += visits.len();
        let closest = visits.windows(2).map(|w| w[1].0 - w[0].0).min();
        // The least interval is 0.5 s, and claims happen once a second.
        assert!(
            closest.is_none_or(|gap| gap >= 300),
            "{path} fetched twice {closest:?} ms apart: {visits:?}"
        );
    }
    assert!(hub_visits >= 100, "only {hub_visits} hub visits");
    Ok(())
}
