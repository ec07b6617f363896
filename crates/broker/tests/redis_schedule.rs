//! The Redis revisit schedule against a real server
//! (`redis://127.0.0.1:6379/`, override with `NEWSHOUND_TEST_REDIS_URL`).
//! Each test uses its own key prefix and deletes its keys when it ends,
//! also when it fails.

mod common;

use common::{T0, hub, redis_url, unique_prefix};
use newshound_broker::{RedisConfig, RedisRevisitSchedule};
use newshound_core::{Revisit, RevisitSchedule, codec};
use std::collections::HashMap;

fn config(prefix: &str) -> RedisConfig {
    let mut config = RedisConfig::new(redis_url());
    config.prefix = prefix.to_string();
    config
}

/// Connects or fails the test naming Redis.
async fn schedule(prefix: &str) -> RedisRevisitSchedule {
    RedisRevisitSchedule::connect(&config(prefix))
        .await
        .unwrap_or_else(|e| panic!("Redis is required for this test (start redis-server): {e}"))
}

/// Deletes a test's keys when dropped, also while a failed test unwinds
/// (over a blocking connection of its own).
struct Cleanup {
    keys: [String; 2],
}

impl Cleanup {
    fn new(schedule: &RedisRevisitSchedule) -> Cleanup {
        Cleanup {
            keys: [
                schedule.due_key().to_string(),
                schedule.state_key().to_string(),
            ],
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let deleted = redis::Client::open(redis_url())
            .and_then(|client| client.get_connection())
            .and_then(|mut con| redis::cmd("UNLINK").arg(&self.keys).query::<u64>(&mut con));
        if let Err(e) = deleted {
            eprintln!("could not delete test keys {:?}: {e}", self.keys);
        }
    }
}

/// A plain connection for looking behind the schedule's back.
async fn raw_redis() -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(redis_url()).expect("redis url");
    client
        .get_multiplexed_async_connection()
        .await
        .expect("Redis connection")
}

fn fps(entries: &[(u64, Revisit)]) -> Vec<u64> {
    entries.iter().map(|(fp, _)| *fp).collect()
}

/// Sorted, for entries due at the same time (their order is unspecified).
fn sorted(mut fps: Vec<u64>) -> Vec<u64> {
    fps.sort_unstable();
    fps
}

#[tokio::test]
async fn put_get_remove_count() {
    let prefix = unique_prefix();
    let schedule = schedule(&prefix).await;
    let _cleanup = Cleanup::new(&schedule);
    assert_eq!(schedule.due_key(), format!("{{{prefix}}}:revisit:due"));
    assert_eq!(schedule.state_key(), format!("{{{prefix}}}:revisit:state"));

    let (a, b) = (hub("a", T0 + 100), hub("b", T0 + 200));
    // The whole 64-bit range is a valid key.
    let big = (u64::MAX, hub("big", T0 + 300).1);
    assert_eq!(schedule.count().await.expect("count"), 0);
    assert_eq!(schedule.get(a.0).await.expect("get"), None);
    schedule
        .put(vec![a.clone(), b.clone(), big.clone()])
        .await
        .expect("put");
    assert_eq!(schedule.count().await.expect("count"), 3);
    for (fp, revisit) in [&a, &b, &big] {
        assert_eq!(
            schedule.get(*fp).await.expect("get").as_ref(),
            Some(revisit)
        );
    }

    // The layout: decimal members scored by due time, encoded states.
    let mut raw = raw_redis().await;
    let member = a.0.to_string();
    let score: f64 = redis::cmd("ZSCORE")
        .arg(schedule.due_key())
        .arg(&member)
        .query_async(&mut raw)
        .await
        .expect("ZSCORE");
    assert_eq!(score, (T0 + 100) as f64);
    let state: Vec<u8> = redis::cmd("HGET")
        .arg(schedule.state_key())
        .arg(&member)
        .query_async(&mut raw)
        .await
        .expect("HGET");
    assert_eq!(codec::decode::<Revisit>(&state).expect("decode"), a.1);

    // Replacing moves the entry to its new due time; the count stays.
    let mut later = a.1.clone();
    later.due_ms = T0 + 1_000;
    later.interval_ms = 120_000;
    schedule.put(vec![(a.0, later.clone())]).await.expect("put");
    assert_eq!(schedule.count().await.expect("count"), 3);
    assert_eq!(schedule.get(a.0).await.expect("get"), Some(later));
    let due = schedule.claim_due(T0 + 500, 10, 10).await.expect("claim");
    assert_eq!(fps(&due), [b.0, big.0], "a is no longer due at +100");

    schedule.remove(b.0).await.expect("remove");
    schedule.remove(b.0).await.expect("removing twice is fine");
    assert_eq!(schedule.count().await.expect("count"), 2);
    assert_eq!(schedule.get(b.0).await.expect("get"), None);
    let due = schedule
        .claim_due(T0 + 10_000, 10, 10)
        .await
        .expect("claim");
    assert_eq!(sorted(fps(&due)), sorted(vec![a.0, big.0]));
    schedule.put(Vec::new()).await.expect("empty put");

    // Another connection (another frontier) sees the same schedule.
    let other = self::schedule(&prefix).await;
    assert_eq!(other.count().await.expect("count"), 2);
    schedule.delete_all().await.expect("delete all");
    assert_eq!(other.count().await.expect("count"), 0);
}

#[tokio::test]
async fn claims_earliest_first_and_leases() {
    let prefix = unique_prefix();
    let schedule = schedule(&prefix).await;
    let _cleanup = Cleanup::new(&schedule);
    let entries = vec![
        hub("c", T0 + 300),
        hub("a", T0 + 100),
        hub("later", T0 + 5_000),
        hub("b", T0 + 200),
    ];
    schedule.put(entries.clone()).await.expect("put");
    let [c, a, later, b] = [0, 1, 2, 3].map(|i| entries[i].0);
    let claim = |now: u64, max: usize| {
        let schedule = schedule.clone();
        async move {
            schedule
                .claim_due(T0 + now, 1_000, max)
                .await
                .expect("claim")
        }
    };

    assert!(claim(50, 10).await.is_empty());
    assert!(claim(1_000, 0).await.is_empty());
    let first = claim(1_000, 2).await;
    assert_eq!(fps(&first), [a, b]);
    assert!(
        first.iter().all(|(_, r)| r.due_ms == T0 + 2_000),
        "due at the lease end"
    );
    assert_eq!(first[0].1.url, entries[1].1.url);
    assert_eq!(first[0].1.version, entries[1].1.version);
    let read = schedule.get(a).await.expect("get");
    assert_eq!(read.map(|r| r.due_ms), Some(T0 + 2_000));

    // Leased entries are not due again before the lease ends.
    assert_eq!(fps(&claim(1_500, 10).await), [c]);
    assert!(claim(1_999, 10).await.is_empty());
    // a and b's lease ends at +2000, c's at +2500.
    assert_eq!(sorted(fps(&claim(2_000, 10).await)), sorted(vec![a, b]));
    // c is due at +2500, a and b at +3000, later at +5000.
    let fourth = fps(&claim(10_000, 10).await);
    assert_eq!(fourth.len(), 4);
    assert_eq!((fourth[0], fourth[3]), (c, later));
    assert_eq!(sorted(fourth[1..3].to_vec()), sorted(vec![a, b]));

    // The visit's report replaces the entry and ends the lease.
    let mut reported = entries[1].1.clone();
    reported.due_ms = T0 + 60_000;
    schedule.put(vec![(a, reported)]).await.expect("put");
    let fifth = claim(20_000, 10).await;
    assert_eq!(sorted(fps(&fifth)), sorted(vec![c, b, later]));
    assert_eq!(schedule.count().await.expect("count"), 4);
}

#[tokio::test]
async fn entries_without_a_readable_state_are_dropped_when_due() {
    let prefix = unique_prefix();
    let schedule = schedule(&prefix).await;
    let _cleanup = Cleanup::new(&schedule);
    let entries = vec![hub("ok", T0), hub("lost", T0 + 1), hub("garbled", T0 + 2)];
    schedule.put(entries.clone()).await.expect("put");
    let mut raw = raw_redis().await;
    let _: u64 = redis::cmd("HDEL")
        .arg(schedule.state_key())
        .arg(entries[1].0.to_string())
        .query_async(&mut raw)
        .await
        .expect("HDEL");
    let _: u64 = redis::cmd("HSET")
        .arg(schedule.state_key())
        .arg(entries[2].0.to_string())
        .arg(&[0xff_u8, 0xff, 0xff][..])
        .query_async(&mut raw)
        .await
        .expect("HSET");
    assert_eq!(schedule.get(entries[2].0).await.expect("get"), None);
    let claimed = schedule.claim_due(T0 + 10, 100, 10).await.expect("claim");
    assert_eq!(fps(&claimed), [entries[0].0]);
    assert_eq!(schedule.count().await.expect("count"), 1);
    let state_len: u64 = redis::cmd("HLEN")
        .arg(schedule.state_key())
        .query_async(&mut raw)
        .await
        .expect("HLEN");
    assert_eq!(state_len, 1);
}

#[tokio::test]
async fn rejects_a_prefix_that_breaks_the_hash_tag() {
    for prefix in ["", "a{b", "a}b"] {
        assert!(
            RedisRevisitSchedule::connect(&config(prefix))
                .await
                .is_err(),
            "prefix {prefix:?}"
        );
    }
}

/// Two frontiers (two connections) claim concurrently in small batches
/// until nothing is due; each round, every entry is claimed exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_frontiers_claim_each_entry_exactly_once_per_round() {
    let prefix = unique_prefix();
    let frontiers = [schedule(&prefix).await, schedule(&prefix).await];
    let _cleanup = Cleanup::new(&frontiers[0]);
    let entries: Vec<(u64, Revisit)> = (0..2_000)
        .map(|i| hub(&format!("section/{i}"), T0 + i))
        .collect();
    frontiers[0].put(entries.clone()).await.expect("put");
    assert_eq!(frontiers[1].count().await.expect("count"), 2_000);
    let lease = 3_600_000;
    for round in 0..3 {
        // Every entry is due again at the start of each round.
        let now = T0 + 10_000 + round * lease;
        let claimers: Vec<_> = frontiers
            .iter()
            .map(|frontier| {
                let frontier = frontier.clone();
                tokio::spawn(async move {
                    let mut claimed = Vec::new();
                    loop {
                        let batch = frontier.claim_due(now, lease, 23).await.expect("claim");
                        if batch.is_empty() {
                            return claimed;
                        }
                        assert!(batch.iter().all(|(_, r)| r.due_ms == now + lease));
                        claimed.extend(fps(&batch));
                    }
                })
            })
            .collect();
        let mut counts: HashMap<u64, u32> = HashMap::new();
        for claimer in claimers {
            for fp in claimer.await.expect("claimer") {
                *counts.entry(fp).or_default() += 1;
            }
        }
        let doubles = counts.values().filter(|&&n| n > 1).count();
        assert_eq!(doubles, 0, "round {round}: entries claimed twice");
        assert_eq!(counts.len(), entries.len(), "round {round}: entries missed");
        assert!(
            frontiers[0]
                .claim_due(now, lease, 10)
                .await
                .expect("claim")
                .is_empty()
        );
    }
    assert_eq!(frontiers[1].count().await.expect("count"), 2_000);
}
