//! The fetch worker: takes fetch jobs, fetches politely (robots.txt, per-host
//! rate and concurrency limits), and hands fetched pages to the parsers.
//!
//! Layout:
//! - [`run`]: the role's entry point;
//! - `addr`: which addresses may be connected to (private networks refused);
//! - `health`: hosts that keep failing, given up in a `--once` run;
//! - `hosts`: per-host politeness gates (governor rate limiter + concurrency);
//! - `robots`: the robots.txt cache;
//! - `http`: the HTTP client and one bounded fetch;
//! - `handle`: what happens to one fetch job, and how it is settled.
#![deny(missing_docs)]

mod addr;
mod handle;
mod health;
mod hosts;
mod http;
mod robots;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::watch;

use newshound_core::canon::{CanonRules, Scope};
use newshound_core::config::{FetchSettings, Politeness};
use newshound_core::control::Controls;
use newshound_core::{BackendError, CrawlStats, JobQueue, PageHandoff, Queue, Shutdown};

/// What the fetcher needs to know.
#[derive(Clone, Debug)]
pub struct FetcherConfig {
    /// Politeness towards hosts.
    pub politeness: Politeness,
    /// HTTP limits.
    pub fetch: FetchSettings,
    /// Stop after this many fetches (`None`: no limit).
    pub max_pages: Option<u64>,
    /// The crawl's scope: a redirect is followed only within it.
    pub scope: Scope,
    /// URL canonicalization, applied to redirect targets.
    pub canon: CanonRules,
    /// Give up hosts that keep failing for `fetch.give_up_after` (a
    /// `--once` run) instead of retrying them for ever.
    pub give_up_failing_hosts: bool,
    /// Keep each exchange as sent and received ([`FetchedPage::exchanges`](newshound_core::message::FetchedPage::exchanges)),
    /// for the WARC output (read at start only).
    pub capture: bool,
}

/// The fetcher's backends.
#[derive(Clone)]
pub struct FetcherBackends {
    /// Where fetch jobs come from (and robots.txt sitemaps go).
    pub queue: Arc<dyn JobQueue>,
    /// Where fetched pages go, with their jobs' deliveries.
    pub pages: Arc<dyn PageHandoff>,
    /// Live counters.
    pub stats: Arc<CrawlStats>,
    /// Operators' pauses and per-host rates.
    pub controls: Controls,
}

/// The fetcher could not start.
#[derive(Debug, thiserror::Error)]
pub enum FetcherError {
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
    /// The queue could not be consumed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// How a fetcher run ended.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FetcherReport {
    /// Requests made (including robots.txt).
    pub requests: u64,
    /// Whether it stopped because `max_pages` was reached.
    pub budget_exhausted: bool,
}

/// Runs a fetch worker until `shutdown` fires (or the page budget is spent).
/// A new `config` sent on the channel (a reloaded config file) applies to
/// the next jobs: the per-host rates, fetch limits and scope. What is built
/// once at start stays as it was: the robots.txt cache (user agent,
/// `obey_robots`), the HTTP client (user agent, timeouts, allowed private
/// networks) and the concurrency.
///
/// # Errors
/// Fails only at start: the HTTP client cannot be built or the fetch queue
/// cannot be consumed. Per-page failures are retried or dead-lettered.
pub async fn run(
    config: watch::Receiver<Arc<FetcherConfig>>,
    backends: FetcherBackends,
    shutdown: Shutdown,
) -> Result<FetcherReport, FetcherError> {
    let start = config.borrow().clone();
    let policy = Arc::new(addr::AddressPolicy::new(
        &start.fetch.allow_private_networks,
    ));
    let client = http::client(
        &start.politeness,
        &start.fetch,
        policy.clone(),
        start.capture,
    )
    .map_err(|e| FetcherError::Client(e.to_string()))?;
    let stop = shutdown.child();
    let intake = stop.child();
    let give_up = start
        .give_up_failing_hosts
        .then_some(start.fetch.give_up_after);
    let worker = Arc::new(handle::Worker {
        client,
        policy,
        timeouts: http::Timeouts::of(&start.fetch),
        capture_agent: start.capture.then(|| start.politeness.user_agent.clone()),
        hosts: hosts::Hosts::new(),
        robots: robots::RobotsCache::new(&start.politeness, start.fetch.retry_base_delay * 10),
        health: health::HostHealth::new(give_up),
        budget: start.max_pages.map(AtomicU64::new),
        requests: AtomicU64::new(0),
        stop,
        intake: intake.clone(),
        config,
        backends: backends.clone(),
    });
    // A job whose page waits for a parser in memory is still held: it
    // counts against the prefetch, so a parser that falls behind slows the
    // fetches down (and a seeded job is not queued behind more of them).
    let consumer = backends
        .queue
        .consume(Queue::Fetch, start.fetch.concurrency)
        .await?;
    let concurrency = usize::from(start.fetch.concurrency);
    let w = worker.clone();
    newshound_core::worker::drive(consumer, concurrency, &intake, move |delivery| {
        let w = w.clone();
        async move { w.handle(delivery).await }
    })
    .await;
    Ok(FetcherReport {
        requests: worker.requests.load(Ordering::Relaxed),
        budget_exhausted: worker
            .budget
            .as_ref()
            .is_some_and(|b| b.load(Ordering::Relaxed) == 0),
    })
}
