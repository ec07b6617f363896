//! The fetcher role against a real HTTP server on loopback and the real
//! embedded queue: a host whose robots.txt fails is held and its job retried
//! (not dead-lettered, whatever `max_attempts` says), and the robots.txt
//! `Sitemap:` lines reach the frontier's queue once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use newshound_core::canon::{CanonRules, Scope};
use newshound_core::config::{FetchSettings, Politeness};
use newshound_core::control::Controls;
use newshound_core::message::{FetchJob, LinkBatch, LinkKind};
use newshound_core::{CrawlStats, JobQueue, Message, Queue, Shutdown, codec};
use newshound_embedded::EmbeddedStore;
use newshound_fetcher::{FetcherBackends, FetcherConfig};
use url::Url;

/// Serves `/robots.txt` (503 for the first `failures` requests) and
/// `/news/1`, counting requests.
async fn serve(failures: usize) -> (Url, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let robots_hits = Arc::new(AtomicUsize::new(0));
    let page_hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("local addr"));
    let (r, p, b) = (robots_hits.clone(), page_hits.clone(), base.clone());
    let app = Router::new()
        .route(
            "/robots.txt",
            axum::routing::get(move || {
                let (r, b) = (r.clone(), b.clone());
                async move {
                    if r.fetch_add(1, Ordering::SeqCst) < failures {
                        return (StatusCode::SERVICE_UNAVAILABLE, String::new());
                    }
                    (
                        StatusCode::OK,
                        format!(
                            "User-agent: *\nDisallow: /private/\n\nSitemap: {b}/sitemap.xml\nSitemap: {b}/news-sitemap.xml\n"
                        ),
                    )
                }
            }),
        )
        .route(
            "/news/1",
            axum::routing::get(move || {
                p.fetch_add(1, Ordering::SeqCst);
                async { "<html><body><h1>One</h1></body></html>" }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (Url::parse(&base).expect("base URL"), robots_hits, page_hits)
}

fn config() -> FetcherConfig {
    FetcherConfig {
        politeness: Politeness {
            user_agent: "newshound/0.1".into(),
            requests_per_second: 50.0,
            burst: 1,
            max_concurrent_per_host: 2,
            obey_robots: true,
        },
        fetch: FetchSettings {
            concurrency: 4,
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            max_body_bytes: 1 << 20,
            max_redirects: 5,
            // Two robots.txt failures would use these up if a hold counted.
            max_attempts: 2,
            retry_base_delay: Duration::from_millis(100),
            allow_private_networks: vec!["127.0.0.1/32".parse().expect("net")],
            max_crawl_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            give_up_after: Duration::from_secs(60),
        },
        max_pages: None,
        scope: Scope::new(&["127.0.0.1".to_string()], 10, 2000, 20).expect("scope"),
        canon: CanonRules::default(),
        capture: false,
        give_up_failing_hosts: false,
    }
}

async fn job(queue: &dyn JobQueue, url: Url) {
    let job = FetchJob {
        url,
        depth: 0,
        kind: LinkKind::Seed,
        related: false,
        revisit: None,
    };
    let payload = codec::encode(&job).expect("encode job");
    queue
        .publish(Queue::Fetch, vec![Message::new(payload)])
        .await
        .expect("publish job");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_robots_txt_holds_the_host_then_the_job_is_fetched_and_sitemaps_announced() {
    let (base, robots_hits, page_hits) = serve(2).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(EmbeddedStore::open(dir.path()).expect("open store"));
    let queue: Arc<dyn JobQueue> = store;
    job(queue.as_ref(), base.join("/news/1").expect("url")).await;

    let shutdown = Shutdown::new();
    let backends = FetcherBackends {
        queue: queue.clone(),
        stats: Arc::new(CrawlStats::default()),
        controls: Controls::default(),
    };
    let (_config, live) = tokio::sync::watch::channel(Arc::new(config()));
    let fetcher = tokio::spawn(newshound_fetcher::run(live, backends, shutdown.clone()));

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

    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(10), fetcher)
        .await
        .expect("fetcher stops")
        .expect("fetcher task")
        .expect("fetcher run");
}
