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
    burst: NonZeroU32,
    limiter: HostLimiter,
    slots: Arc<Semaphore>,
    /// The queue assignment this fetcher last paced the host under.
    assignment: AtomicU64,
}

/// How fast a host may be fetched: the configured politeness, unless an
/// operator set a rate for it; a robots.txt `Crawl-delay` only slows it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pace {
    /// Time between two requests.
    pub period: Duration,
    /// Requests that may go at once after an idle spell.
    pub burst: NonZeroU32,
    /// Requests in flight at once.
    pub concurrency: usize,
}

impl Pace {
    /// The pace `p` configures, or the operator's `rate` (requests per
    /// second, with a burst of at most one second's worth).
    pub(crate) fn new(p: &Politeness, rate: Option<f64>) -> Pace {
        let (rps, burst) = match rate {
            Some(rps) => (rps, p.burst.min(rps.ceil() as u32)),
            None => (p.requests_per_second, p.burst),
        };
        // Rates are validated (at least one a day); a slower one is read
        // as one a day rather than overflowing the period.
        let period = Duration::try_from_secs_f64(1.0 / rps)
            .unwrap_or(MAX_PERIOD)
            .clamp(Duration::from_micros(1), MAX_PERIOD);
        Pace {
            period,
            burst: NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN),
            concurrency: p.max_concurrent_per_host,
        }
    }

    /// This pace, slowed to `crawl_delay` when that is longer (no burst).
    fn with_crawl_delay(self, crawl_delay: Option<Duration>) -> Pace {
        match crawl_delay {
            Some(delay) if delay > self.period => Pace {
                period: delay,
                burst: NonZeroU32::MIN,
                ..self
            },
            _ => self,
        }
    }
}

/// The longest time between two requests to a host: a day.
const MAX_PERIOD: Duration = Duration::from_secs(86_400);

/// Gates for every host seen recently.
pub(crate) struct Hosts {
    gates: Cache<String, Arc<HostGate>>,
}

impl Hosts {
    pub(crate) fn new() -> Self {
        Hosts {
            gates: Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(600))
                .build(),
        }
    }

    fn gate(pace: Pace, assignment: u64) -> Arc<HostGate> {
        // `period` is at least 1 µs, so `with_period` always gives a quota.
        let quota = Quota::with_period(pace.period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(pace.burst);
        let limiter = RateLimiter::direct_with_clock(quota, MonotonicClock);
        // Spend the burst: always possible on a fresh limiter of this quota.
        let _ = limiter.check_n(pace.burst);
        Arc::new(HostGate {
            period: pace.period,
            burst: pace.burst,
            limiter,
            slots: Arc::new(Semaphore::new(pace.concurrency.max(1))),
            assignment: AtomicU64::new(assignment),
        })
    }

    /// Waits for a free slot and a rate-limit cell for `host` at `pace`
    /// (slowed by a robots.txt `Crawl-delay`, which then allows no burst).
    /// A host whose pace changed (reloaded config, operator's rate, newly
    /// learnt crawl delay) gets a new gate, its burst spent. The returned
    /// permit holds the slot until dropped.
    ///
    /// `assignment` is the job's [`newshound_core::Delivery::assignment`]:
    /// when it differs from the one the host was last paced under, another
    /// fetcher may have paced the host meanwhile, so the burst saved up
    /// since is spent first.
    pub(crate) async fn enter(
        &self,
        host: &str,
        pace: Pace,
        crawl_delay: Option<Duration>,
        assignment: u64,
    ) -> Option<OwnedSemaphorePermit> {
        let pace = pace.with_crawl_delay(crawl_delay);
        let mut gate = self
            .gates
            .get_with(host.to_string(), async { Self::gate(pace, assignment) })
            .await;
        if gate.period != pace.period || gate.burst != pace.burst {
            gate = Self::gate(pace, assignment);
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

    fn politeness(requests_per_second: f64, burst: u32) -> Politeness {
        Politeness {
            user_agent: "newshound/0.1".into(),
            requests_per_second,
            burst,
            max_concurrent_per_host: 8,
            obey_robots: true,
        }
    }

    /// Gates at a fixed pace.
    struct Fixed(Hosts, Pace);

    impl Fixed {
        async fn enter(
            &self,
            host: &str,
            crawl_delay: Option<Duration>,
            assignment: u64,
        ) -> Option<OwnedSemaphorePermit> {
            self.0.enter(host, self.1, crawl_delay, assignment).await
        }
    }

    fn hosts(requests_per_second: f64, burst: u32) -> Fixed {
        Fixed(
            Hosts::new(),
            Pace::new(&politeness(requests_per_second, burst), None),
        )
    }

    /// Time taken by `n` requests to one host.
    async fn time(hosts: &Fixed, n: usize, crawl_delay: Option<Duration>) -> Duration {
        let started = Instant::now();
        for _ in 0..n {
            drop(hosts.enter("127.0.0.1:1", crawl_delay, 0).await);
        }
        started.elapsed()
    }

    /// How many of up to `n` requests to one host go at once, without
    /// waiting for the limiter: each `enter` is polled once and the count
    /// stops at the first that would wait (dropped unfinished, it takes no
    /// cell). A count, not a duration: governor paces on its own clock
    /// (`MonotonicClock`, waits on `futures-timer`), which tokio's paused
    /// clock does not drive, and a loaded machine only adds cells here.
    fn ready_at_once(hosts: &Fixed, n: usize, crawl_delay: Option<Duration>) -> usize {
        use futures::FutureExt;
        (0..n)
            .take_while(|_| {
                hosts
                    .enter("127.0.0.1:1", crawl_delay, 0)
                    .now_or_never()
                    .is_some()
            })
            .count()
    }

    #[test]
    fn a_longer_crawl_delay_sets_the_period_and_drops_the_burst() {
        let pace = Pace::new(&politeness(100.0, 5), None);
        assert_eq!(pace.period, Duration::from_millis(10));
        assert_eq!(pace.burst.get(), 5);
        let slowed = pace.with_crawl_delay(Some(Duration::from_millis(300)));
        assert_eq!(slowed.period, Duration::from_millis(300));
        assert_eq!(slowed.burst.get(), 1);
        assert_eq!(slowed.concurrency, pace.concurrency);
        for shorter in [None, Some(Duration::ZERO), Some(Duration::from_millis(10))] {
            let same = pace.with_crawl_delay(shorter);
            assert_eq!((same.period, same.burst), (pace.period, pace.burst));
        }
    }

    #[test]
    fn absurd_rates_give_a_bounded_period() {
        let p = politeness(1.0, 1);
        for rps in [1e-30, 0.0, -1.0, f64::NAN, f64::INFINITY, 1e30] {
            let pace = Pace::new(&p, Some(rps));
            assert!(pace.period >= Duration::from_micros(1), "{rps}");
            assert!(pace.period <= MAX_PERIOD, "{rps}");
        }
    }

    #[tokio::test]
    async fn a_new_host_starts_with_its_burst_spent() {
        // 10/s with a burst of 5: a new host still waits 0.1 s per request.
        let h = hosts(10.0, 5);
        let took = time(&h, 3, None).await;
        assert!(took >= Duration::from_millis(250), "{took:?}");
        // Once idle (0.5 s refills 5 cells), the whole burst goes at once.
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(ready_at_once(&h, 5, None), 5);
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
        // Configured: 100/s with a burst of 5: after 50 ms idle, 5 requests
        // go at once.
        let h = hosts(100.0, 5);
        drop(h.enter("127.0.0.1:1", None, 0).await);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(ready_at_once(&h, 5, None), 5);
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
    async fn an_operator_rate_replaces_the_configured_one() {
        // Configured: 100/s with a burst of 5; the operator sets 4/s, whose
        // burst is at most one second's worth (4).
        let h = Hosts::new();
        let p = politeness(100.0, 5);
        drop(h.enter("127.0.0.1:1", Pace::new(&p, None), None, 0).await);
        let slow = Pace::new(&p, Some(4.0));
        assert_eq!(slow.burst.get(), 4);
        let started = Instant::now();
        for _ in 0..3 {
            drop(h.enter("127.0.0.1:1", slow, None, 0).await);
        }
        assert!(
            started.elapsed() >= Duration::from_millis(450),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_crawl_delay_learnt_later_slows_a_known_host() {
        let h = hosts(100.0, 5);
        drop(h.enter("127.0.0.1:1", None, 0).await);
        let took = time(&h, 3, Some(Duration::from_millis(300))).await;
        assert!(took >= Duration::from_millis(550), "{took:?}");
    }
}
