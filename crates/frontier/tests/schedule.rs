//! The frontier on a real embedded store (redb in a temporary directory):
//! what a link batch schedules (canonical, in scope, once, within the host's
//! budget), a batch handled again after its fetch jobs could not be
//! published, and the revisit hand-off (a visit report sets the entry, a due
//! entry comes back as a conditional fetch job).
//!
//! The URLs are loopback addresses and are never fetched.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use newshound_core::backend::{Consumer, QueueDepth, now_ms};
use newshound_core::canon::{CanonRules, Scope, fingerprint, host_key};
use newshound_core::message::{
    DiscoveredLink, FetchJob, LinkBatch, LinkKind, PageClass, PageVersion, Visit,
};
use newshound_core::recrawl::RecrawlPolicy;
use newshound_core::{
    BackendError, CrawlStats, JobQueue, Message, Queue, RevisitSchedule, Shutdown, codec,
};
use newshound_embedded::EmbeddedStore;
use newshound_frontier::{FrontierBackends, FrontierConfig};
use url::Url;

const SITE: &str = "http://127.0.0.1:8311";

fn config(revisits: bool, max_pages_per_host: u64) -> FrontierConfig {
    FrontierConfig {
        scope: Scope::new(&["127.0.0.1:8311".to_string()], 5, 200, 3).expect("a valid scope"),
        canon: CanonRules::default(),
        concurrency: 2,
        recrawl: RecrawlPolicy {
            enabled: revisits,
            ..RecrawlPolicy::default()
        },
        max_pages_per_host,
    }
}

fn link(url: &str, kind: LinkKind, related: bool) -> DiscoveredLink {
    DiscoveredLink {
        url: url.to_string(),
        kind,
        related,
    }
}

/// A depth-1 batch of article links to `paths` on the site.
fn stories(paths: &[&str]) -> LinkBatch {
    LinkBatch {
        depth: 1,
        links: paths
            .iter()
            .map(|p| link(&format!("{SITE}{p}"), LinkKind::Article, false))
            .collect(),
        visit: None,
    }
}

fn url(path: &str) -> Url {
    Url::parse(&format!("{SITE}{path}")).expect("test URL")
}

async fn publish(queue: &dyn JobQueue, batch: &LinkBatch) {
    let payload = codec::encode(batch).expect("encode batch");
    queue
        .publish(Queue::Links, vec![Message::new(payload)])
        .await
        .expect("publish batch");
}

/// A frontier running on `store` (its queue possibly wrapped), stopped on drop.
struct Frontier {
    store: Arc<EmbeddedStore>,
    stats: Arc<CrawlStats>,
    shutdown: Shutdown,
    _dir: tempfile::TempDir,
}

impl Frontier {
    fn start(
        config: FrontierConfig,
        wrap: impl FnOnce(Arc<dyn JobQueue>) -> Arc<dyn JobQueue>,
    ) -> Frontier {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(EmbeddedStore::open(dir.path()).expect("open store"));
        let stats = Arc::new(CrawlStats::default());
        let backends = FrontierBackends {
            queue: wrap(store.clone() as Arc<dyn JobQueue>),
            seen: store.clone(),
            revisits: store.clone(),
            budget: store.clone(),
            stats: stats.clone(),
        };
        let shutdown = Shutdown::new();
        let (_keep, live) = tokio::sync::watch::channel(Arc::new(config));
        tokio::spawn(newshound_frontier::run(live, backends, shutdown.clone()));
        Frontier {
            store,
            stats,
            shutdown,
            _dir: dir,
        }
    }

    /// Waits until every link batch is handled (acked) and no retry waits.
    async fn settled(&self) {
        let started = Instant::now();
        loop {
            let links = self.store.depth(Queue::Links).await.expect("depth");
            if links.is_idle() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "link batches not handled: {links:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The fetch jobs scheduled so far, taken off the fetch queue.
    async fn jobs(&self) -> Vec<FetchJob> {
        let mut consumer = self
            .store
            .consume(Queue::Fetch, 100)
            .await
            .expect("consume");
        let mut jobs = Vec::new();
        loop {
            let depth = self.store.depth(Queue::Fetch).await.expect("depth");
            if depth.waiting + depth.in_flight == 0 {
                break;
            }
            let delivery = tokio::time::timeout(Duration::from_secs(10), consumer.next())
                .await
                .expect("a waiting job is delivered")
                .expect("consumer open")
                .expect("delivery");
            jobs.push(codec::decode(&delivery.payload).expect("decode job"));
            delivery.ack().await.expect("ack");
        }
        jobs.sort_by(|a: &FetchJob, b| a.url.cmp(&b.url));
        jobs
    }

    /// The URLs of [`Frontier::jobs`].
    async fn job_urls(&self) -> Vec<String> {
        self.jobs()
            .await
            .iter()
            .map(|j| j.url.to_string())
            .collect()
    }
}

impl Drop for Frontier {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_schedules_its_canonical_in_scope_urls_once() {
    let frontier = Frontier::start(config(false, 100), |q| q);
    let batch = LinkBatch {
        depth: 1,
        links: vec![
            link(
                &format!("{SITE}/news/a?utm_source=x#top"),
                LinkKind::Article,
                false,
            ),
            link("HTTP://127.0.0.1:8311/news/a", LinkKind::Article, false),
            link(&format!("{SITE}/news/b"), LinkKind::Article, true),
            link(&format!("{SITE}/section/world"), LinkKind::Hub, false),
            link("http://127.0.0.2:8311/news/c", LinkKind::Article, false),
            link("ftp://127.0.0.1:8311/file", LinkKind::Unknown, false),
            link("not a url", LinkKind::Unknown, false),
            link(
                &format!("{SITE}/news/d?a=1&b=2&c=3&d=4"),
                LinkKind::Article,
                false,
            ),
        ],
        visit: None,
    };
    publish(frontier.store.as_ref(), &batch).await;
    frontier.settled().await;
    let jobs = frontier.jobs().await;
    let got: Vec<(String, u16, LinkKind, bool, u8)> = jobs
        .iter()
        .map(|j| (j.url.to_string(), j.depth, j.kind, j.related, j.priority()))
        .collect();
    assert_eq!(
        got,
        [
            (format!("{SITE}/news/a"), 1, LinkKind::Article, false, 8),
            (format!("{SITE}/news/b"), 1, LinkKind::Article, true, 9),
            (format!("{SITE}/section/world"), 1, LinkKind::Hub, false, 5),
        ]
    );
    assert!(jobs.iter().all(|j| j.revisit.is_none()));
    assert_eq!(host_key(&jobs[0].url), "127.0.0.1:8311");

    // The same links again, in a new batch: all seen, nothing scheduled.
    publish(frontier.store.as_ref(), &batch).await;
    frontier.settled().await;
    assert_eq!(frontier.jobs().await, []);
    assert_eq!(CrawlStats::get(&frontier.stats.urls_scheduled), 3);
    assert_eq!(CrawlStats::get(&frontier.stats.dedup_misses), 3);
    assert_eq!(CrawlStats::get(&frontier.stats.dedup_hits), 3);

    // An operator's injected URL is scheduled though seen, ahead of everything.
    newshound_frontier::inject(frontier.store.as_ref(), &[url("/news/a")])
        .await
        .expect("inject");
    frontier.settled().await;
    let again = frontier.jobs().await;
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].kind, again[0].priority()),
        (LinkKind::Injected, 10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_urls_past_their_hosts_budget_are_dropped_in_batch_order() {
    let frontier = Frontier::start(config(false, 2), |q| q);
    publish(
        frontier.store.as_ref(),
        &stories(&["/news/1", "/news/2", "/news/3"]),
    )
    .await;
    frontier.settled().await;
    assert_eq!(
        frontier.job_urls().await,
        [format!("{SITE}/news/1"), format!("{SITE}/news/2")]
    );
    assert_eq!(CrawlStats::get(&frontier.stats.over_host_budget), 1);
}

/// The store's job queue, whose first publish to the fetch queue fails as a
/// broker that went away would.
struct FirstFetchPublishFails {
    inner: Arc<dyn JobQueue>,
    failed: AtomicBool,
}

#[async_trait]
impl JobQueue for FirstFetchPublishFails {
    async fn publish(&self, queue: Queue, messages: Vec<Message>) -> Result<(), BackendError> {
        if queue == Queue::Fetch && !self.failed.swap(true, Ordering::SeqCst) {
            return Err(BackendError::unavailable(
                "publishing to queue fetch",
                "connection lost",
            ));
        }
        self.inner.publish(queue, messages).await
    }

    async fn consume(
        &self,
        queue: Queue,
        prefetch: u16,
    ) -> Result<Box<dyn Consumer>, BackendError> {
        self.inner.consume(queue, prefetch).await
    }

    async fn depth(&self, queue: Queue) -> Result<QueueDepth, BackendError> {
        self.inner.depth(queue).await
    }
}

/// The seen-set took the URLs before the publish failed: the batch, handled
/// again, publishes them although they are seen now, so none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_jobs_were_not_published_is_retried_and_loses_no_url() {
    let frontier = Frontier::start(config(false, 100), |inner| {
        Arc::new(FirstFetchPublishFails {
            inner,
            failed: AtomicBool::new(false),
        })
    });
    publish(frontier.store.as_ref(), &stories(&["/news/1", "/news/2"])).await;
    frontier.settled().await;
    assert_eq!(
        frontier.job_urls().await,
        [format!("{SITE}/news/1"), format!("{SITE}/news/2")]
    );
    assert_eq!(frontier.stats.retries.get(Queue::Links), 1);
    assert_eq!(CrawlStats::get(&frontier.stats.urls_scheduled), 2);
}

/// A batch's visit report puts the page on the revisit schedule; once due,
/// the frontier claims it and schedules a conditional fetch with the version
/// held, leased so that it is not claimed again at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_sets_the_revisit_and_a_due_revisit_is_fetched_conditionally() {
    let frontier = Frontier::start(config(true, 100), |q| q);
    let home = url("/");
    let version = PageVersion {
        etag: Some("\"v1\"".into()),
        last_modified: None,
        content_hash: Some("abc".into()),
        revision: 0,
    };
    let before = now_ms();
    publish(
        frontier.store.as_ref(),
        &LinkBatch {
            depth: 1,
            links: Vec::new(),
            visit: Some(Visit {
                url: home.clone(),
                depth: 0,
                kind: LinkKind::Seed,
                class: PageClass::Hub,
                changed: true,
                version: version.clone(),
            }),
        },
    )
    .await;
    frontier.settled().await;
    let key = fingerprint(&home);
    let entry = frontier
        .store
        .get(key)
        .await
        .expect("schedule readable")
        .expect("the visited hub is on the schedule");
    let interval = RecrawlPolicy::default().hub_interval.as_millis() as u64;
    assert!(
        entry.due_ms >= before + interval && entry.due_ms <= now_ms() + interval,
        "due {} not one hub interval after the visit",
        entry.due_ms
    );
    assert_eq!(entry.version, version);

    // Make it due now: the claim loop (every second) schedules it.
    frontier
        .store
        .put(vec![(
            key,
            newshound_core::Revisit {
                due_ms: now_ms(),
                ..entry
            },
        )])
        .await
        .expect("put");
    let started = Instant::now();
    while CrawlStats::get(&frontier.stats.revisits_scheduled) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "due revisit not scheduled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let jobs = frontier.jobs().await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].url, home);
    assert_eq!(jobs[0].kind, LinkKind::Seed);
    assert_eq!(jobs[0].revisit.as_ref(), Some(&version));
    let leased = frontier
        .store
        .get(key)
        .await
        .expect("get")
        .expect("entry kept");
    assert!(
        leased.due_ms >= now_ms() + RecrawlPolicy::default().lease.as_millis() as u64 - 60_000,
        "a claimed revisit is leased"
    );
    assert_eq!(CrawlStats::get(&frontier.stats.revisits_scheduled), 1);
}
