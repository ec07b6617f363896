//! The Redis seen-set survives `CLIENT KILL TYPE normal`.
//!
//! In a test binary of its own: killing every client would disturb the
//! other Redis tests running in parallel.

mod common;

use common::*;
use newshound_core::SeenSet;
use std::time::{Duration, Instant};

#[tokio::test]
async fn seen_set_survives_client_kill() {
    let prefix = unique_prefix();
    let set = seen(&prefix, 1_000).await;
    assert_eq!(
        set.insert_new(&[10, 11]).await.expect("insert"),
        [true, true]
    );
    let client = redis::Client::open(redis_url()).expect("redis url");
    let mut admin = client
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("Redis is required for this test (start redis-server): {e}"));
    // Kills every normal client but this one (SKIPME yes is the default).
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .query_async(&mut admin)
        .await
        .expect("client kill");
    assert!(killed >= 1, "the seen-set's connection was killed");
    let started = Instant::now();
    let fresh = set.insert_new(&[11, 12]).await.expect("insert after kill");
    assert!(started.elapsed() < Duration::from_secs(10));
    // 12 is new. 11 is new only if the first attempt met the dead
    // connection: after a lost reply a present fingerprint is ambiguous and
    // reported new (at least once); the set itself holds it once.
    assert!(fresh[1], "{fresh:?}");
    assert_eq!(
        set.insert_new(&[10, 11, 12]).await.expect("insert"),
        [false; 3]
    );
    let reported = fresh.iter().filter(|&&b| b).count() as u64;
    assert_eq!(set.count().await.expect("count"), 2 + reported);
    set.delete_all().await.expect("cleanup");
}
