//! The Redis per-host page budget against a real server
//! (`redis://127.0.0.1:6379/`, override with `NEWSHOUND_TEST_REDIS_URL`).
//! Each test uses its own key prefix and deletes its key when it ends, also
//! when it fails.

mod common;

use common::{redis_url, unique_prefix};
use newshound_broker::{RedisConfig, RedisHostBudget};
use newshound_core::HostBudget;

/// Connects to a budget under `prefix` or fails the test naming Redis.
async fn budget(prefix: &str) -> RedisHostBudget {
    let mut config = RedisConfig::new(redis_url());
    config.prefix = prefix.to_string();
    RedisHostBudget::connect(&config)
        .await
        .unwrap_or_else(|e| panic!("Redis is required for this test (start redis-server): {e}"))
}

/// Deletes a test's key when dropped, also while a failed test unwinds
/// (over a blocking connection of its own).
struct Cleanup {
    key: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let deleted = redis::Client::open(redis_url())
            .and_then(|client| client.get_connection())
            .and_then(|mut con| redis::cmd("UNLINK").arg(&self.key).query::<u64>(&mut con));
        if let Err(e) = deleted {
            eprintln!("could not delete test key {}: {e}", self.key);
        }
    }
}

/// Pages granted to `host` so far: the budget's hash field, read over a
/// connection of the test's own.
fn used(budget: &RedisHostBudget, host: &str) -> u64 {
    let count: Option<u64> = redis::Client::open(redis_url())
        .and_then(|client| client.get_connection())
        .and_then(|mut con| {
            redis::cmd("HGET")
                .arg(budget.key())
                .arg(host)
                .query(&mut con)
        })
        .unwrap_or_else(|e| panic!("reading {} from Redis: {e}", budget.key()));
    count.unwrap_or(0)
}

fn req(host: &str, n: u64) -> (String, u64) {
    (host.to_string(), n)
}

#[tokio::test]
async fn grants_up_to_the_limit_per_host() {
    let prefix = unique_prefix();
    let budget = budget(&prefix).await;
    let _cleanup = Cleanup {
        key: budget.key().to_string(),
    };
    assert_eq!(budget.key(), format!("{{{prefix}}}:host_pages"));
    let granted = budget
        .take(&[req("a.org", 3), req("b.org", 7), req("a.org", 4)], 5)
        .await
        .expect("take");
    assert_eq!(granted, vec![3, 5, 2]);
    assert_eq!(budget.take(&[req("a.org", 1)], 5).await.expect("take"), [0]);
    // Only what was granted counts: the count stays at the limit.
    assert_eq!(used(&budget, "a.org"), 5);
    assert_eq!(used(&budget, "b.org"), 5);
    assert_eq!(used(&budget, "c.org"), 0);
    // A larger limit grants the difference; a zero request is granted 0.
    assert_eq!(
        budget
            .take(&[req("a.org", 9), req("c.org", 0)], 8)
            .await
            .expect("take"),
        [3, 0]
    );
    assert!(budget.take(&[], 8).await.expect("take").is_empty());
    // More hosts than one script serves.
    let many: Vec<(String, u64)> = (0..1200).map(|i| req(&format!("h{i}.org"), 2)).collect();
    let granted = budget.take(&many, 1).await.expect("take");
    assert_eq!(granted, vec![1; 1200]);
    budget.delete_all().await.expect("delete");
    assert_eq!(used(&budget, "a.org"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_never_grant_more_than_the_limit() {
    let prefix = unique_prefix();
    let first = budget(&prefix).await;
    let second = budget(&prefix).await;
    let _cleanup = Cleanup {
        key: first.key().to_string(),
    };
    let mut tasks = Vec::new();
    for instance in [first.clone(), second] {
        for _ in 0..4 {
            let instance = instance.clone();
            tasks.push(tokio::spawn(async move {
                let mut total = 0;
                for _ in 0..100 {
                    let granted = instance
                        .take(&[req("a.org", 3), req("b.org", 1)], 500)
                        .await
                        .expect("take");
                    total += granted[0];
                }
                total
            }));
        }
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("task");
    }
    // 8 x 100 x 3 = 2400 asked for, 500 available.
    assert_eq!(total, 500);
    assert_eq!(used(&first, "a.org"), 500);
    assert_eq!(used(&first, "b.org"), 500);
}
