//! The sink role on a real embedded store (redb in a temporary directory)
//! writing a real JSONL file: every article once, acked only after the
//! write, a write that failed retried until it lands, an unreadable message
//! dead-lettered with its reason.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod common;

use async_trait::async_trait;
use common::article;
use newshound_core::message::Article;
use newshound_core::stats::DeadReason;
use newshound_core::{
    ArticleSink, BackendError, CrawlStats, JobQueue, Message, Queue, Shutdown, codec,
};
use newshound_embedded::EmbeddedStore;
use newshound_sink::JsonlSink;

async fn publish(queue: &dyn JobQueue, payloads: Vec<Vec<u8>>) {
    let messages = payloads.into_iter().map(Message::new).collect();
    queue
        .publish(Queue::Articles, messages)
        .await
        .expect("publish articles");
}

fn encoded(a: &Article) -> Vec<u8> {
    codec::encode_article(a).expect("encode article")
}

/// Waits until the articles queue has nothing waiting or in flight.
async fn drained(queue: &dyn JobQueue) -> newshound_core::backend::QueueDepth {
    let started = Instant::now();
    loop {
        let depth = queue.depth(Queue::Articles).await.expect("depth");
        if depth.is_idle() {
            return depth;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "articles not settled: {depth:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// URLs of the records in the file, in file order.
fn urls_in(file: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .expect("read the JSONL file")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON record");
            v["url"].as_str().expect("a url").to_string()
        })
        .collect()
}

/// The JSONL sink, whose first write fails as a full disk would.
struct FirstWriteFails {
    inner: JsonlSink,
    failed: AtomicBool,
}

#[async_trait]
impl ArticleSink for FirstWriteFails {
    async fn write(&self, articles: Vec<Article>) -> Result<usize, BackendError> {
        if !self.failed.swap(true, Ordering::SeqCst) {
            return Err(BackendError::failed(
                "writing articles",
                "no space left on device",
            ));
        }
        self.inner.write(articles).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_article_lands_once_a_failed_write_is_retried_and_junk_is_dead_lettered() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(EmbeddedStore::open(&dir.path().join("state")).expect("open store"));
    let queue: Arc<dyn JobQueue> = store;
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("out dir");
    let file = JsonlSink::open(&out).expect("open the JSONL sink");
    let path = file.path().to_path_buf();
    let sink = Arc::new(FirstWriteFails {
        inner: file,
        failed: AtomicBool::new(false),
    });
    let stats = Arc::new(CrawlStats::default());
    let shutdown = Shutdown::new();
    let role = tokio::spawn(newshound_sink::role::run(
        queue.clone(),
        sink,
        stats.clone(),
        shutdown.clone(),
    ));

    let one = article("http://127.0.0.1:8311/news/1", "one");
    let two = article("http://127.0.0.1:8311/news/2", "two");
    // The same record twice (a parser's redelivered page), and a message
    // that is no article.
    publish(
        queue.as_ref(),
        vec![
            encoded(&one),
            encoded(&two),
            encoded(&one),
            b"not an article".to_vec(),
        ],
    )
    .await;
    let depth = drained(queue.as_ref()).await;

    let mut urls = urls_in(&path);
    urls.sort();
    assert_eq!(urls, [one.url.clone(), two.url.clone()]);
    assert_eq!(depth.dead, 1, "the junk message is parked");
    assert_eq!(stats.dead_letters.get(Queue::Articles), 1);
    assert_eq!(stats.dead_letter_reasons.get(DeadReason::Codec), 1);
    assert_eq!(
        stats.retries.get(Queue::Articles),
        1,
        "the failed write was retried"
    );

    shutdown.trigger();
    role.await.expect("role task").expect("role ran");
}
