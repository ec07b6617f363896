//! Per-host politeness: a governor rate limiter and a concurrency limit for
//! each host, created on first use and evicted when idle.
//!
//! A new limiter starts with its burst spent: a host that another fetcher
//! paced until a moment ago (a handed-over fetch partition) gets no second
//! burst, so the rate plus one burst holds in any window across fetchers.

use governor::clock::MonotonicClock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use moka::future::Cache;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use newshound_core::config::Politeness;

/// A rate limiter on the monotonic clock, the one tokio's timers use
/// (governor's default TSC-based clock can disagree with it on a loaded
/// virtual machine).
type HostLimiter =
    RateLimiter<NotKeyed, InMemoryState, MonotonicClock, NoOpMiddleware<std::time::Instant>>;

/// One host's gate.
struct HostGate {
    period: Duration,
    limiter: HostLimiter,
    slots: Arc<Semaphore>,
    /// The queue assignment this fetcher last paced the host under.
    assignment: AtomicU64,
}

/// Gates for every host seen recently.
pub(crate) struct Hosts {
    gates: Cache<String, Arc<HostGate>>,
    period: Duration,
    burst: NonZeroU32,
    per_host: usize,
}

impl Hosts {
    pub(crate) fn new(p: &Politeness) -> Self {
        Hosts {
            gates: Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(600))
                .build(),
            period: Duration::from_secs_f64(1.0 / p.requests_per_second)
                .max(Duration::from_micros(1)),
            burst: NonZeroU32::new(p.burst).unwrap_or(NonZeroU32::MIN),
            per_host: p.max_concurrent_per_host,
        }
    }

    fn gate(&self, period: Duration, burst: NonZeroU32, assignment: u64) -> Arc<HostGate> {
        // `period` is at least 1 µs, so `with_period` always gives a quota.
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        let limiter = RateLimiter::direct_with_clock(quota, MonotonicClock);
        // Spend the burst: always possible on a fresh limiter of this quota.
        let _ = limiter.check_n(burst);
        Arc::new(HostGate {
            period,
            limiter,
            slots: Arc::new(Semaphore::new(self.per_host)),
            assignment: AtomicU64::new(assignment),
        })
    }

    /// Waits for a free slot and a rate-limit cell for `host`. A robots.txt
    /// `Crawl-delay` can only make the rate slower than configured, never
    /// faster; when it does, it is the time between two requests (no burst).
    /// The returned permit holds the slot until dropped.
    ///
    /// `assignment` is the job's [`newshound_core::Delivery::assignment`]:
    /// when it differs from the one the host was last paced under, another
    /// fetcher may have paced the host meanwhile, so the burst saved up
    /// since is spent first.
    pub(crate) async fn enter(
        &self,
        host: &str,
        crawl_delay: Option<Duration>,
        assignment: u64,
    ) -> Option<OwnedSemaphorePermit> {
        let (period, burst) = match crawl_delay {
            Some(delay) if delay > self.period => (delay, NonZeroU32::MIN),
            _ => (self.period, self.burst),
        };
        let mut gate = self
            .gates
            .get_with(host.to_string(), async {
                self.gate(period, burst, assignment)
            })
            .await;
        if gate.period < period {
            gate = self.gate(period, burst, assignment);
            self.gates.insert(host.to_string(), gate.clone()).await;
        }
        if gate.assignment.swap(assignment, Ordering::AcqRel) != assignment {
            // Spend what is left of the burst (at most `burst` cells).
            while gate.limiter.check().is_ok() {}
        }
        // The semaphore is never closed; `None` would only mean no slot limit.
        let permit = gate.slots.clone().acquire_owned().await.ok();
        gate.limiter.until_ready().await;
        permit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn hosts(requests_per_second: f64, burst: u32) -> Hosts {
        Hosts::new(&Politeness {
            user_agent: "newshound/0.1".into(),
            requests_per_second,
            burst,
            max_concurrent_per_host: 8,
            obey_robots: true,
        })
    }

    /// Time taken by `n` requests to one host.
    async fn time(hosts: &Hosts, n: usize, crawl_delay: Option<Duration>) -> Duration {
        let started = Instant::now();
        for _ in 0..n {
            drop(hosts.enter("127.0.0.1:1", crawl_delay, 0).await);
        }
        started.elapsed()
    }

    #[tokio::test]
    async fn a_new_host_starts_with_its_burst_spent() {
        // 10/s with a burst of 5: a new host still waits 0.1 s per request.
        let h = hosts(10.0, 5);
        let took = time(&h, 3, None).await;
        assert!(took >= Duration::from_millis(250), "{took:?}");
        // Once idle, the burst builds up again.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let took = time(&h, 4, None).await;
        assert!(took < Duration::from_millis(150), "{took:?}");
    }

    #[tokio::test]
    async fn a_new_assignment_spends_the_saved_burst() {
        // 10/s with a burst of 5; idle long enough to save the burst up.
        let h = hosts(10.0, 5);
        drop(h.enter("127.0.0.1:1", None, 1).await);
        tokio::time::sleep(Duration::from_millis(600)).await;
        // Handed over and back: another fetcher may have paced the host.
        let started = Instant::now();
        for _ in 0..3 {
            drop(h.enter("127.0.0.1:1", None, 2).await);
        }
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn crawl_delay_tightens_the_rate_and_drops_the_burst() {
        // Configured: 100/s with a burst of 5: 5 requests take about 50 ms.
        let h = hosts(100.0, 5);
        assert!(time(&h, 5, None).await < Duration::from_millis(100));
        // Crawl-delay 0.3 s: one request per 0.3 s, no burst.
        let h = hosts(100.0, 5);
        let took = time(&h, 3, Some(Duration::from_millis(300))).await;
        assert!(took >= Duration::from_millis(550), "{took:?}");
    }

    #[tokio::test]
    async fn crawl_delay_never_loosens_the_rate() {
        // Configured: 4/s, no burst. A Crawl-delay of 10 ms changes nothing.
        let h = hosts(4.0, 1);
        let took = time(&h, 3, Some(Duration::from_millis(10))).await;
        assert!(took >= Duration::from_millis(450), "{took:?}");
        // Nor does it after the host was first seen without one.
        let h = hosts(4.0, 1);
        drop(h.enter("127.0.0.1:1", None, 0).await);
        let took = time(&h, 2, Some(Duration::from_millis(10))).await;
        assert!(took >= Duration::from_millis(450), "{took:?}");
    }

    #[tokio::test]
    async fn a_crawl_delay_learnt_later_slows_a_known_host() {
        let h = hosts(100.0, 5);
        drop(h.enter("127.0.0.1:1", None, 0).await);
        let took = time(&h, 3, Some(Duration::from_millis(300))).await;
        assert!(took >= Duration::from_millis(550), "{took:?}");
    }
}
