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

/// Why the frontier would drop a start URL (a seed, or one an operator
/// injects).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// It does not parse as a URL.
    #[error("not a URL: {0}")]
    NotAUrl(String),
    /// It is not an http(s) URL with a host.
    #[error("not an http(s) URL")]
    NotHttp,
    /// It breaks a scope rule (`[site] allowed_hosts`, the URL limits, the
    /// trap limits).
    #[error("out of the crawl's scope: {0}")]
    OutOfScope(newshound_core::canon::OutOfScope),
}

/// The canonical form of a start URL the frontier would schedule, by the
/// rules it applies to every link; or why it would drop it.
///
/// # Errors
/// The rule `raw` breaks.
pub fn screen(config: &FrontierConfig, raw: &str) -> Result<Url, Refused> {
    let url = Url::parse(raw).map_err(|e| Refused::NotAUrl(e.to_string()))?;
    let url = config.canon.canonicalize(&url).ok_or(Refused::NotHttp)?;
    config.scope.check(&url, 0).map_err(Refused::OutOfScope)?;
    Ok(url)
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
    let payload =
        codec::encode(&batch).map_err(|e| BackendError::failed("encoding the start URLs", e))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use newshound_core::canon::OutOfScope;

    fn config() -> FrontierConfig {
        FrontierConfig {
            scope: Scope::new(&["news.example".to_string()], 5, 200, 3).expect("a valid scope"),
            canon: CanonRules::default(),
            concurrency: 1,
            recrawl: RecrawlPolicy::default(),
            max_pages_per_host: 100,
        }
    }

    #[test]
    fn screen_keeps_in_scope_urls_canonical_and_says_why_others_go() {
        let config = config();
        assert_eq!(
            screen(&config, "HTTP://News.Example/a?utm_source=x#top").map(|u| u.to_string()),
            Ok("http://news.example/a".to_string())
        );
        assert_eq!(
            screen(&config, "http://example.com/"),
            Err(Refused::OutOfScope(OutOfScope::Host))
        );
        assert_eq!(
            screen(&config, "http://news.example/?a=1&b=2&c=3&d=4"),
            Err(Refused::OutOfScope(OutOfScope::QueryParams))
        );
        assert_eq!(
            screen(&config, "ftp://news.example/x"),
            Err(Refused::NotHttp)
        );
        assert!(matches!(
            screen(&config, "news.example/a"),
            Err(Refused::NotAUrl(_))
        ));
        assert_eq!(
            screen(&config, "http://example.com/").map_err(|e| e.to_string()),
            Err("out of the crawl's scope: host not allowed".to_string())
        );
    }
}
