//! The RabbitMQ job queue against a real broker, mirroring the embedded
//! backend's tests, plus partitioning, one fetcher per partition, the article
//! publisher and the management-API depth.

mod common;

use axum::extract::State;
use axum::http::{StatusCode, header};
use common::*;
use newshound_broker::{AmqpArticlePublisher, AmqpConfig, AmqpQueue, RedisConfig, RedisSeenSet};
use newshound_core::message::{Article, ArticleFields};
use newshound_core::{ArticleSink, JobQueue, Queue, codec};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[tokio::test]
async fn delivers_by_priority_and_acks() {
    let prefix = unique_prefix();
    let q = amqp(amqp_config(&prefix)).await;
    // One partition key: one partition queue, where priorities order delivery.
    let host = Some("example.com");
    q.publish(
        Queue::Fetch,
        vec![
            msg("low", 1, host),
            msg("high", 9, host),
            msg("mid", 5, host),
        ],
    )
    .await
    .expect("publish");
    let mut consumer = q.consume(Queue::Fetch, 10).await.expect("consume");
    let mut got = Vec::new();
    for _ in 0..3 {
        let d = next_within(&mut consumer, Duration::from_secs(5))
            .await
            .expect("delivery");
        assert_eq!((d.attempt, d.redelivered), (1, false));
        got.push(String::from_utf8(d.payload.clone()).expect("utf8"));
        d.ack().await.expect("ack");
    }
    assert_eq!(got, ["high", "mid", "low"]);
    let depth = q.depth(Queue::Fetch).await.expect("depth");
    assert_eq!((depth.waiting, depth.dead), (0, 0));
    drop(consumer);
    teardown(&q).await;
}

#[tokio::test]
async fn unacked_messages_come_back_after_the_connection_dies() {
    let prefix = unique_prefix();
    let first = amqp(amqp_config(&prefix)).await;
    first
        .publish(Queue::Pages, vec![msg("a", 0, None), msg("b", 0, None)])
        .await
        .expect("publish");
    let mut consumer = first.consume(Queue::Pages, 10).await.expect("consume");
    let a = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("a");
    let b = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("b");
    assert!(!a.redelivered);
    assert_eq!(a.payload, b"a");
    a.ack().await.expect("ack");
    // The process "dies" holding `b`.
    first.close().await;
    assert!(
        b.ack().await.is_err(),
        "a delivery of a dead connection cannot be settled"
    );
    assert!(
        consumer.next().await.is_none(),
        "a closed queue ends its consumers"
    );

    let second = amqp(amqp_config(&prefix)).await;
    let mut consumer = second.consume(Queue::Pages, 10).await.expect("consume");
    let b = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("redelivery");
    assert_eq!(b.payload, b"b");
    assert!(b.redelivered);
    b.ack().await.expect("ack");
    drop(consumer);
    teardown(&second).await;
}

#[tokio::test]
async fn requeue_delivers_again_marked_redelivered() {
    let prefix = unique_prefix();
    let q = amqp(amqp_config(&prefix)).await;
    q.publish(Queue::Pages, vec![msg("again", 3, None)])
        .await
        .expect("publish");
    let mut consumer = q.consume(Queue::Pages, 1).await.expect("consume");
    let d = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("first");
    assert!(!d.redelivered);
    d.requeue().await.expect("requeue");
    let d = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("again");
    assert_eq!(
        (d.payload.as_slice(), d.attempt, d.redelivered),
        (&b"again"[..], 1, true)
    );
    d.ack().await.expect("ack");
    drop(consumer);
    teardown(&q).await;
}

#[tokio::test]
async fn retries_after_delay_and_dead_letters() {
    let prefix = unique_prefix();
    let q = amqp(amqp_config(&prefix)).await;
    q.publish(
        Queue::Links,
        vec![msg("x", 0, None), msg("poison", 0, None)],
    )
    .await
    .expect("publish");
    let mut consumer = q.consume(Queue::Links, 10).await.expect("consume");
    let x = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("x");
    let poison = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("poison");
    poison
        .dead_letter("cannot decode")
        .await
        .expect("dead letter");
    let started = Instant::now();
    x.retry_after(Duration::from_millis(300))
        .await
        .expect("retry");
    let depth = q.depth(Queue::Links).await.expect("depth");
    assert_eq!((depth.waiting, depth.dead), (1, 1), "{depth:?}");
    let again = next_within(&mut consumer, Duration::from_secs(10))
        .await
        .expect("retried");
    // 300 ms rounds up to the 1 s bucket.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((again.payload.as_slice(), again.attempt), (&b"x"[..], 2));
    again
        .retry_after(Duration::ZERO)
        .await
        .expect("retry again");
    let third = next_within(&mut consumer, Duration::from_secs(10))
        .await
        .expect("retried");
    assert_eq!(third.attempt, 3);
    third.ack().await.expect("ack");

    let (raw, channel) = raw_channel().await;
    let dead = get(&channel, &q.topology().dead_queue(Queue::Links)).await;
    assert_eq!(dead.delivery.data, b"poison");
    let headers = dead.delivery.properties.headers().clone().expect("headers");
    let reason = headers
        .inner()
        .get("x-newshound-reason")
        .expect("reason header");
    assert_eq!(
        reason.as_long_string().map(|s| s.to_string()),
        Some("cannot decode".into())
    );
    let _ = raw.close(200, "done".into()).await;
    drop(consumer);
    teardown(&q).await;
}

#[tokio::test]
async fn same_partition_key_goes_to_the_same_partition_queue() {
    let prefix = unique_prefix();
    let q = amqp(amqp_config(&prefix)).await;
    let t = q.topology().clone();
    let hosts = [
        "a.example",
        "b.example",
        "c.example",
        "d.example",
        "e.example",
    ];
    let mut messages = Vec::new();
    for round in 0..3 {
        for h in hosts {
            messages.push(msg(&format!("{h}/{round}"), 0, Some(h)));
        }
    }
    q.publish(Queue::Fetch, messages).await.expect("publish");
    let mut expected = vec![0u32; usize::from(t.fetch_partitions)];
    for h in hosts {
        expected[t.partition_of(h.as_bytes())] += 3;
    }
    let (raw, channel) = raw_channel().await;
    for (i, want) in expected.iter().enumerate() {
        assert_eq!(
            ready(&channel, &t.fetch_partition(i)).await,
            *want,
            "partition {i}"
        );
    }
    // All three messages of a host are in its partition, in order.
    let part = t.fetch_partition(t.partition_of(b"c.example"));
    let mut mine = Vec::new();
    for _ in 0..expected[t.partition_of(b"c.example")] {
        let m = get(&channel, &part).await;
        let s = String::from_utf8(m.delivery.data).expect("utf8");
        if s.starts_with("c.example") {
            mine.push(s);
        }
    }
    assert_eq!(mine, ["c.example/0", "c.example/1", "c.example/2"]);
    assert_eq!(
        q.depth(Queue::Fetch).await.expect("depth").waiting,
        15 - expected[t.partition_of(b"c.example")] as u64
    );
    let _ = raw.close(200, "done".into()).await;
    teardown(&q).await;
}

#[tokio::test]
async fn one_consumer_per_fetch_partition() {
    let prefix = unique_prefix();
    let mut config = amqp_config(&prefix);
    config.fetch_partitions = 1;
    let first = amqp(config.clone()).await;
    let second = amqp(config).await;
    let mut a = first.consume(Queue::Fetch, 50).await.expect("consume a");
    let mut b = second.consume(Queue::Fetch, 50).await.expect("consume b");
    let batch = (0..10)
        .map(|i| msg(&format!("m{i}"), 0, Some("h")))
        .collect();
    first.publish(Queue::Fetch, batch).await.expect("publish");
    for i in 0..10 {
        let d = next_within(&mut a, Duration::from_secs(5))
            .await
            .expect("a gets all");
        assert_eq!(d.payload, format!("m{i}").as_bytes());
        d.ack().await.expect("ack");
    }
    assert!(
        next_within(&mut b, Duration::from_millis(1500))
            .await
            .is_none(),
        "b is inactive"
    );
    // When the holder goes, the other claims the partition.
    drop(a);
    first.close().await;
    second
        .publish(Queue::Fetch, vec![msg("later", 0, Some("h"))])
        .await
        .expect("publish");
    let d = next_within(&mut b, Duration::from_secs(10))
        .await
        .expect("b takes over");
    assert_eq!(d.payload, b"later");
    d.ack().await.expect("ack");
    drop(b);
    teardown(&second).await;
}

/// Two fetchers share four partitions two and two, and each partition's
/// messages go to one of them only.
#[tokio::test]
async fn fetch_partitions_spread_over_fetchers() {
    let prefix = unique_prefix();
    let mut config = amqp_config(&prefix);
    config.fetch_partitions = 4;
    let first = amqp(config.clone()).await;
    let second = amqp(config).await;
    let t = first.topology().clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut fetchers = Vec::new();
    for (who, q) in [&first, &second].into_iter().enumerate() {
        let mut consumer = q.consume(Queue::Fetch, 50).await.expect("consume");
        let tx = tx.clone();
        fetchers.push(tokio::spawn(async move {
            while let Some(Ok(d)) = consumer.next().await {
                let payload = d.payload.clone();
                d.ack().await.expect("ack");
                if tx.send((who, payload)).is_err() {
                    break;
                }
            }
        }));
    }
    // A few claim rounds: the first fetcher releases what the second claims.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let hosts: Vec<String> = (0..16).map(|i| format!("h{i}.example")).collect();
    let batch = hosts.iter().map(|h| msg(h, 0, Some(h.as_str()))).collect();
    first.publish(Queue::Fetch, batch).await.expect("publish");
    let mut partitions = [HashSet::new(), HashSet::new()];
    for _ in 0..hosts.len() {
        let (who, payload) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("every message is delivered")
            .expect("fetchers alive");
        partitions[who].insert(t.partition_of(&payload));
    }
    assert_eq!(partitions[0].len(), 2, "a holds two: {partitions:?}");
    assert_eq!(partitions[1].len(), 2, "b holds two: {partitions:?}");
    assert!(partitions[0].is_disjoint(&partitions[1]));
    for f in fetchers {
        f.abort();
    }
    first.close().await;
    teardown(&second).await;
}

fn article(n: u32) -> Article {
    let url = format!("https://news.example/{n}");
    Article {
        url: url.clone(),
        redirected_from: Vec::new(),
        canonical_url: url,
        fields: ArticleFields {
            title: format!("Story {n}"),
            subtitle: None,
            authors: vec!["A. Writer".into()],
            published: None,
            updated: None,
            section: Some("world".into()),
            tags: vec![],
            body: "Para one.\n\nPara two.".into(),
            images: vec![],
            related: vec![],
            kind_unsure: false,
        },
        language: Some("en".into()),
        fetched_at: chrono::Utc::now(),
        content_hash: format!("{n:032x}"),
        revision: 1,
    }
}

#[tokio::test]
async fn article_publisher_feeds_the_articles_queue() {
    let prefix = unique_prefix();
    let q = amqp(amqp_config(&prefix)).await;
    let sink = AmqpArticlePublisher::new(q.clone());
    let articles = vec![article(1), article(2)];
    assert_eq!(sink.write(articles.clone()).await.expect("write"), 2);
    let mut consumer = q.consume(Queue::Articles, 10).await.expect("consume");
    for want in &articles {
        let d = next_within(&mut consumer, Duration::from_secs(5))
            .await
            .expect("article");
        let got: Article = codec::decode_article(&d.payload).expect("decode");
        assert_eq!(&got, want);
        d.ack().await.expect("ack");
    }
    drop(consumer);
    teardown(&q).await;
}

#[tokio::test]
async fn unreachable_services_are_named() {
    let mut config = AmqpConfig::new("amqp://guest:secret@127.0.0.1:1/%2f");
    config.connect_timeout_ms = 2_000;
    let err = AmqpQueue::connect(config)
        .await
        .err()
        .expect("must fail")
        .to_string();
    assert!(err.contains("RabbitMQ"), "{err}");
    assert!(!err.contains("secret"), "credentials leaked: {err}");
    let err = RedisSeenSet::connect(RedisConfig::new("redis://:secret@127.0.0.1:1/"))
        .await
        .err()
        .expect("must fail")
        .to_string();
    assert!(err.contains("Redis"), "{err}");
    assert!(!err.contains("secret"), "credentials leaked: {err}");
}

/// Enables the management plugin when it is off (offline, idempotent);
/// `false` when it cannot be had.
async fn management_available() -> bool {
    let up = || std::net::TcpStream::connect("127.0.0.1:15672").is_ok();
    if up() {
        return true;
    }
    let enabled = std::process::Command::new("rabbitmq-plugins")
        .args(["enable", "rabbitmq_management"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !enabled {
        return false;
    }
    for _ in 0..60 {
        if up() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    false
}

#[tokio::test]
async fn depth_counts_in_flight_from_the_management_api() {
    in_flight_counted("http://127.0.0.1:15672").await;
}

#[tokio::test]
async fn depth_counts_in_flight_through_a_path_prefix() {
    let proxy = ManagementProxy::start().await;
    in_flight_counted(&format!("{}/rabbitmq/", proxy.base)).await;
    assert!(proxy.forwarded() > 0, "nothing went through the proxy");
}

/// Two of three messages held unacked: `depth()` reads them in flight from
/// the management API at `management_url`.
async fn in_flight_counted(management_url: &str) {
    if !management_available().await {
        eprintln!(
            "\n!!! SKIPPED: the RabbitMQ management API (127.0.0.1:15672) is not available and `rabbitmq-plugins enable rabbitmq_management` failed\n"
        );
        return;
    }
    let prefix = unique_prefix();
    let mut config = amqp_config(&prefix);
    config.management_url = Some(management_url.to_string());
    let q = amqp(config).await;
    q.publish(
        Queue::Pages,
        (0..3).map(|i| msg(&i.to_string(), 0, None)).collect(),
    )
    .await
    .expect("publish");
    let mut consumer = q.consume(Queue::Pages, 2).await.expect("consume");
    let held = [
        next_within(&mut consumer, Duration::from_secs(5))
            .await
            .expect("1"),
        next_within(&mut consumer, Duration::from_secs(5))
            .await
            .expect("2"),
    ];
    // The management statistics are sampled (every 5 s by default).
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut depth = q.depth(Queue::Pages).await.expect("depth");
    while depth.in_flight != 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        depth = q.depth(Queue::Pages).await.expect("depth");
    }
    assert_eq!((depth.waiting, depth.in_flight), (1, 2), "{depth:?}");
    assert!(!depth.in_flight_unknown, "{depth:?}");
    for d in held {
        d.ack().await.expect("ack");
    }
    drop(consumer);
    teardown(&q).await;
}

#[tokio::test]
async fn an_unanswered_management_api_makes_depth_unknown_until_it_answers() {
    if !management_available().await {
        eprintln!(
            "\n!!! SKIPPED: the RabbitMQ management API (127.0.0.1:15672) is not available\n"
        );
        return;
    }
    let proxy = ManagementProxy::start().await;
    let prefix = unique_prefix();
    let mut config = amqp_config(&prefix);
    config.management_url = Some(format!("{}/rabbitmq", proxy.base));
    let q = amqp(config).await;
    // Empty queues, but the API answers 503: not idle (a `--once` run waits).
    proxy.set_up(false);
    let depth = q.depth(Queue::Links).await.expect("depth");
    assert!(depth.in_flight_unknown, "{depth:?}");
    assert!(!depth.is_idle(), "{depth:?}");
    // Answering again: known and idle.
    proxy.set_up(true);
    let depth = q.depth(Queue::Links).await.expect("depth");
    assert!(!depth.in_flight_unknown, "{depth:?}");
    assert!(depth.is_idle(), "{depth:?}");
    teardown(&q).await;
}

/// A loopback reverse proxy serving the management API under `/rabbitmq/`
/// (the prefix stripped, forwarded to 127.0.0.1:15672), 404 elsewhere, 503
/// while switched off.
struct ManagementProxy {
    base: String,
    state: Arc<ProxyState>,
}

struct ProxyState {
    up: AtomicBool,
    forwarded: AtomicU64,
    client: reqwest::Client,
}

impl ManagementProxy {
    async fn start() -> ManagementProxy {
        let state = Arc::new(ProxyState {
            up: AtomicBool::new(true),
            forwarded: AtomicU64::new(0),
            client: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
        });
        let router = axum::Router::new()
            .route("/rabbitmq/{*rest}", axum::routing::get(forward))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        ManagementProxy { base, state }
    }

    fn set_up(&self, up: bool) {
        self.state.up.store(up, Ordering::SeqCst);
    }

    fn forwarded(&self) -> u64 {
        self.state.forwarded.load(Ordering::SeqCst)
    }
}

async fn forward(
    State(state): State<Arc<ProxyState>>,
    request: axum::extract::Request,
) -> (StatusCode, Vec<u8>) {
    if !state.up.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, b"down".to_vec());
    }
    let uri = request.uri();
    let rest = uri.path().strip_prefix("/rabbitmq").unwrap_or_default();
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let mut upstream = state
        .client
        .get(format!("http://127.0.0.1:15672{rest}{query}"));
    if let Some(auth) = request.headers().get(header::AUTHORIZATION) {
        upstream = upstream.header(header::AUTHORIZATION, auth.as_bytes());
    }
    let Ok(answer) = upstream.send().await else {
        return (StatusCode::BAD_GATEWAY, b"upstream".to_vec());
    };
    state.forwarded.fetch_add(1, Ordering::SeqCst);
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let body = answer.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    (status, body)
}
