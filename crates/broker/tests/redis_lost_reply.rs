//! A pipeline of SADDs that Redis applied but whose reply was lost: the
//! retry finds the fingerprints present, and must still report them as new
//! (at least once), or the frontier would drop those URLs.
//!
//! A loopback proxy between the seen-set and the real Redis swallows one
//! reply, once it has seen all of it (so every SADD was applied), and closes
//! the connection.

mod common;

use common::*;
use newshound_broker::{RedisConfig, RedisSeenSet};
use newshound_core::SeenSet;
use redis::AsyncCommands;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// `host:port` of a `redis://[user:password@]host:port[/db]` URL.
fn authority(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_string()
}

/// A TCP proxy to `upstream`. While `swallow` is above 0, replies from
/// Redis are discarded; once `swallow` reply lines have been discarded the
/// client connection is closed (the reply is lost, the commands applied).
struct LossyProxy {
    address: String,
    swallow: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

impl LossyProxy {
    async fn start(upstream: String) -> LossyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let address = listener.local_addr().expect("proxy address").to_string();
        let swallow = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (s, d) = (swallow.clone(), dropped.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                tokio::spawn(relay(client, server, s.clone(), d.clone()));
            }
        });
        LossyProxy {
            address,
            swallow,
            dropped,
        }
    }
}

async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    swallow: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
) {
    let (mut up, mut down) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        tokio::select! {
            n = client.read(&mut up) => match n {
                Ok(0) | Err(_) => return,
                Ok(n) => if server.write_all(&up[..n]).await.is_err() { return },
            },
            n = server.read(&mut down) => match n {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let lines = down[..n].iter().filter(|&&b| b == b'\n').count();
                    let left = swallow.load(Ordering::SeqCst);
                    if left == 0 {
                        if client.write_all(&down[..n]).await.is_err() { return }
                    } else if lines >= left {
                        // The whole reply was seen and thrown away: cut.
                        swallow.store(0, Ordering::SeqCst);
                        dropped.fetch_add(1, Ordering::SeqCst);
                        return;
                    } else {
                        swallow.store(left - lines, Ordering::SeqCst);
                    }
                }
            },
        }
    }
}

#[tokio::test]
async fn retried_chunk_reports_ambiguous_fingerprints_as_new() {
    let direct = redis_url();
    let proxy = LossyProxy::start(authority(&direct)).await;
    let prefix = unique_prefix();
    let mut config = RedisConfig::new(format!("redis://{}/", proxy.address));
    config.prefix = prefix.clone();
    config.expected_urls = 1_000;
    let set = RedisSeenSet::connect(config)
        .await
        .unwrap_or_else(|e| panic!("Redis is required for this test (start redis-server): {e}"));

    // Cleanly inserted before: a later certain 0 reads as seen.
    assert_eq!(set.insert_new(&[7]).await.expect("insert"), [true]);
    assert_eq!(set.insert_new(&[7]).await.expect("insert"), [false]);

    // 100 fresh fingerprints, 7 (already present) and a duplicate of the
    // first. Redis applies the SADDs, the reply (one line each) is lost.
    let mut batch: Vec<u64> = (1_000..1_100u64)
        .map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
        .collect();
    batch.push(7);
    batch.push(batch[0]);
    proxy.swallow.store(101, Ordering::SeqCst);
    let fresh = set
        .insert_new(&batch)
        .await
        .expect("insert across a lost reply");
    assert_eq!(proxy.dropped.load(Ordering::SeqCst), 1, "a reply was lost");

    // Every fresh fingerprint is reported new although the retry found it
    // present; 7 is ambiguous on a retry, so new too (a duplicate fetch at
    // worst); the duplicate within the call is not new.
    assert!(fresh[..100].iter().all(|&b| b), "{fresh:?}");
    assert!(fresh[100], "an ambiguous 0 on a retry is reported new");
    assert!(
        !fresh[101],
        "the second of duplicates in one call is not new"
    );

    // Stored once, and a clean attempt now answers seen.
    let client = redis::Client::open(direct).expect("redis url");
    let mut raw = client
        .get_multiplexed_async_connection()
        .await
        .expect("direct connection");
    let mut members = 0usize;
    for b in 0..set.buckets() {
        let n: usize = raw
            .scard(format!("{prefix}:seen:{b}"))
            .await
            .expect("scard");
        members += n;
    }
    assert_eq!(members, 101);
    assert!(
        set.insert_new(&batch)
            .await
            .expect("insert")
            .iter()
            .all(|&b| !b)
    );
    // The counter counts what was reported new: rough after a lost reply.
    assert_eq!(set.count().await.expect("count"), 1 + 101);
    set.delete_all().await.expect("cleanup");
}

#[test]
fn parses_the_authority() {
    assert_eq!(authority("redis://127.0.0.1:6379/"), "127.0.0.1:6379");
    assert_eq!(
        authority("redis://:pw@127.0.0.21:7000/2"),
        "127.0.0.21:7000"
    );
}
