//! The fetcher role against a real HTTP server on loopback and the real
//! embedded queue: a host whose robots.txt fails is held and its job retried
//! (not dead-lettered, whatever `max_attempts` says), and the robots.txt
//! `Sitemap:` lines reach the frontier's queue once.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{job, serve, start};
use newshound_core::message::{LinkBatch, LinkKind};
use newshound_core::{JobQueue, Queue, QueuePages, Shutdown, codec};
use newshound_embedded::EmbeddedStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_robots_txt_holds_the_host_then_the_job_is_fetched_and_sitemaps_announced() {
    let (base, robots_hits, page_hits) = serve(2).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(EmbeddedStore::open(dir.path()).expect("open store"));
    let queue: Arc<dyn JobQueue> = store;
    job(queue.as_ref(), base.join("/news/1").expect("url")).await;

    let shutdown = Shutdown::new();
    let fetcher = start(
        queue.clone(),
        Arc::new(QueuePages::new(queue.clone(), 1 << 20)),
        shutdown.clone(),
    );

    let started = Instant::now();
    loop {
        let pages = queue.depth(Queue::Pages).await.expect("depth");
        if pages.waiting >= 1 {
            break;
        }
        let fetch = queue.depth(Queue::Fetch).await.expect("depth");
        assert_eq!(fetch.dead, 0, "the held job was dead-lettered");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "page not fetched; robots.txt asked {} times",
            robots_hits.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Held while robots.txt failed: asked three times (503, 503, 200), the
    // page fetched once, after it answered.
    assert_eq!(robots_hits.load(Ordering::SeqCst), 3);
    assert_eq!(page_hits.load(Ordering::SeqCst), 1);
    assert_eq!(queue.depth(Queue::Fetch).await.expect("depth").dead, 0);

    // The sitemaps went to the frontier's queue, once, as feed links.
    let mut links = queue.consume(Queue::Links, 8).await.expect("consume links");
    let delivery = tokio::time::timeout(Duration::from_secs(5), links.next())
        .await
        .expect("a link batch")
        .expect("consumer open")
        .expect("delivery");
    let batch: LinkBatch = codec::decode(&delivery.payload).expect("decode batch");
    delivery.ack().await.expect("ack");
    let urls: Vec<(&str, LinkKind)> = batch
        .links
        .iter()
        .map(|l| (l.url.as_str(), l.kind))
        .collect();
    let sitemap = base.join("/sitemap.xml").expect("url");
    let news = base.join("/news-sitemap.xml").expect("url");
    assert_eq!(
        urls,
        [
            (sitemap.as_str(), LinkKind::Feed),
            (news.as_str(), LinkKind::Feed)
        ]
    );
    assert_eq!(batch.depth, 1);
    assert_eq!(queue.depth(Queue::Links).await.expect("depth").waiting, 0);

    fetcher.stop().await;
}
