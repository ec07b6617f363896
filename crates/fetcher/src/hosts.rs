//! Per-host politeness: a governor rate limiter and a concurrency limit for
//! each host, created on first use and evicted when idle.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use moka::future::Cache;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use newshound_core::config::Politeness;

/// One host's gate.
struct HostGate {
    period: Duration,
    limiter: DefaultDirectRateLimiter,
    slots: Arc<Semaphore>,
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

    fn gate(&self, period: Duration) -> Arc<HostGate> {
        // `period` is at least 1 µs, so `with_period` always gives a quota.
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(self.burst);
        Arc::new(HostGate {
            period,
            limiter: RateLimiter::direct(quota),
            slots: Arc::new(Semaphore::new(self.per_host)),
        })
    }

    /// Waits for a free slot and a rate-limit cell for `host`. A robots.txt
    /// `Crawl-delay` can only make the rate slower than configured, never faster.
    /// The returned permit holds the slot until dropped.
    pub(crate) async fn enter(
        &self,
        host: &str,
        crawl_delay: Option<Duration>,
    ) -> Option<OwnedSemaphorePermit> {
        let period = crawl_delay.map_or(self.period, |d| d.max(self.period));
        let mut gate = self
            .gates
            .get_with(host.to_string(), async { self.gate(period) })
            .await;
        if gate.period < period {
            gate = self.gate(period);
            self.gates.insert(host.to_string(), gate.clone()).await;
        }
        // The semaphore is never closed; `None` would only mean no slot limit.
        let permit = gate.slots.clone().acquire_owned().await.ok();
        gate.limiter.until_ready().await;
        permit
    }
}
