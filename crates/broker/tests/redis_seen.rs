//! The Redis seen-set against a real server.

mod common;

use common::*;
use newshound_core::SeenSet;
use redis::AsyncCommands;

async fn raw_redis() -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(redis_url()).expect("redis url");
    client
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("Redis is required for this test (start redis-server): {e}"))
}

#[tokio::test]
async fn seen_set_is_exact_and_persistent() {
    let prefix = unique_prefix();
    {
        let set = seen(&prefix, 1_000).await;
        let fresh = set.insert_new(&[1, 2, 3, 2]).await.expect("insert");
        assert_eq!(fresh, [true, true, true, false]);
        assert_eq!(set.count().await.expect("count"), 3);
        // Full 64-bit values (negative as i64) are distinct members.
        let big = [u64::MAX, 1 << 63, (1 << 63) - 1, u64::MAX - 1];
        assert_eq!(set.insert_new(&big).await.expect("insert"), [true; 4]);
        assert_eq!(set.insert_new(&big).await.expect("insert"), [false; 4]);
        assert!(set.insert_new(&[]).await.expect("empty").is_empty());
    }
    // A new connection (another process) sees the same set.
    let set = seen(&prefix, 1_000).await;
    assert_eq!(
        set.insert_new(&[3, 4]).await.expect("insert"),
        [false, true]
    );
    assert_eq!(set.count().await.expect("count"), 8);
    set.delete_all().await.expect("cleanup");
}

#[tokio::test]
async fn later_processes_adopt_the_stored_bucket_count() {
    let prefix = unique_prefix();
    let first = seen(&prefix, 10_000).await;
    let fps: Vec<u64> = (0..2_000u64)
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .collect();
    assert!(
        first
            .insert_new(&fps)
            .await
            .expect("insert")
            .iter()
            .all(|&b| b)
    );
    let second = seen(&prefix, 50_000_000).await;
    assert_eq!(second.buckets(), first.buckets());
    assert!(
        second
            .insert_new(&fps)
            .await
            .expect("insert")
            .iter()
            .all(|&b| !b)
    );
    first.delete_all().await.expect("cleanup");
}

#[tokio::test]
async fn buckets_stay_intsets_at_the_expected_count() {
    let prefix = unique_prefix();
    let expected = 20_000u64;
    let set = seen(&prefix, expected).await;
    let fps: Vec<u64> = (0..expected)
        .map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
        .collect();
    let fresh = set.insert_new(&fps).await.expect("insert");
    assert_eq!(fresh.iter().filter(|&&b| b).count() as u64, expected);
    let mut con = raw_redis().await;
    for b in 0..set.buckets() {
        let key = format!("{prefix}:seen:{b}");
        let encoding: String = redis::cmd("OBJECT")
            .arg("ENCODING")
            .arg(&key)
            .query_async(&mut con)
            .await
            .expect("object encoding");
        assert_eq!(encoding, "intset", "{key}");
    }
    set.delete_all().await.expect("cleanup");
    let left: Vec<String> = con.keys(format!("{prefix}:*")).await.expect("keys");
    assert!(left.is_empty(), "{left:?}");
}

/// Redis memory per URL for this layout: `used_memory` delta (INFO memory)
/// after inserting NEWSHOUND_MEASURE_URLS (default 1 000 000) random
/// fingerprints with `expected_urls` equal to that. Run with
/// `cargo test -p newshound-broker --test redis_seen -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "measurement, not a check; takes a while"]
async fn measure_bytes_per_url() {
    let n: u64 = std::env::var("NEWSHOUND_MEASURE_URLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let prefix = unique_prefix();
    let mut con = raw_redis().await;
    let set = seen(&prefix, n).await;
    let before = used_memory(&mut con).await;
    let mut new = 0u64;
    for start in (0..n).step_by(20_000) {
        let fps: Vec<u64> = (start..(start + 20_000).min(n))
            .map(|i| xxhash_rust::xxh3::xxh3_64(format!("{prefix}/{i}").as_bytes()))
            .collect();
        new += set
            .insert_new(&fps)
            .await
            .expect("insert")
            .iter()
            .filter(|&&b| b)
            .count() as u64;
    }
    let after = used_memory(&mut con).await;
    let per_url = (after - before) as f64 / n as f64;
    eprintln!(
        "{n} URLs ({new} new) in {} buckets: used_memory {before} -> {after}, {per_url:.2} bytes/URL",
        set.buckets()
    );
    set.delete_all().await.expect("cleanup");
    assert_eq!(new, n);
}

async fn used_memory(con: &mut redis::aio::MultiplexedConnection) -> i64 {
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(con)
        .await
        .expect("info");
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("used_memory in INFO")
}
