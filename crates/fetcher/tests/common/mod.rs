//! What the fetcher tests share: a loopback site and the fetcher's config.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use newshound_core::canon::{CanonRules, Scope};
use newshound_core::config::{FetchSettings, Politeness};
use newshound_core::control::Controls;
use newshound_core::message::{FetchJob, LinkKind};
use newshound_core::{CrawlStats, JobQueue, Message, PageHandoff, Queue, Shutdown, codec};
use newshound_fetcher::{FetcherBackends, FetcherConfig, FetcherError, FetcherReport};
use tokio::task::JoinHandle;
use url::Url;

/// Serves `/robots.txt` (503 for the first `failures` requests) and
/// `/news/1`, counting requests.
pub async fn serve(failures: usize) -> (Url, Arc<AtomicUsize>, Arc<AtomicUsize>) {
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

/// A fetcher config for the loopback site: robots.txt obeyed, quick retries.
pub fn config() -> FetcherConfig {
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

/// Queues a fetch job for `url`.
pub async fn job(queue: &dyn JobQueue, url: Url) {
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

/// A running fetcher.
pub struct Running {
    shutdown: Shutdown,
    task: JoinHandle<Result<FetcherReport, FetcherError>>,
    /// Kept open for the fetcher's live settings.
    _config: tokio::sync::watch::Sender<Arc<FetcherConfig>>,
}

/// Starts a fetcher with [`config`] on `queue`, handing its pages to
/// `pages`, stopped by `shutdown`.
pub fn start(queue: Arc<dyn JobQueue>, pages: Arc<dyn PageHandoff>, shutdown: Shutdown) -> Running {
    let backends = FetcherBackends {
        queue,
        pages,
        stats: Arc::new(CrawlStats::default()),
        controls: Controls::default(),
    };
    let (config, live) = tokio::sync::watch::channel(Arc::new(config()));
    let task = tokio::spawn(newshound_fetcher::run(live, backends, shutdown.clone()));
    Running {
        shutdown,
        task,
        _config: config,
    }
}

impl Running {
    /// Stops the fetcher and waits (at most 10 s) for it to end well.
    pub async fn stop(self) {
        self.shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("fetcher stops")
            .expect("fetcher task")
            .expect("fetcher run");
    }
}
