//! Live counters of a crawl, shared by the roles of one process and read by
//! the progress display and the final summary.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters updated by the roles as they work.
#[derive(Debug, Default)]
pub struct CrawlStats {
    /// Pages fetched with a 2xx answer.
    pub pages_fetched: AtomicU64,
    /// Bytes of bodies received.
    pub bytes_fetched: AtomicU64,
    /// Articles the parsers extracted and handed to their sink.
    pub articles_extracted: AtomicU64,
    /// URLs scheduled for fetching by the frontier.
    pub urls_scheduled: AtomicU64,
    /// New URLs the frontier dropped because their host's page budget
    /// (`[site] max_pages_per_host`) was spent.
    pub over_host_budget: AtomicU64,
    /// Fetches that ended in an error answer or a transport failure.
    pub fetch_errors: AtomicU64,
    /// URLs robots.txt forbade.
    pub robots_denied: AtomicU64,
    /// Messages parked as dead letters.
    pub dead_letters: AtomicU64,
    /// Pages the parser could not use.
    pub parse_errors: AtomicU64,
    /// Requests and last errors per host (fetchers).
    pub hosts: crate::control::HostLog,
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

    /// All errors: fetch failures, dead letters and unusable pages.
    pub fn errors(&self) -> u64 {
        Self::get(&self.fetch_errors)
            + Self::get(&self.dead_letters)
            + Self::get(&self.parse_errors)
    }
}
