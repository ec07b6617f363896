//! What happens to one fetch job: robots check, politeness wait, fetch, and
//! the settlement of its delivery.
//!
//! | outcome                               | delivery                      |
//! |---------------------------------------|-------------------------------|
//! | 2xx, or 304 to a conditional revisit  | page published, then acked    |
//! | robots.txt disallows                  | acked (counted)               |
//! | 4xx other than 408/429                | acked (counted)               |
//! | transport error, 408, 429, 5xx        | retried with backoff          |
//! | robots.txt 5xx or unreachable         | held: retried, at least after the hold, up to [`MAX_HOLD_ATTEMPTS`] times |
//! | partition handed to another fetcher   | requeued, unfetched           |
//! | host paused by an operator            | deferred (same attempt)       |
//! | retries used up, body too large, loop | dead-lettered with the reason |
//!
//! The first job of a host loads its robots.txt; its `Sitemap:` URLs go to
//! the frontier as feed links, once per load.

use reqwest::{Client, StatusCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, watch};

use crate::hosts::{Hosts, Pace};
use crate::http::{self, FetchError, Oversize};
use crate::robots::{RobotsCache, RobotsVerdict};
use crate::{FetcherBackends, FetcherConfig};
use newshound_core::canon::host_key;
use newshound_core::message::{
    DiscoveredLink, FetchJob, FetchedPage, LinkBatch, LinkKind, compress,
};
use newshound_core::stats::FetchClass;
use newshound_core::{CrawlStats, Delivery, Message, Queue, Shutdown, codec};

/// Attempts of a job whose host is held by a failing robots.txt before it is
/// dead-lettered: with the backoff capped at an hour, more than a day.
pub(crate) const MAX_HOLD_ATTEMPTS: u32 = 40;

/// How long a job of a host an operator paused is put off before it is
/// looked at again.
const PAUSED_HOST_RECHECK: Duration = Duration::from_secs(5);

/// Shared state of one fetch worker.
pub(crate) struct Worker {
    pub client: Client,
    pub hosts: Hosts,
    pub robots: RobotsCache,
    pub budget: Option<AtomicU64>,
    pub requests: AtomicU64,
    pub stop: Shutdown,
    pub config: watch::Receiver<Arc<FetcherConfig>>,
    pub backends: FetcherBackends,
}

/// How a delivery ends.
enum Verdict {
    Done,
    Retry(Duration, String),
    /// robots.txt unavailable: retried later, without counting against
    /// `max_attempts`.
    Hold(Duration, String),
    Dead(String),
    Requeue,
    /// Put off without counting an attempt.
    Defer(Duration),
}

impl Worker {
    /// Handles one delivery and settles it.
    pub(crate) async fn handle(&self, delivery: Delivery) {
        let verdict = match codec::decode::<FetchJob>(&delivery.payload) {
            Ok(job) => self.fetch_job(&job, &delivery).await,
            Err(e) => Verdict::Dead(e.to_string()),
        };
        let stats = &self.backends.stats;
        let max_attempts = self.config.borrow().fetch.max_attempts;
        let settled = match verdict {
            Verdict::Done => delivery.ack().await,
            Verdict::Requeue => delivery.requeue().await,
            Verdict::Defer(delay) => delivery.defer(delay).await,
            Verdict::Retry(delay, reason) if delivery.attempt < max_attempts => {
                tracing::debug!(%reason, attempt = delivery.attempt, "Fetch will be retried");
                stats.retries.add(Queue::Fetch, 1);
                delivery.retry_after(delay).await
            }
            Verdict::Hold(delay, reason) if delivery.attempt < MAX_HOLD_ATTEMPTS => {
                tracing::debug!(%reason, attempt = delivery.attempt, "Host held by robots.txt");
                stats.retries.add(Queue::Fetch, 1);
                delivery.retry_after(delay).await
            }
            Verdict::Retry(_, reason) | Verdict::Hold(_, reason) | Verdict::Dead(reason) => {
                tracing::warn!(%reason, "Fetch job dead-lettered");
                stats.dead_letters.add(Queue::Fetch, 1);
                delivery.dead_letter(&reason).await
            }
        };
        if let Err(e) = settled {
            // Unsettled deliveries come back (at-least-once); nothing is lost.
            tracing::warn!(error = %e, "Could not settle fetch job");
        }
    }

    /// Takes one page from the budget; `false` when it is spent.
    fn take_budget(&self) -> bool {
        match &self.budget {
            None => true,
            Some(left) => left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok(),
        }
    }

    /// Returns a page taken from the budget but not fetched.
    fn give_back_budget(&self) {
        if let Some(left) = &self.budget {
            left.fetch_add(1, Ordering::SeqCst);
        }
    }

    async fn fetch_job(&self, job: &FetchJob, delivery: &Delivery) -> Verdict {
        let attempt = delivery.attempt;
        let stats = &self.backends.stats;
        let controls = &self.backends.controls;
        let config = self.config.borrow().clone();
        let host = host_key(&job.url);
        if controls.host_paused(&host) && !controls.paused() {
            return Verdict::Defer(PAUSED_HOST_RECHECK);
        }
        if controls.paused() {
            tokio::select! {
                _ = controls.wait_while_paused() => {}
                _ = self.stop.wait() => return Verdict::Requeue,
            }
        }
        let pace = Pace::new(&config.politeness, controls.rate(&host));
        let max_body = config.fetch.max_body_bytes;
        let host_ref = host.as_str();
        let rules = self
            .robots
            .verdict(&job.url, &host, |robots_url| async move {
                let _slot = self.enter_host(host_ref, pace, None, delivery).await;
                self.requests.fetch_add(1, Ordering::Relaxed);
                CrawlStats::add(&stats.robots_fetches, 1);
                let max = self.robots.max_bytes();
                http::get(&self.client, &robots_url, max, Oversize::Truncate, None).await
            })
            .await;
        let rules = match rules {
            RobotsVerdict::Rules {
                robots,
                new_sitemaps,
            } => {
                if let Err(reason) = self.announce_sitemaps(new_sitemaps).await {
                    // Loaded again (and announced) by the retried job.
                    self.robots.forget(&host).await;
                    return Verdict::Retry(self.backoff(1), reason);
                }
                robots
            }
            RobotsVerdict::Unavailable(reason) => {
                let delay = self.backoff(attempt).max(self.robots.hold());
                return Verdict::Hold(delay, reason);
            }
        };
        if !rules.is_url_allowed(&job.url) {
            CrawlStats::add(&stats.robots_denied, 1);
            tracing::debug!(url = %job.url, "Disallowed by robots.txt");
            return Verdict::Done;
        }
        if !self.take_budget() {
            self.stop.trigger();
            return Verdict::Requeue;
        }
        let Some(_slot) = self.enter(&host, pace, rules.crawl_delay(), delivery).await else {
            // Stopping while paused.
            self.give_back_budget();
            return Verdict::Requeue;
        };
        if controls.host_paused(&host) && !controls.paused() {
            self.give_back_budget();
            return Verdict::Defer(PAUSED_HOST_RECHECK);
        }
        if delivery.handed_over() {
            // Its fetch partition now belongs to another fetcher, which
            // paces the host: leave the request to it.
            self.give_back_budget();
            return Verdict::Requeue;
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let held = job.revisit.as_ref();
        let started = Instant::now();
        let fetched = http::get(&self.client, &job.url, max_body, Oversize::Fail, held).await;
        stats.fetch_latency.observe(started.elapsed());
        let response = match fetched {
            Ok(r) => r,
            Err(e @ FetchError::Transport(_)) => {
                stats.fetches.count(FetchClass::Failed);
                stats.hosts.record(&host, Some(e.to_string()));
                return Verdict::Retry(self.backoff(attempt), e.to_string());
            }
            Err(e) => {
                stats.fetches.count(FetchClass::Failed);
                let reason = format!("{}: {e}", job.url);
                stats.hosts.record(&host, Some(reason.clone()));
                return Verdict::Dead(reason);
            }
        };
        let status = response.status;
        stats.fetches.count(FetchClass::of_status(status.as_u16()));
        if status.is_success() || (status == StatusCode::NOT_MODIFIED && held.is_some()) {
            stats.hosts.record(&host, None);
            return self.publish(job, response).await;
        }
        let reason = format!("{} answered {status}", job.url);
        stats.hosts.record(&host, Some(reason.clone()));
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            let delay = response
                .retry_after
                .unwrap_or_default()
                .max(self.backoff(attempt));
            return Verdict::Retry(delay.min(Duration::from_secs(3600)), reason);
        }
        tracing::debug!(%reason, "Page not fetched");
        Verdict::Done
    }

    /// Waits for `host`'s politeness gate (see `Hosts::enter`), counting the
    /// time waited.
    async fn enter_host(
        &self,
        host: &str,
        pace: Pace,
        crawl_delay: Option<Duration>,
        delivery: &Delivery,
    ) -> Option<OwnedSemaphorePermit> {
        let started = Instant::now();
        let slot = self
            .hosts
            .enter(host, pace, crawl_delay, delivery.assignment())
            .await;
        self.backends
            .stats
            .politeness_wait
            .observe(started.elapsed());
        slot
    }

    /// Sends robots.txt `Sitemap:` URLs to the frontier as discovery sources
    /// (depth 1: one step from the site, like a link on its home page).
    async fn announce_sitemaps(&self, sitemaps: Vec<url::Url>) -> Result<(), String> {
        if sitemaps.is_empty() {
            return Ok(());
        }
        let batch = LinkBatch {
            depth: 1,
            links: sitemaps
                .into_iter()
                .map(|url| DiscoveredLink {
                    url: url.into(),
                    kind: LinkKind::Feed,
                    related: false,
                })
                .collect(),
            visit: None,
        };
        let payload = codec::encode(&batch).map_err(|e| e.to_string())?;
        self.backends
            .queue
            .publish(Queue::Links, vec![Message::new(payload)])
            .await
            .map_err(|e| format!("publish robots.txt sitemaps: {e}"))
    }

    async fn publish(&self, job: &FetchJob, response: http::Response) -> Verdict {
        let stats = &self.backends.stats;
        let body_zstd = match compress(&response.body) {
            Ok(b) => b,
            Err(e) => return Verdict::Retry(self.backoff(1), format!("compress: {e}")),
        };
        let page = FetchedPage {
            job: job.clone(),
            final_url: response.final_url,
            status: response.status.as_u16(),
            content_type: response.content_type,
            fetched_at: chrono::Utc::now(),
            etag: response.etag,
            last_modified: response.last_modified,
            body_zstd,
        };
        let payload = match codec::encode(&page) {
            Ok(p) => p,
            Err(e) => return Verdict::Dead(e.to_string()),
        };
        let message = Message {
            payload,
            priority: job.priority(),
            partition_key: None,
        };
        match self
            .backends
            .queue
            .publish(Queue::Pages, vec![message])
            .await
        {
            Ok(()) => {
                CrawlStats::add(&stats.pages_fetched, 1);
                CrawlStats::add(&stats.bytes_fetched, response.body.len() as u64);
                Verdict::Done
            }
            Err(e) => Verdict::Retry(self.backoff(1), format!("publish page: {e}")),
        }
    }

    /// Exponential backoff: base × 2^(attempt-1), at most an hour.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        let base = self.config.borrow().fetch.retry_base_delay;
        (base * factor).min(Duration::from_secs(3600))
    }

    /// Waits out an operator's pause of every host, then the host's gate;
    /// a pause that comes while waiting at the gate is waited out again,
    /// through the gate again, so that resuming never releases a crowd.
    /// `None` when the worker stops meanwhile; else the host slot (see
    /// [`Hosts::enter`]).
    async fn enter(
        &self,
        host: &str,
        pace: Pace,
        crawl_delay: Option<Duration>,
        delivery: &Delivery,
    ) -> Option<Option<OwnedSemaphorePermit>> {
        let controls = &self.backends.controls;
        loop {
            tokio::select! {
                _ = controls.wait_while_paused() => {}
                _ = self.stop.wait() => return None,
            }
            let slot = self.enter_host(host, pace, crawl_delay, delivery).await;
            if !controls.paused() {
                return Some(slot);
            }
        }
    }
}
