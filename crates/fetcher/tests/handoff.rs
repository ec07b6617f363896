//! The two ways a fetched page reaches the parser, with the fetcher against
//! a loopback server and the real embedded queue: in memory, the fetch job
//! stays in flight until the parser settles the page (a requeued page is
//! fetched again); through the pages queue, the job is acked once the page
//! is durable, and a corrupt page message reaches the parser as an error.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{job, serve, start};
use newshound_core::backend::QueueDepth;
use newshound_core::handoff::PageHandoff;
use newshound_core::{
    Consumer, JobQueue, MemoryPages, Message, PageDelivery, Queue, QueuePages, Shutdown,
};
use newshound_embedded::EmbeddedStore;

/// The next page handed over (within 10 s).
async fn next_page(incoming: &mut Box<dyn Consumer<PageDelivery>>) -> PageDelivery {
    tokio::time::timeout(Duration::from_secs(10), incoming.next())
        .await
        .expect("a page within 10 s")
        .expect("hand-off open")
        .expect("a page")
}

/// Waits until `queue`'s depth is `want` (within 10 s).
async fn wait_for_depth(queue: &dyn JobQueue, which: Queue, want: QueueDepth) {
    let mut depth = QueueDepth::default();
    for _ in 0..200 {
        depth = queue.depth(which).await.expect("depth");
        if depth == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} queue: {depth:?}, not {want:?}", which.name());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_the_fetch_job_is_settled_by_the_parser() {
    let (base, _robots, page_hits) = serve(0).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let queue: Arc<dyn JobQueue> = Arc::new(EmbeddedStore::open(dir.path()).expect("open"));
    job(queue.as_ref(), base.join("/news/1").expect("url")).await;
    let shutdown = Shutdown::new();
    let pages = Arc::new(MemoryPages::new(1, shutdown.clone()));
    let mut incoming = pages.pages(1).await.expect("pages");
    let fetcher = start(queue.clone(), pages.clone(), shutdown.clone());

    let first = next_page(&mut incoming).await;
    let page = first.page.expect("a page, not an error");
    assert_eq!(page.body, b"<html><body><h1>One</h1></body></html>");
    // Nothing went through the pages queue; the job is still out.
    let out = QueueDepth {
        in_flight: 1,
        ..QueueDepth::default()
    };
    assert_eq!(queue.depth(Queue::Fetch).await.expect("depth"), out);
    assert_eq!(
        queue.depth(Queue::Pages).await.expect("depth"),
        QueueDepth::default()
    );

    // A page the parser gives back is fetched again.
    first.delivery.requeue().await.expect("requeue");
    let again = next_page(&mut incoming).await;
    assert!(again.delivery.redelivered);
    assert_eq!(page_hits.load(Ordering::SeqCst), 2);
    assert_eq!(queue.depth(Queue::Fetch).await.expect("depth"), out);

    // Acked by the parser: the job is done.
    again.delivery.ack().await.expect("ack");
    wait_for_depth(queue.as_ref(), Queue::Fetch, QueueDepth::default()).await;
    assert_eq!(page_hits.load(Ordering::SeqCst), 2);
    fetcher.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_queue_the_job_is_acked_once_the_page_is_durable() {
    let (base, _robots, page_hits) = serve(0).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let queue: Arc<dyn JobQueue> = Arc::new(EmbeddedStore::open(dir.path()).expect("open"));
    job(queue.as_ref(), base.join("/news/1").expect("url")).await;
    let pages = Arc::new(QueuePages::new(queue.clone(), 1 << 20));
    let shutdown = Shutdown::new();
    let fetcher = start(queue.clone(), pages.clone(), shutdown.clone());

    // The page waits on the queue, compressed; its job is gone.
    let waiting = QueueDepth {
        waiting: 1,
        ..QueueDepth::default()
    };
    wait_for_depth(queue.as_ref(), Queue::Pages, waiting).await;
    wait_for_depth(queue.as_ref(), Queue::Fetch, QueueDepth::default()).await;
    assert_eq!(pages.depth().await.expect("depth"), waiting);
    // A message that is not a page reaches the parser as an error.
    queue
        .publish(Queue::Pages, vec![Message::new(b"not zstd".to_vec())])
        .await
        .expect("publish junk");

    let mut incoming = pages.pages(4).await.expect("pages");
    let mut read = Vec::new();
    for _ in 0..2 {
        let PageDelivery { page, delivery } = next_page(&mut incoming).await;
        read.push(page.map(|p| p.body).map_err(|e| e.to_string()));
        delivery.ack().await.expect("ack");
    }
    read.sort_by_key(Result::is_err);
    assert_eq!(
        read[0].as_deref().expect("the page"),
        b"<html><body><h1>One</h1></body></html>"
    );
    let junk = read[1].as_ref().expect_err("junk is an error");
    assert!(junk.contains("compressed message"), "{junk}");
    assert_eq!(page_hits.load(Ordering::SeqCst), 1);
    fetcher.stop().await;
}
