//! The frontier: the crawl's source. It takes discovered links (and the
//! seeds), canonicalizes and scopes them, checks them against the seen-set,
//! and schedules the new ones as fetch jobs, as long as their host's page
//! budget lasts. It also keeps the revisit
//! schedule: each page's visit report sets when it is due again, and due
//! pages are claimed and fetched again (conditionally).
//!
//! Layout:
//! - [`run`]: the role's entry point;
//! - [`seed`]: injects a site's start URLs;
//! - `schedule`: what happens to one batch of links (and its visit report);
//! - `revisit`: claiming due revisits.
#![deny(missing_docs)]

mod revisit;
mod schedule;

use std::sync::Arc;
use tokio::sync::watch;

use newshound_core::canon::{CanonRules, Scope};
use newshound_core::message::{DiscoveredLink, LinkBatch, LinkKind};
use newshound_core::recrawl::RecrawlPolicy;
use newshound_core::{
    BackendError, CrawlStats, HostBudget, JobQueue, Message, Queue, RevisitSchedule, SeenSet,
    Shutdown, codec,
};
use url::Url;

/// What the frontier needs to know.
#[derive(Clone, Debug)]
pub struct FrontierConfig {
    /// Which URLs may be crawled.
    pub scope: Scope,
    /// How URLs are canonicalized.
    pub canon: CanonRules,
    /// Link batches handled at once.
    pub concurrency: usize,
    /// When pages are visited again.
    pub recrawl: RecrawlPolicy,
    /// New URLs scheduled per host over the whole crawl (the host budget's
    /// limit).
    pub max_pages_per_host: u64,
}

/// The frontier's backends.
#[derive(Clone)]
pub struct FrontierBackends {
    /// Links in, fetch jobs out.
    pub queue: Arc<dyn JobQueue>,
    /// URLs already scheduled.
    pub seen: Arc<dyn SeenSet>,
    /// When known pages are due again.
    pub revisits: Arc<dyn RevisitSchedule>,
    /// New pages scheduled per host so far.
    pub budget: Arc<dyn HostBudget>,
    /// Live counters.
    pub stats: Arc<CrawlStats>,
}

/// Runs the frontier until `shutdown` fires. A new `config` sent on the
/// channel (a reloaded config file) applies from the next link batch on:
/// scope, canonicalization, revisit policy and host budget (concurrency and
/// whether revisits run stay as they were at start).
///
/// # Errors
/// Fails only when the links queue cannot be consumed at start.
pub async fn run(
    live: watch::Receiver<Arc<FrontierConfig>>,
    backends: FrontierBackends,
    shutdown: Shutdown,
) -> Result<(), BackendError> {
    let config = live.borrow().clone();
    let consumer = backends
        .queue
        .consume(Queue::Links, config.concurrency as u16)
        .await?;
    let revisits = config.recrawl.enabled.then(|| {
        tokio::spawn(revisit::claim_loop(
            config.recrawl.lease,
            backends.clone(),
            shutdown.child(),
        ))
    });
    let concurrency = config.concurrency;
    let scheduler = Arc::new(schedule::Scheduler {
        config: live,
        backends,
    });
    newshound_core::worker::drive(consumer, concurrency, &shutdown, move |delivery| {
        let scheduler = scheduler.clone();
        async move { scheduler.handle(delivery).await }
    })
    .await;
    if let Some(task) = revisits
        && let Err(e) = task.await
    {
        tracing::warn!(error = %e, "Revisit task failed");
    }
    Ok(())
}

/// Publishes URLs an operator injected (`newshound ctl seed`) for the
/// frontier, which schedules them at top priority even when seen before.
///
/// # Errors
/// Fails when the links queue does not accept the batch.
pub async fn inject(queue: &dyn JobQueue, urls: &[Url]) -> Result<(), BackendError> {
    publish_start_urls(queue, urls, LinkKind::Injected).await
}

/// Publishes the start URLs as a depth-0 link batch for the frontier.
///
/// Safe to call at every start: URLs already seen are not scheduled again.
///
/// # Errors
/// Fails when the links queue does not accept the batch.
pub async fn seed(queue: &dyn JobQueue, seeds: &[Url]) -> Result<(), BackendError> {
    publish_start_urls(queue, seeds, LinkKind::Seed).await
}

/// One depth-0 batch of `urls`, all of `kind`.
async fn publish_start_urls(
    queue: &dyn JobQueue,
    seeds: &[Url],
    kind: LinkKind,
) -> Result<(), BackendError> {
    let batch = LinkBatch {
        depth: 0,
        links: seeds
            .iter()
            .map(|url| DiscoveredLink {
                url: url.to_string(),
                kind,
                related: false,
            })
            .collect(),
        visit: None,
    };
    let payload = codec::encode(&batch).map_err(|e| BackendError::Failed(e.to_string()))?;
    queue
        .publish(
            Queue::Links,
            vec![Message {
                payload,
                priority: 9,
                partition_key: None,
            }],
        )
        .await
}
