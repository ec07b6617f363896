//! Helpers shared by the broker tests: service URLs, unique prefixes, raw
//! inspection connections. The services must be running (the CI script
//! starts them); when one is not, tests fail naming it.

#![allow(dead_code)] // each test binary uses a different subset

use lapin::options::{BasicGetOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties};
use newshound_broker::{AmqpConfig, AmqpQueue, RedisConfig, RedisSeenSet};
use newshound_core::Revisit;
use newshound_core::canon::fingerprint;
use newshound_core::codec;
use newshound_core::message::{LinkKind, PageClass, PageVersion};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// RabbitMQ URL (override with NEWSHOUND_TEST_AMQP_URL).
pub fn amqp_url() -> String {
    std::env::var("NEWSHOUND_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// Redis URL (override with NEWSHOUND_TEST_REDIS_URL).
pub fn redis_url() -> String {
    std::env::var("NEWSHOUND_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

/// `newshound-test-<unique hex>`.
pub fn unique_prefix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let seed = format!(
        "{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    format!(
        "newshound-test-{:016x}",
        xxhash_rust::xxh3::xxh3_64(seed.as_bytes())
    )
}

/// A due time in the present era (ms since the epoch).
pub const T0: u64 = 1_800_000_000_000;

/// A hub entry for `https://example.com/<path>` due at `due_ms`, keyed by its
/// fingerprint.
pub fn hub(path: &str, due_ms: u64) -> (u64, Revisit) {
    // `Url` decodes from its string (the `url` crate is not a dependency of
    // this crate).
    let text = format!("https://example.com/{path}");
    let url = codec::decode(&codec::encode(&text).expect("encode")).expect("url");
    let revisit = Revisit {
        url,
        depth: 1,
        kind: LinkKind::Hub,
        class: PageClass::Hub,
        due_ms,
        interval_ms: 60_000,
        first_seen_ms: T0 - 1_000,
        refetches: 0,
        version: PageVersion {
            etag: Some(format!("\"{path}\"")),
            last_modified: Some("Sat, 28 Nov 2026 06:00:00 GMT".into()),
            content_hash: None,
            revision: 0,
        },
    };
    (fingerprint(&revisit.url), revisit)
}

/// Test settings: unique prefix, 4 fetch partitions.
pub fn amqp_config(prefix: &str) -> AmqpConfig {
    let mut config = AmqpConfig::new(amqp_url());
    config.prefix = prefix.to_string();
    config.fetch_partitions = 4;
    config
}

/// Connects or fails the test naming RabbitMQ.
pub async fn amqp(config: AmqpConfig) -> AmqpQueue {
    AmqpQueue::connect(config).await.unwrap_or_else(|e| {
        panic!("RabbitMQ is required for this test (start rabbitmq-server): {e}")
    })
}

/// Connects or fails the test naming Redis.
pub async fn seen(prefix: &str, expected_urls: u64) -> RedisSeenSet {
    let mut config = RedisConfig::new(redis_url());
    config.prefix = prefix.to_string();
    config.expected_urls = expected_urls;
    RedisSeenSet::connect(config)
        .await
        .unwrap_or_else(|e| panic!("Redis is required for this test (start redis-server): {e}"))
}

/// A plain lapin channel for looking at queues behind the backend's back.
pub async fn raw_channel() -> (Connection, Channel) {
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .unwrap_or_else(|e| panic!("RabbitMQ is required for this test: {e}"));
    let channel = connection.create_channel().await.expect("channel");
    (connection, channel)
}

/// Ready messages in `queue`.
pub async fn ready(channel: &Channel, queue: &str) -> u32 {
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions::durable().passive(),
            FieldTable::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("inspect {queue}: {e}"))
        .message_count()
}

/// Takes one message from `queue` (auto-ack), waiting up to 5 s.
pub async fn get(channel: &Channel, queue: &str) -> lapin::message::BasicGetMessage {
    for _ in 0..50 {
        let options = BasicGetOptions { no_ack: true };
        if let Some(m) = channel
            .basic_get(queue.into(), options)
            .await
            .expect("basic.get")
        {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no message in {queue}");
}

/// A message with a priority and an optional partition key.
pub fn msg(payload: &str, priority: u8, key: Option<&str>) -> newshound_core::Message {
    newshound_core::Message {
        payload: payload.as_bytes().to_vec(),
        priority,
        partition_key: key.map(str::to_string),
    }
}

/// `next()` with a deadline: `None` when nothing came.
pub async fn next_within(
    consumer: &mut Box<dyn newshound_core::Consumer>,
    within: Duration,
) -> Option<newshound_core::Delivery> {
    match tokio::time::timeout(within, consumer.next()).await {
        Ok(Some(Ok(d))) => Some(d),
        Ok(Some(Err(e))) => panic!("consumer error: {e}"),
        Ok(None) => panic!("consumer closed"),
        Err(_) => None,
    }
}

/// Deletes the queue's topology and closes it.
pub async fn teardown(queue: &AmqpQueue) {
    queue.delete_topology().await.expect("delete topology");
    queue.close().await;
}
