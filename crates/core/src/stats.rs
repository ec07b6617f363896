//! Live counters of a crawl, shared by the roles of one process and read by
//! the progress display, the final summary and the metrics endpoint. Every
//! figure a role reports is counted here, once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::backend::Queue;

/// Upper bounds (seconds) of the fetch latency histogram's buckets.
pub const FETCH_LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Upper bounds (seconds) of the politeness wait histogram's buckets: from
/// no wait to a long `Crawl-delay`.
pub const POLITENESS_WAIT_BUCKETS: &[f64] = &[
    0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

/// Counters updated by the roles as they work.
#[derive(Debug)]
pub struct CrawlStats {
    /// Page fetches (robots.txt excluded) by how they ended.
    pub fetches: ByFetchClass,
    /// Pages fetched and handed to the parsers (2xx, or 304 to a conditional revisit).
    pub pages_fetched: AtomicU64,
    /// Bytes of the bodies of the pages handed to the parsers.
    pub bytes_fetched: AtomicU64,
    /// How long page fetches took, from request to the whole body.
    pub fetch_latency: DurationHistogram,
    /// Time spent waiting for a host's politeness gate (rate limiter and
    /// concurrency limit) before a request, robots.txt included.
    pub politeness_wait: DurationHistogram,
    /// robots.txt requests made.
    pub robots_fetches: AtomicU64,
    /// URLs robots.txt forbade.
    pub robots_denied: AtomicU64,
    /// In-scope URLs of link batches the seen-set did not hold yet.
    pub dedup_misses: AtomicU64,
    /// In-scope URLs of link batches the seen-set already held.
    pub dedup_hits: AtomicU64,
    /// New URLs scheduled for fetching by the frontier.
    pub urls_scheduled: AtomicU64,
    /// Due revisits the frontier scheduled for fetching again.
    pub revisits_scheduled: AtomicU64,
    /// New URLs the frontier dropped because their host's page budget
    /// (`[site] max_pages_per_host`) was spent.
    pub over_host_budget: AtomicU64,
    /// Articles the parsers extracted and handed to their sink.
    pub articles_extracted: AtomicU64,
    /// Article records written to the output (new ones only: the sink drops repeats).
    pub articles_written: AtomicU64,
    /// Pages the parser could not read (an unreadable feed or sitemap, or an
    /// extractor failure).
    pub parse_errors: AtomicU64,
    /// Deliveries sent back to their queue to be tried again later.
    pub retries: ByQueue,
    /// Messages parked as dead letters (count them with
    /// [`CrawlStats::dead_lettered`], which also counts the reason).
    pub dead_letters: ByQueue,
    /// The same dead letters by why they were parked.
    pub dead_letter_reasons: ByDeadReason,
    /// Hosts held now: failing (unreachable, or their robots.txt
    /// unavailable) and retried later (fetchers).
    pub hosts_held: AtomicU64,
    /// Requests and last errors per host (fetchers).
    pub hosts: crate::control::HostLog,
    /// Hosts a `--once` run gave up on, with the reason (fetchers).
    pub given_up: GivenUpHosts,
    /// Pages read as neither text nor a feed (binary junk served as HTML),
    /// written as no article.
    pub not_text: AtomicU64,
}

/// Hosts given up on, each with why: the final summary lists them.
#[derive(Debug, Default)]
pub struct GivenUpHosts {
    hosts: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
}

impl GivenUpHosts {
    /// Records that `host` was given up for `reason` (the first reason stays).
    pub fn record(&self, host: &str, reason: &str) {
        let mut hosts = self
            .hosts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        hosts
            .entry(host.to_string())
            .or_insert_with(|| reason.to_string());
    }

    /// The hosts given up, in name order, with their reasons.
    pub fn list(&self) -> Vec<(String, String)> {
        let hosts = self
            .hosts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        hosts.iter().map(|(h, r)| (h.clone(), r.clone())).collect()
    }
}

impl Default for CrawlStats {
    fn default() -> Self {
        CrawlStats {
            fetches: ByFetchClass::default(),
            pages_fetched: AtomicU64::new(0),
            bytes_fetched: AtomicU64::new(0),
            fetch_latency: DurationHistogram::new(FETCH_LATENCY_BUCKETS),
            politeness_wait: DurationHistogram::new(POLITENESS_WAIT_BUCKETS),
            robots_fetches: AtomicU64::new(0),
            robots_denied: AtomicU64::new(0),
            dedup_misses: AtomicU64::new(0),
            dedup_hits: AtomicU64::new(0),
            urls_scheduled: AtomicU64::new(0),
            revisits_scheduled: AtomicU64::new(0),
            over_host_budget: AtomicU64::new(0),
            articles_extracted: AtomicU64::new(0),
            articles_written: AtomicU64::new(0),
            parse_errors: AtomicU64::new(0),
            retries: ByQueue::default(),
            dead_letters: ByQueue::default(),
            dead_letter_reasons: ByDeadReason::default(),
            hosts_held: AtomicU64::new(0),
            hosts: crate::control::HostLog::default(),
            given_up: GivenUpHosts::default(),
            not_text: AtomicU64::new(0),
        }
    }
}

impl CrawlStats {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Reads a counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// Counts one message of `queue` parked as a dead letter for `reason`.
    pub fn dead_lettered(&self, queue: Queue, reason: DeadReason) {
        self.dead_letters.add(queue, 1);
        self.dead_letter_reasons.0[reason as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Page fetches that failed: 4xx and 5xx answers, and fetches with no
    /// usable answer.
    pub fn fetch_errors(&self) -> u64 {
        self.fetches.get(FetchClass::ClientError)
            + self.fetches.get(FetchClass::ServerError)
            + self.fetches.get(FetchClass::Failed)
    }

    /// All errors: fetch failures, dead letters and unusable pages.
    pub fn errors(&self) -> u64 {
        self.fetch_errors() + self.dead_letters.total() + Self::get(&self.parse_errors)
    }
}

/// How a page fetch ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchClass {
    /// A 2xx answer.
    Success,
    /// A 3xx answer: a redirect hop (each is a request of its own), or a
    /// `304 Not Modified`.
    Redirection,
    /// A 4xx answer.
    ClientError,
    /// A 5xx answer.
    ServerError,
    /// No usable answer: a transport failure (timeout, refused, reset), a
    /// redirect loop or a body over the size limit.
    Failed,
}

impl FetchClass {
    /// Every class, in label order.
    pub const ALL: [FetchClass; 5] = [
        FetchClass::Success,
        FetchClass::Redirection,
        FetchClass::ClientError,
        FetchClass::ServerError,
        FetchClass::Failed,
    ];

    /// The class of an HTTP status code (1xx, which never ends a fetch, and
    /// codes out of range count as failed).
    pub fn of_status(status: u16) -> FetchClass {
        match status {
            200..=299 => FetchClass::Success,
            300..=399 => FetchClass::Redirection,
            400..=499 => FetchClass::ClientError,
            500..=599 => FetchClass::ServerError,
            _ => FetchClass::Failed,
        }
    }

    /// The metric label: `2xx`, `3xx`, `4xx`, `5xx` or `error`.
    pub fn label(self) -> &'static str {
        match self {
            FetchClass::Success => "2xx",
            FetchClass::Redirection => "3xx",
            FetchClass::ClientError => "4xx",
            FetchClass::ServerError => "5xx",
            FetchClass::Failed => "error",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One counter per [`FetchClass`].
#[derive(Debug, Default)]
pub struct ByFetchClass([AtomicU64; 5]);

impl ByFetchClass {
    /// Counts one fetch of `class`.
    pub fn count(&self, class: FetchClass) {
        self.0[class.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Fetches of `class` so far.
    pub fn get(&self, class: FetchClass) -> u64 {
        self.0[class.index()].load(Ordering::Relaxed)
    }

    /// Fetches of every class.
    pub fn total(&self) -> u64 {
        FetchClass::ALL.iter().map(|c| self.get(*c)).sum()
    }
}

/// One counter per [`Queue`].
#[derive(Debug, Default)]
pub struct ByQueue([AtomicU64; 5]);

impl ByQueue {
    /// Adds `n` for `queue`.
    pub fn add(&self, queue: Queue, n: u64) {
        self.0[queue.index()].fetch_add(n, Ordering::Relaxed);
    }

    /// The count for `queue`.
    pub fn get(&self, queue: Queue) -> u64 {
        self.0[queue.index()].load(Ordering::Relaxed)
    }

    /// The count over every queue.
    pub fn total(&self) -> u64 {
        Queue::ALL.iter().map(|q| self.get(*q)).sum()
    }
}

/// Why a message was parked as a dead letter (the summary's breakdown; the
/// dead letter itself carries the full reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadReason {
    /// A fetch failed on every attempt (timeouts, 5xx, 429...).
    RetriesUsedUp,
    /// Its host was given up (`--once` only).
    HostGivenUp,
    /// Its address is private and not allowed (`fetch.allow_private_networks`).
    AddressRefused,
    /// Its body is over `fetch.max_body_bytes`.
    TooLarge,
    /// A redirect the crawl does not follow (out of scope, loop, too many,
    /// not http).
    BadRedirect,
    /// The fetched body could not be read back (parser).
    Unreadable,
    /// The extractor failed on the page.
    ExtractorFailed,
    /// The message could not be encoded or decoded.
    Codec,
}

impl DeadReason {
    /// Every reason, in label order.
    pub const ALL: [DeadReason; 8] = [
        DeadReason::RetriesUsedUp,
        DeadReason::HostGivenUp,
        DeadReason::AddressRefused,
        DeadReason::TooLarge,
        DeadReason::BadRedirect,
        DeadReason::Unreadable,
        DeadReason::ExtractorFailed,
        DeadReason::Codec,
    ];

    /// A short label: `retries_used_up`, `host_given_up`, ...
    pub fn label(self) -> &'static str {
        match self {
            DeadReason::RetriesUsedUp => "retries_used_up",
            DeadReason::HostGivenUp => "host_given_up",
            DeadReason::AddressRefused => "address_refused",
            DeadReason::TooLarge => "too_large",
            DeadReason::BadRedirect => "bad_redirect",
            DeadReason::Unreadable => "unreadable",
            DeadReason::ExtractorFailed => "extractor_failed",
            DeadReason::Codec => "codec",
        }
    }
}

/// One counter per [`DeadReason`].
#[derive(Debug, Default)]
pub struct ByDeadReason([AtomicU64; 8]);

impl ByDeadReason {
    /// Dead letters parked for `reason` so far.
    pub fn get(&self, reason: DeadReason) -> u64 {
        self.0[reason as usize].load(Ordering::Relaxed)
    }
}

/// A histogram of durations with fixed bucket bounds, lock-free.
#[derive(Debug)]
pub struct DurationHistogram {
    /// Upper bounds in seconds, ascending.
    bounds: &'static [f64],
    /// Observations per bucket (not cumulative); the last one is above every bound.
    counts: Vec<AtomicU64>,
    /// Sum of the observations in microseconds.
    sum_micros: AtomicU64,
}

/// A histogram's state at one moment, as Prometheus exposes it.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramSnapshot {
    /// Sum of the observations in seconds.
    pub sum_secs: f64,
    /// Number of observations.
    pub count: u64,
    /// (upper bound in seconds, observations above the previous bound and at
    /// or below this one), ascending, the last bound `f64::INFINITY`.
    pub buckets: Vec<(f64, u64)>,
}

impl DurationHistogram {
    /// An empty histogram with these upper bounds (seconds, ascending).
    pub fn new(bounds: &'static [f64]) -> Self {
        DurationHistogram {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
        }
    }

    /// Records one duration.
    pub fn observe(&self, duration: Duration) {
        let secs = duration.as_secs_f64();
        let bucket = self.bounds.partition_point(|bound| *bound < secs);
        self.counts[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The observations so far.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let upper = self.bounds.iter().copied().chain([f64::INFINITY]);
        let buckets: Vec<(f64, u64)> = upper
            .zip(&self.counts)
            .map(|(bound, count)| (bound, count.load(Ordering::Relaxed)))
            .collect();
        HistogramSnapshot {
            sum_secs: self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
            count: buckets.iter().map(|(_, n)| n).sum(),
            buckets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_include_their_upper_bound() {
        let h = DurationHistogram::new(&[0.1, 1.0]);
        h.observe(Duration::from_millis(100));
        h.observe(Duration::from_millis(500));
        h.observe(Duration::from_secs(3));
        let s = h.snapshot();
        assert_eq!(s.count, 3);
        assert_eq!(s.buckets, vec![(0.1, 1), (1.0, 1), (f64::INFINITY, 1)]);
        assert!((s.sum_secs - 3.6).abs() < 1e-9, "{}", s.sum_secs);
    }

    #[test]
    fn status_classes() {
        assert_eq!(FetchClass::of_status(204), FetchClass::Success);
        assert_eq!(FetchClass::of_status(304), FetchClass::Redirection);
        assert_eq!(FetchClass::of_status(404), FetchClass::ClientError);
        assert_eq!(FetchClass::of_status(503), FetchClass::ServerError);
        let stats = CrawlStats::default();
        stats.fetches.count(FetchClass::ClientError);
        stats.fetches.count(FetchClass::Success);
        stats.fetches.count(FetchClass::Failed);
        assert_eq!(stats.fetches.total(), 3);
        assert_eq!(stats.fetch_errors(), 2);
    }

    #[test]
    fn dead_letters_count_by_queue_and_reason() {
        let stats = CrawlStats::default();
        stats.dead_lettered(Queue::Fetch, DeadReason::RetriesUsedUp);
        stats.dead_lettered(Queue::Fetch, DeadReason::RetriesUsedUp);
        stats.dead_lettered(Queue::Pages, DeadReason::Codec);
        assert_eq!(stats.dead_letters.get(Queue::Fetch), 2);
        assert_eq!(stats.dead_letters.total(), 3);
        assert_eq!(stats.dead_letter_reasons.get(DeadReason::RetriesUsedUp), 2);
        assert_eq!(stats.dead_letter_reasons.get(DeadReason::Codec), 1);
        assert_eq!(stats.dead_letter_reasons.get(DeadReason::TooLarge), 0);
        let labels: std::collections::BTreeSet<_> =
            DeadReason::ALL.iter().map(|r| r.label()).collect();
        assert_eq!(labels.len(), DeadReason::ALL.len());
        assert!(
            DeadReason::ALL
                .iter()
                .enumerate()
                .all(|(i, r)| *r as usize == i)
        );
    }
}
