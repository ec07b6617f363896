//! The embedded queue and seen-set against a real redb file in a temp dir.

use newshound_core::{JobQueue, Message, Queue, SeenSet};
use newshound_embedded::EmbeddedStore;
use std::path::Path;
use std::time::Duration;

/// Opens the store, waiting for a previous handle's writer thread to let go.
async fn open(dir: &Path) -> EmbeddedStore {
    for _ in 0..100 {
        if let Ok(store) = EmbeddedStore::open(dir) {
            return store;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("store at {} did not reopen", dir.display());
}

fn msg(payload: &str, priority: u8) -> Message {
    Message {
        payload: payload.as_bytes().to_vec(),
        priority,
        partition_key: None,
    }
}

#[tokio::test]
async fn delivers_by_priority_and_acks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    store
        .publish(
            Queue::Fetch,
            vec![msg("low", 1), msg("high", 9), msg("mid", 5)],
        )
        .await
        .expect("publish");
    let mut consumer = store.consume(Queue::Fetch, 10).await.expect("consume");
    let mut got = Vec::new();
    for _ in 0..3 {
        let d = consumer.next().await.expect("open").expect("delivery");
        got.push(String::from_utf8(d.payload.clone()).expect("utf8"));
        d.ack().await.expect("ack");
    }
    assert_eq!(got, ["high", "mid", "low"]);
    assert!(store.depth(Queue::Fetch).await.expect("depth").is_idle());
}

#[tokio::test]
async fn unsettled_messages_come_back_after_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let store = open(dir.path()).await;
        store
            .publish(Queue::Pages, vec![msg("a", 0), msg("b", 0)])
            .await
            .expect("publish");
        let mut consumer = store.consume(Queue::Pages, 10).await.expect("consume");
        let a = consumer.next().await.expect("open").expect("delivery");
        let b = consumer.next().await.expect("open").expect("delivery");
        assert!(!a.redelivered);
        a.ack().await.expect("ack");
        // `b` is dropped unsettled, as when the process dies holding it.
        drop(b);
        let depth = store.depth(Queue::Pages).await.expect("depth");
        assert_eq!((depth.waiting, depth.in_flight), (0, 1));
    }
    let store = open(dir.path()).await;
    let depth = store.depth(Queue::Pages).await.expect("depth");
    assert_eq!((depth.waiting, depth.in_flight), (1, 0));
    let mut consumer = store.consume(Queue::Pages, 10).await.expect("consume");
    let b = consumer.next().await.expect("open").expect("delivery");
    assert_eq!(b.payload, b"b");
    assert!(b.redelivered);
    b.ack().await.expect("ack");
}

#[tokio::test]
async fn retries_after_delay_and_dead_letters() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    store
        .publish(Queue::Links, vec![msg("x", 0), msg("poison", 0)])
        .await
        .expect("publish");
    let mut consumer = store.consume(Queue::Links, 10).await.expect("consume");
    let x = consumer.next().await.expect("open").expect("delivery");
    let poison = consumer.next().await.expect("open").expect("delivery");
    poison
        .dead_letter("cannot decode")
        .await
        .expect("dead letter");
    x.retry_after(Duration::from_millis(300))
        .await
        .expect("retry");
    let depth = store.depth(Queue::Links).await.expect("depth");
    assert_eq!((depth.waiting, depth.in_flight, depth.dead), (1, 0, 1));
    let started = std::time::Instant::now();
    let again = consumer.next().await.expect("open").expect("delivery");
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!((again.payload.as_slice(), again.attempt), (&b"x"[..], 2));
    again.ack().await.expect("ack");
}

#[tokio::test]
async fn seen_set_is_exact_and_persistent() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let store = open(dir.path()).await;
        let fresh = store.insert_new(&[1, 2, 3, 2]).await.expect("insert");
        assert_eq!(fresh, [true, true, true, false]);
        assert_eq!(store.count().await.expect("count"), 3);
    }
    let store = open(dir.path()).await;
    assert_eq!(
        store.insert_new(&[3, 4]).await.expect("insert"),
        [false, true]
    );
    assert_eq!(store.count().await.expect("count"), 4);
}
