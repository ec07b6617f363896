//! Scheduling one batch of discovered links, and recording its page's visit.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use url::Url;

use crate::{FrontierBackends, FrontierConfig};
use newshound_core::backend::now_ms;
use newshound_core::canon::{fingerprint, host_key};
use newshound_core::message::{FetchJob, LinkBatch, LinkKind, Visit};
use newshound_core::report::error_chain;
use newshound_core::stats::DeadReason;
use newshound_core::worker::log_unsettled;
use newshound_core::{BackendError, CrawlStats, Delivery, Message, Queue, codec};

/// Delay before a batch whose backend calls failed is tried again.
const BACKEND_RETRY: Duration = Duration::from_secs(2);

pub(crate) struct Scheduler {
    pub config: watch::Receiver<Arc<FrontierConfig>>,
    pub backends: FrontierBackends,
}

impl Scheduler {
    /// Schedules the new URLs of one batch, then acks it.
    ///
    /// The seen-set is updated before the jobs are published, so a crash in
    /// between (or a seen-set reply lost with its connection after the insert
    /// was applied) would leave URLs marked seen but never fetched. To close
    /// that gap a batch handled before (redelivered after a crash, or retried
    /// after a failure) publishes every in-scope URL again, seen or not; the
    /// duplicates this may cause are absorbed by the sink's dedup.
    pub(crate) async fn handle(&self, delivery: Delivery) {
        let batch: LinkBatch = match codec::decode(&delivery.payload) {
            Ok(b) => b,
            Err(e) => {
                self.backends
                    .stats
                    .dead_lettered(Queue::Links, DeadReason::Codec);
                log_unsettled(delivery.dead_letter(&e.to_string()).await, "link batch");
                return;
            }
        };
        let config = self.config.borrow().clone();
        let jobs = in_scope(&config, &batch);
        let fingerprints: Vec<u64> = jobs.iter().map(|j| fingerprint(&j.url)).collect();
        let fresh = match self.backends.seen.insert_new(&fingerprints).await {
            Ok(fresh) => fresh,
            Err(e) => {
                tracing::warn!(error = %error_chain(&e), "Seen-set unavailable; batch will be retried");
                self.retry(delivery).await;
                return;
            }
        };
        let stats = &self.backends.stats;
        let misses = fresh.iter().filter(|fresh| **fresh).count() as u64;
        CrawlStats::add(&stats.dedup_misses, misses);
        CrawlStats::add(&stats.dedup_hits, fresh.len() as u64 - misses);
        let handled_before = delivery.redelivered || delivery.attempt > 1;
        let candidates: Vec<FetchJob> = jobs
            .into_iter()
            .zip(fresh)
            .filter(|(job, fresh)| *fresh || handled_before || job.kind == LinkKind::Injected)
            .map(|(job, _)| job)
            .collect();
        let jobs = match self.within_budget(&config, candidates).await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %error_chain(&e), "Host budget unavailable; batch will be retried");
                self.retry(delivery).await;
                return;
            }
        };
        let messages: Vec<Message> = jobs
            .into_iter()
            .filter_map(|job| {
                let payload = codec::encode(&job).ok()?;
                Some(Message {
                    payload,
                    priority: job.priority(),
                    partition_key: Some(host_key(&job.url)),
                })
            })
            .collect();
        let scheduled = messages.len() as u64;
        if let Err(e) = self.backends.queue.publish(Queue::Fetch, messages).await {
            tracing::warn!(error = %error_chain(&e), "Fetch jobs not published; batch will be retried");
            // Comes back with attempt + 1, and then republishes everything.
            self.retry(delivery).await;
            return;
        }
        CrawlStats::add(&self.backends.stats.urls_scheduled, scheduled);
        if let Some(visit) = &batch.visit
            && let Err(e) = self.record_visit(&config, visit).await
        {
            tracing::warn!(error = %error_chain(&e), "Revisit schedule unavailable; batch will be retried");
            self.retry(delivery).await;
            return;
        }
        log_unsettled(delivery.ack().await, "link batch");
    }

    /// Sends a batch back to be handled again after [`BACKEND_RETRY`].
    async fn retry(&self, delivery: Delivery) {
        self.backends.stats.retries.add(Queue::Links, 1);
        log_unsettled(delivery.retry_after(BACKEND_RETRY).await, "link batch");
    }

    /// Sets when the visited page is due again (or drops it from the
    /// schedule). Idempotent enough for a redelivered batch: the entry is
    /// computed from the same visit again.
    async fn record_visit(
        &self,
        config: &FrontierConfig,
        visit: &Visit,
    ) -> Result<(), BackendError> {
        let revisits = &self.backends.revisits;
        let key = fingerprint(&visit.url);
        let previous = revisits.get(key).await?;
        let next = config.recrawl.next(previous.as_ref(), visit, now_ms());
        match next {
            Some(entry) => revisits.put(vec![(key, entry)]).await,
            None if previous.is_some() => revisits.remove(key).await,
            None => Ok(()),
        }
    }

    /// The jobs whose host's page budget has room, in batch order: the
    /// budget is taken for every job of a host at once and the first ones
    /// granted are kept; the rest are dropped (counted in
    /// `over_host_budget`).
    ///
    /// A batch handled again takes the budget again for what it republishes,
    /// so a retry may spend a host's budget twice on the same URLs: the
    /// crawl gets fewer pages of that host, never more than its budget.
    async fn within_budget(
        &self,
        config: &FrontierConfig,
        jobs: Vec<FetchJob>,
    ) -> Result<Vec<FetchJob>, BackendError> {
        if jobs.is_empty() {
            return Ok(jobs);
        }
        let hosts: Vec<String> = jobs.iter().map(|j| host_key(&j.url)).collect();
        let mut wanted: Vec<(String, u64)> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for host in &hosts {
            match index.get(host.as_str()) {
                Some(&i) => wanted[i].1 += 1,
                None => {
                    index.insert(host, wanted.len());
                    wanted.push((host.clone(), 1));
                }
            }
        }
        let granted = self
            .backends
            .budget
            .take(&wanted, config.max_pages_per_host)
            .await?;
        let mut left: Vec<u64> = granted;
        left.resize(wanted.len(), 0);
        let mut kept = Vec::with_capacity(jobs.len());
        let mut dropped = 0u64;
        for (job, host) in jobs.into_iter().zip(&hosts) {
            let slot = index.get(host.as_str()).and_then(|&i| left.get_mut(i));
            match slot {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    kept.push(job);
                }
                _ => dropped += 1,
            }
        }
        if dropped > 0 {
            tracing::debug!(dropped, "New URLs over their host's page budget dropped");
            CrawlStats::add(&self.backends.stats.over_host_budget, dropped);
        }
        Ok(kept)
    }
}

/// Canonical, in-scope, de-duplicated fetch jobs of a batch.
fn in_scope(config: &FrontierConfig, batch: &LinkBatch) -> Vec<FetchJob> {
    let mut seen_here = HashSet::new();
    let mut jobs = Vec::with_capacity(batch.links.len());
    for link in &batch.links {
        let Ok(url) = Url::parse(&link.url) else {
            continue;
        };
        let Some(url) = config.canon.canonicalize(&url) else {
            continue;
        };
        if config.scope.check(&url, batch.depth).is_err() {
            continue;
        }
        if !seen_here.insert(url.to_string()) {
            continue;
        }
        jobs.push(FetchJob {
            url,
            depth: batch.depth,
            kind: link.kind,
            related: link.related,
            revisit: None,
        });
    }
    jobs
}
