//! Hosts that keep failing: unreachable, or their robots.txt unavailable.
//!
//! A failing host is logged once, with the cause, when it starts failing,
//! and once when it recovers. A continuous crawl keeps trying it (held
//! longer each time, up to an hour); a `--once` run gives it up after
//! `fetch.give_up_after_secs`, and its jobs are dead-lettered at once from
//! then on, naming the host and the cause, so the run ends.

use moka::sync::Cache;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Most failing hosts tracked at once; past it the oldest entries go.
const CAPACITY: usize = 100_000;

/// Since when, and why, a host has been failing.
#[derive(Clone, Debug)]
struct Failing {
    since: Instant,
    failures: u32,
    reason: String,
}

/// What a failure means for the job that met it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Keep trying; `failures` in a row so far.
    Keep {
        /// Consecutive failures of the host, this one included.
        failures: u32,
    },
    /// The host is given up: the reason, for the dead letter.
    GivenUp(String),
}

/// The failing hosts of one fetcher, and the one-time warnings.
pub(crate) struct HostHealth {
    failing: Mutex<HashMap<String, Failing>>,
    given_up: Mutex<HashMap<String, String>>,
    give_up_after: Option<Duration>,
    warned: Cache<String, ()>,
}

impl HostHealth {
    /// Tracking for a crawl that gives a host up after `give_up_after`
    /// (`None`: never, a continuous crawl).
    pub(crate) fn new(give_up_after: Option<Duration>) -> Self {
        HostHealth {
            failing: Mutex::new(HashMap::new()),
            given_up: Mutex::new(HashMap::new()),
            give_up_after,
            warned: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(3600))
                .build(),
        }
    }

    /// Why `host` was given up, if it was.
    pub(crate) fn given_up(&self, host: &str) -> Option<String> {
        let given_up = self.given_up.lock().unwrap_or_else(PoisonError::into_inner);
        given_up.get(host).cloned()
    }

    /// Records a failure of `host`, met at `url`, for `reason` (the cause).
    pub(crate) fn failed(&self, host: &str, url: &url::Url, reason: &str) -> Outcome {
        let mut failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        if failing.len() >= CAPACITY && !failing.contains_key(host) {
            failing.clear();
        }
        let entry = failing.entry(host.to_string()).or_insert_with(|| {
            tracing::warn!(%host, %url, %reason, "Host failing; its URLs are retried later");
            Failing {
                since: Instant::now(),
                failures: 0,
                reason: reason.to_string(),
            }
        });
        entry.failures = entry.failures.saturating_add(1);
        entry.reason = reason.to_string();
        let Some(limit) = self.give_up_after else {
            return Outcome::Keep {
                failures: entry.failures,
            };
        };
        let failed_for = entry.since.elapsed();
        if failed_for < limit {
            return Outcome::Keep {
                failures: entry.failures,
            };
        }
        let why = format!(
            "host {host} given up after failing for {:.0} s: {reason}",
            failed_for.as_secs_f64()
        );
        tracing::warn!(%host, reason = %why, "Host given up for this run");
        let mut given_up = self.given_up.lock().unwrap_or_else(PoisonError::into_inner);
        given_up.insert(host.to_string(), why.clone());
        Outcome::GivenUp(why)
    }

    /// Hosts failing now and not given up: held, their jobs put off.
    pub(crate) fn held(&self) -> u64 {
        let failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        let given_up = self.given_up.lock().unwrap_or_else(PoisonError::into_inner);
        failing
            .keys()
            .filter(|h| !given_up.contains_key(*h))
            .count() as u64
    }

    /// Records that `host` answered; true if it was failing until now.
    pub(crate) fn ok(&self, host: &str) -> bool {
        let mut failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(was) = failing.remove(host) else {
            return false;
        };
        tracing::info!(
            %host,
            failed_for_secs = was.since.elapsed().as_secs(),
            "Host answering again"
        );
        true
    }

    /// Whether a warning of `kind` about `host` is due: true once an hour.
    pub(crate) fn first_warning(&self, host: &str, kind: &str) -> bool {
        let key = format!("{kind}\u{0}{host}");
        let entry = self.warned.entry(key).or_insert(());
        entry.is_fresh()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> url::Url {
        url::Url::parse("http://a:1/x").expect("url")
    }

    #[test]
    fn a_continuous_crawl_keeps_counting() {
        let h = HostHealth::new(None);
        for n in 1..=3 {
            assert_eq!(
                h.failed("a:1", &url(), "refused"),
                Outcome::Keep { failures: n }
            );
        }
        h.ok("a:1");
        assert_eq!(
            h.failed("a:1", &url(), "refused"),
            Outcome::Keep { failures: 1 }
        );
        assert_eq!(h.given_up("a:1"), None);
    }

    #[test]
    fn a_once_run_gives_up_after_the_limit() {
        let h = HostHealth::new(Some(Duration::from_millis(50)));
        assert_eq!(
            h.failed("a:1", &url(), "refused"),
            Outcome::Keep { failures: 1 }
        );
        std::thread::sleep(Duration::from_millis(60));
        let Outcome::GivenUp(why) = h.failed("a:1", &url(), "connection refused") else {
            panic!("not given up");
        };
        assert!(
            why.contains("a:1") && why.contains("connection refused"),
            "{why}"
        );
        assert_eq!(h.given_up("a:1"), Some(why));
        assert_eq!(h.given_up("b:1"), None);
    }

    #[test]
    fn warnings_are_due_once() {
        let h = HostHealth::new(None);
        assert!(h.first_warning("a:1", "crawl-delay"));
        assert!(!h.first_warning("a:1", "crawl-delay"));
        assert!(h.first_warning("a:1", "retry-after"));
        assert!(h.first_warning("b:1", "crawl-delay"));
    }
}
