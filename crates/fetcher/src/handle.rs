//! What happens to one fetch job, in order: for each hop (the job's URL,
//! then each redirect target) the robots.txt verdict, the host's politeness
//! gate and the request; then the page is handed to the parsers with the
//! delivery, or the delivery is settled.
//!
//! | outcome                               | delivery                      |
//! |---------------------------------------|-------------------------------|
//! | 2xx, or 304 to a conditional revisit  | page handed over with the delivery (see [`newshound_core::handoff`]) |
//! | robots.txt disallows (any hop)        | acked (counted)               |
//! | 4xx other than 408/429                | acked (counted)               |
//! | transport error, 408, 429, 5xx        | retried with backoff          |
//! | robots.txt 5xx or unreachable         | held: put off without counting an attempt |
//! | host given up (`--once` only)         | dead-lettered with the cause  |
//! | partition handed to another fetcher   | requeued, unfetched           |
//! | host paused by an operator            | deferred (same attempt)       |
//! | stopping (drain, SIGTERM)             | requeued, unfetched           |
//! | retries used up, body too large, refused address, bad redirect | dead-lettered with the reason |
//!
//! A redirect is followed only as a discovered link would be: its target
//! must be http(s), canonical, in the crawl's scope, not yet in the chain,
//! within `max_redirects`, allowed by its host's robots.txt and fetched
//! through that host's gate. The page keeps the chain (`redirected_from`).
//!
//! The first job of an origin loads its robots.txt; its `Sitemap:` URLs go to
//! the frontier as feed links, once per load.

use reqwest::{Client, StatusCode};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, watch};
use url::Url;

use crate::addr::AddressPolicy;
use crate::health::{HostHealth, Outcome};
use crate::hosts::{Hosts, Pace};
use crate::http::{self, FetchError, Oversize, Timeouts};
use crate::robots::{RobotsCache, RobotsVerdict};
use crate::{FetcherBackends, FetcherConfig};
use newshound_core::canon::host_key;
use newshound_core::handoff::NotHanded;
use newshound_core::message::{
    DiscoveredLink, Exchange, FetchJob, FetchedPage, LinkBatch, LinkKind,
};
use newshound_core::report::error_chain;
use newshound_core::stats::{DeadReason, FetchClass};
use newshound_core::worker::{backoff, log_unsettled};
use newshound_core::{BackendError, CrawlStats, Delivery, Message, Queue, Shutdown, codec};

/// How long a job of a host an operator paused is put off before it is
/// looked at again.
const PAUSED_HOST_RECHECK: Duration = Duration::from_secs(5);

/// Longest hold of a host whose robots.txt keeps failing.
const MAX_HOLD: Duration = Duration::from_secs(3600);

/// Shared state of one fetch worker.
pub(crate) struct Worker {
    pub client: Client,
    pub policy: Arc<AddressPolicy>,
    pub timeouts: Timeouts,
    /// The User-Agent sent, when exchanges are captured for the WARC output.
    pub capture_agent: Option<String>,
    pub hosts: Hosts,
    pub robots: RobotsCache,
    pub health: HostHealth,
    pub budget: Option<AtomicU64>,
    pub requests: AtomicU64,
    /// Fires on drain: every wait and request in flight ends, its job requeued.
    pub stop: Shutdown,
    /// Fires with `stop`, or alone when the page budget is spent: no new
    /// job is taken, the ones in flight finish.
    pub intake: Shutdown,
    pub config: watch::Receiver<Arc<FetcherConfig>>,
    pub backends: FetcherBackends,
}

/// How a delivery ends.
enum Verdict {
    Done,
    /// A page to hand to the parsers, with the delivery.
    Page(Box<FetchedPage>),
    Retry(Duration, String),
    Dead(DeadReason, String),
    Requeue,
    /// Put off without counting an attempt.
    Defer(Duration),
}

/// Where the hops of a job led: the final URL, the URLs redirected from,
/// and the exchanges captured on the way.
struct Hops {
    url: Url,
    chain: Vec<Url>,
    exchanges: Vec<Exchange>,
}

/// What one hop gave.
enum Hop {
    /// The final answer (not a redirect).
    Answer(http::Response),
    /// A redirect to follow, and its exchange when captured.
    Redirect(String, Option<Exchange>),
}

impl Worker {
    /// Handles one delivery and settles it (or hands it over with its page:
    /// the hand-off settles it then).
    pub(crate) async fn handle(&self, delivery: Delivery) {
        let verdict = match codec::decode::<FetchJob>(&delivery.payload) {
            Ok(job) => self.fetch_job(&job, &delivery).await,
            Err(e) => Verdict::Dead(DeadReason::Codec, format!("undecodable fetch job: {e}")),
        };
        let stats = &self.backends.stats;
        let (verdict, delivery) = match verdict {
            Verdict::Page(page) => {
                let (url, bytes) = (page.final_url.clone(), page.body.len() as u64);
                match self.backends.pages.hand_over(*page, delivery).await {
                    Ok(()) => {
                        CrawlStats::add(&stats.pages_fetched, 1);
                        CrawlStats::add(&stats.bytes_fetched, bytes);
                        return;
                    }
                    // Stopping: the job goes back, unfetched as far as
                    // anyone knows.
                    Err(NotHanded {
                        error: BackendError::Closed,
                        job,
                    }) => (Verdict::Requeue, job),
                    Err(NotHanded { error, job }) => {
                        let reason =
                            format!("{url}: handing the page over: {}", error_chain(&error));
                        (Verdict::Retry(self.backoff(1), reason), job)
                    }
                }
            }
            verdict => (verdict, delivery),
        };
        let max_attempts = self.config.borrow().fetch.max_attempts;
        let settled = match verdict {
            Verdict::Done | Verdict::Page(_) => delivery.ack().await,
            Verdict::Requeue => delivery.requeue().await,
            Verdict::Defer(delay) => delivery.defer(delay).await,
            Verdict::Retry(delay, reason) if delivery.attempt < max_attempts => {
                tracing::debug!(%reason, attempt = delivery.attempt, "Fetch will be retried");
                stats.retries.add(Queue::Fetch, 1);
                delivery.retry_after(delay).await
            }
            Verdict::Retry(_, reason) => {
                tracing::warn!(%reason, "Fetch job dead-lettered");
                stats.dead_lettered(Queue::Fetch, DeadReason::RetriesUsedUp);
                delivery.dead_letter(&reason).await
            }
            Verdict::Dead(kind, reason) => {
                tracing::warn!(%reason, "Fetch job dead-lettered");
                stats.dead_lettered(Queue::Fetch, kind);
                delivery.dead_letter(&reason).await
            }
        };
        log_unsettled(settled, "fetch job");
    }

    /// The way of one job: hops until an answer, then its settlement.
    async fn fetch_job(&self, job: &FetchJob, delivery: &Delivery) -> Verdict {
        let config = self.config.borrow().clone();
        let mut url = job.url.clone();
        let mut chain: Vec<Url> = Vec::new();
        let mut exchanges: Vec<Exchange> = Vec::new();
        loop {
            let response = match self
                .hop(&url, job, delivery, &config, chain.is_empty())
                .await
            {
                Ok(Hop::Answer(response)) => response,
                Ok(Hop::Redirect(location, exchange)) => {
                    exchanges.extend(exchange);
                    match next_hop(&url, &location, &chain, job, &config) {
                        Ok(next) => {
                            chain.push(std::mem::replace(&mut url, next));
                            continue;
                        }
                        Err(reason) => {
                            let host = host_key(&url);
                            self.backends
                                .stats
                                .hosts
                                .record(&host, Some(reason.clone()));
                            return Verdict::Dead(DeadReason::BadRedirect, reason);
                        }
                    }
                }
                Err(verdict) => return verdict,
            };
            let hops = Hops {
                url,
                chain,
                exchanges,
            };
            return self.answer(job, hops, response, delivery.attempt, &config);
        }
    }

    /// One request: robots verdict, politeness gate, fetch. `first` is the
    /// job's own URL (which takes a page from the budget); later hops are
    /// redirect targets.
    async fn hop(
        &self,
        url: &Url,
        job: &FetchJob,
        delivery: &Delivery,
        config: &FetcherConfig,
        first: bool,
    ) -> Result<Hop, Verdict> {
        let stats = &self.backends.stats;
        let controls = &self.backends.controls;
        let host = host_key(url);
        if let Some(why) = self.health.given_up(&host) {
            return Err(Verdict::Dead(
                DeadReason::HostGivenUp,
                format!("{url}: {why}"),
            ));
        }
        if controls.host_paused(&host) && !controls.paused() {
            return Err(Verdict::Defer(PAUSED_HOST_RECHECK));
        }
        self.unless_stopping(controls.wait_while_paused()).await?;
        // Before robots.txt: a refused address gets no request at all.
        if let Err(e) = self.policy.check_url(url) {
            let reason = format!("{url}: {e}");
            stats.hosts.record(&host, Some(reason.clone()));
            return Err(Verdict::Dead(DeadReason::AddressRefused, reason));
        }
        let pace = Pace::new(&config.politeness, controls.rate(&host));
        let rules = match self.robots_verdict(url, &host, pace, delivery).await? {
            RobotsVerdict::Rules {
                robots,
                new_sitemaps,
            } => {
                if let Err(e) = self.announce_sitemaps(new_sitemaps).await {
                    // Loaded again (and announced) by the retried job.
                    self.robots.forget(url).await;
                    let reason = format!("publish robots.txt sitemaps: {}", error_chain(&e));
                    return Err(Verdict::Retry(self.backoff(1), reason));
                }
                robots
            }
            RobotsVerdict::Unavailable(cause) => {
                return Err(self.failed(url, &host, &cause, |failures| {
                    Verdict::Defer(self.hold(failures))
                }));
            }
        };
        if !rules.is_url_allowed(url) {
            CrawlStats::add(&stats.robots_denied, 1);
            tracing::debug!(%url, redirected = !first, "Disallowed by robots.txt");
            return Err(Verdict::Done);
        }
        let crawl_delay = self.crawl_delay(&host, rules.crawl_delay(), pace, config);
        let _slot = self.enter(&host, pace, crawl_delay, delivery).await?;
        if controls.host_paused(&host) && !controls.paused() {
            return Err(Verdict::Defer(PAUSED_HOST_RECHECK));
        }
        if delivery.handed_over() {
            // Its fetch partition now belongs to another fetcher, which
            // paces the host: leave the request to it.
            return Err(Verdict::Requeue);
        }
        if first && !self.take_budget() {
            self.intake.trigger();
            return Err(Verdict::Requeue);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let held = job.revisit.as_ref().filter(|_| first);
        let max_body = config.fetch.max_body_bytes;
        let started = Instant::now();
        let fetched = self.unless_stopping(http::get(
            &self.client,
            &self.policy,
            url,
            max_body,
            Oversize::Fail,
            http::Ask {
                held,
                capture_agent: self.capture_agent.as_deref(),
            },
            self.timeouts,
        ));
        let fetched = fetched.await?;
        stats.fetch_latency.observe(started.elapsed());
        let response = match fetched {
            Ok(r) => r,
            Err(e) => {
                stats.fetches.count(FetchClass::Failed);
                let reason = format!("{url}: {e}");
                stats.hosts.record(&host, Some(reason.clone()));
                return Err(match e {
                    FetchError::Transport(cause) => self.failed(url, &host, &cause, |_| {
                        Verdict::Retry(self.backoff(delivery.attempt), reason.clone())
                    }),
                    FetchError::Refused(_) => Verdict::Dead(DeadReason::AddressRefused, reason),
                    FetchError::TooLarge(_) => Verdict::Dead(DeadReason::TooLarge, reason),
                });
            }
        };
        if self.health.ok(&host) {
            stats
                .hosts_held
                .store(self.health.held(), Ordering::Relaxed);
        }
        stats
            .fetches
            .count(FetchClass::of_status(response.status.as_u16()));
        match response.location.clone() {
            Some(location) if response.status.is_redirection() => {
                Ok(Hop::Redirect(location, response.exchange))
            }
            _ => Ok(Hop::Answer(response)),
        }
    }

    /// A failure of `host` (`cause`) met at `url`: `keep` (given the
    /// failures in a row) while the host is kept, a dead letter once it is
    /// given up.
    fn failed(
        &self,
        url: &Url,
        host: &str,
        cause: &str,
        keep: impl FnOnce(u32) -> Verdict,
    ) -> Verdict {
        let outcome = self.health.failed(host, url, cause);
        self.backends
            .stats
            .hosts_held
            .store(self.health.held(), Ordering::Relaxed);
        match outcome {
            Outcome::Keep { failures } => keep(failures),
            Outcome::GivenUp(why) => {
                self.backends.stats.given_up.record(host, &why);
                Verdict::Dead(DeadReason::HostGivenUp, format!("{url}: {why}"))
            }
        }
    }

    /// Settles a final answer: a page is handed over; an error answer is
    /// retried or dropped.
    fn answer(
        &self,
        job: &FetchJob,
        hops: Hops,
        response: http::Response,
        attempt: u32,
        config: &FetcherConfig,
    ) -> Verdict {
        let stats = &self.backends.stats;
        let host = host_key(&hops.url);
        let status = response.status;
        if status.is_success() || (status == StatusCode::NOT_MODIFIED && job.revisit.is_some()) {
            stats.hosts.record(&host, None);
            return Self::page(job, hops, response);
        }
        let reason = format!("{} answered {status}", hops.url);
        stats.hosts.record(&host, Some(reason.clone()));
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            let cap = config.fetch.max_retry_after;
            let asked = response.retry_after.unwrap_or_default();
            if asked > cap && self.health.first_warning(&host, "retry-after") {
                tracing::warn!(
                    %host,
                    asked_secs = asked.as_secs(),
                    cap_secs = cap.as_secs(),
                    "Retry-After longer than fetch.max_retry_after_secs; waiting the cap instead"
                );
            }
            let delay = asked.min(cap).max(self.backoff(attempt)).min(MAX_HOLD);
            return Verdict::Retry(delay, reason);
        }
        tracing::debug!(%reason, "Page not fetched");
        Verdict::Done
    }

    /// robots.txt's verdict for `url`, loading it through the host's gate
    /// when not cached.
    async fn robots_verdict(
        &self,
        url: &Url,
        host: &str,
        pace: Pace,
        delivery: &Delivery,
    ) -> Result<RobotsVerdict, Verdict> {
        let fetch = |robots_url: Url| async move {
            let _slot = self.enter(host, pace, None, delivery).await?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            CrawlStats::add(&self.backends.stats.robots_fetches, 1);
            let max = self.robots.max_bytes();
            let hops = self.config.borrow().fetch.max_redirects;
            let get = http::get_following(
                &self.client,
                &self.policy,
                &robots_url,
                max,
                self.timeouts,
                hops,
            );
            self.unless_stopping(get).await
        };
        // A stop while loading is no verdict at all: the job goes back. A
        // refused address (a host name resolving to one) is final.
        let mut stopped = false;
        let mut refused = None;
        let verdict = self
            .robots
            .verdict(url, |robots_url| {
                let (stopped, refused) = (&mut stopped, &mut refused);
                async move {
                    match fetch(robots_url).await {
                        Ok(Err(FetchError::Refused(why))) => {
                            *refused = Some(why.clone());
                            Err(FetchError::Refused(why))
                        }
                        Ok(result) => result,
                        Err(_) => {
                            *stopped = true;
                            Err(FetchError::Transport("stopping".into()))
                        }
                    }
                }
            })
            .await;
        if stopped || refused.is_some() {
            self.robots.unhold(url).await;
        }
        if let Some(why) = refused {
            let reason = format!("{url}: {why}");
            self.backends
                .stats
                .hosts
                .record(&host_key(url), Some(reason.clone()));
            return Err(Verdict::Dead(DeadReason::AddressRefused, reason));
        }
        if stopped {
            return Err(Verdict::Requeue);
        }
        Ok(verdict)
    }

    /// The robots.txt `Crawl-delay`, capped at `fetch.max_crawl_delay_secs`;
    /// logged once per host when it slows the host down.
    fn crawl_delay(
        &self,
        host: &str,
        asked: Option<Duration>,
        pace: Pace,
        config: &FetcherConfig,
    ) -> Option<Duration> {
        let asked = asked?;
        let cap = config.fetch.max_crawl_delay;
        let delay = asked.min(cap);
        if delay > pace.period && self.health.first_warning(host, "crawl-delay") {
            if asked > cap {
                tracing::warn!(
                    %host,
                    asked_secs = asked.as_secs_f64(),
                    cap_secs = cap.as_secs(),
                    "robots.txt Crawl-delay longer than fetch.max_crawl_delay_secs; using the cap"
                );
            } else {
                tracing::info!(%host, delay_secs = delay.as_secs_f64(), "robots.txt Crawl-delay in force");
            }
        }
        Some(delay)
    }

    /// Runs `work` unless the worker stops first (`Err(Requeue)` then: the
    /// job goes back to its queue unfinished).
    async fn unless_stopping<T>(&self, work: impl Future<Output = T>) -> Result<T, Verdict> {
        tokio::select! {
            biased;
            _ = self.stop.wait() => Err(Verdict::Requeue),
            done = work => Ok(done),
        }
    }

    /// Waits out an operator's pause of every host, then the host's gate;
    /// a pause that comes while waiting at the gate is waited out again,
    /// through the gate again, so that resuming never releases a crowd.
    /// Every wait ends when the worker stops (`Err(Requeue)`).
    async fn enter(
        &self,
        host: &str,
        pace: Pace,
        crawl_delay: Option<Duration>,
        delivery: &Delivery,
    ) -> Result<Option<OwnedSemaphorePermit>, Verdict> {
        let controls = &self.backends.controls;
        loop {
            self.unless_stopping(controls.wait_while_paused()).await?;
            let started = Instant::now();
            let slot = self
                .unless_stopping(
                    self.hosts
                        .enter(host, pace, crawl_delay, delivery.assignment()),
                )
                .await?;
            self.backends
                .stats
                .politeness_wait
                .observe(started.elapsed());
            if !controls.paused() {
                return Ok(slot);
            }
        }
    }

    /// Sends robots.txt `Sitemap:` URLs to the frontier as discovery sources
    /// (depth 1: one step from the site, like a link on its home page).
    async fn announce_sitemaps(&self, sitemaps: Vec<url::Url>) -> Result<(), BackendError> {
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
        let payload =
            codec::encode(&batch).map_err(|e| BackendError::failed("encoding a link batch", e))?;
        self.backends
            .queue
            .publish(Queue::Links, vec![Message::new(payload)])
            .await
    }

    /// The page a final answer gives.
    fn page(job: &FetchJob, hops: Hops, response: http::Response) -> Verdict {
        let mut exchanges = hops.exchanges;
        // The page's fetch time is its final exchange's (the WARC response
        // record's date).
        let fetched_at = response
            .exchange
            .as_ref()
            .map_or_else(chrono::Utc::now, |e| e.fetched_at);
        exchanges.extend(response.exchange);
        Verdict::Page(Box::new(FetchedPage {
            job: job.clone(),
            final_url: hops.url,
            redirected_from: hops.chain,
            status: response.status.as_u16(),
            content_type: response.content_type,
            fetched_at,
            etag: response.etag,
            last_modified: response.last_modified,
            body: response.body,
            exchanges,
        }))
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

    /// The retry delay before `attempt`: the base delay, doubling, at most an hour.
    fn backoff(&self, attempt: u32) -> Duration {
        backoff(
            self.config.borrow().fetch.retry_base_delay,
            attempt,
            MAX_HOLD,
        )
    }

    /// How long a host whose robots.txt failed `failures` times in a row is
    /// held: the robots hold, doubling, at most an hour.
    fn hold(&self, failures: u32) -> Duration {
        backoff(self.robots.hold(), failures, MAX_HOLD)
    }
}

/// The next hop of a redirect from `from` to `location`, checked as a
/// discovered link is: an http(s) URL, canonical, in scope at the job's
/// depth, not already in the chain, within `max_redirects`.
fn next_hop(
    from: &Url,
    location: &str,
    chain: &[Url],
    job: &FetchJob,
    config: &FetcherConfig,
) -> Result<Url, String> {
    let path = |to: &Url| {
        chain
            .iter()
            .chain([from, to])
            .map(Url::as_str)
            .collect::<Vec<_>>()
            .join(" -> ")
    };
    let target = from
        .join(location.trim())
        .map_err(|e| format!("{from}: redirect to an unreadable Location {location:?}: {e}"))?;
    if !matches!(target.scheme(), "http" | "https") {
        return Err(format!("{from}: redirect to a non-http URL {target}"));
    }
    let canonical = config
        .canon
        .canonicalize(&target)
        .ok_or_else(|| format!("{from}: redirect to a URL that does not canonicalize: {target}"))?;
    if canonical == *from || chain.contains(&canonical) {
        return Err(format!("redirect loop: {}", path(&canonical)));
    }
    if chain.len() >= config.fetch.max_redirects {
        return Err(format!(
            "too many redirects (more than fetch.max_redirects = {}): {}",
            config.fetch.max_redirects,
            path(&canonical)
        ));
    }
    config.scope.check(&canonical, job.depth).map_err(|why| {
        format!("{from}: redirect out of the crawl's scope to {canonical} ({why})")
    })?;
    Ok(canonical)
}
