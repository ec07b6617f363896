//! The consume loop every role runs: take deliveries, handle up to
//! `concurrency` at once, stop taking new ones on shutdown and wait for the
//! ones in hand to be settled.

use backon::{BackoffBuilder, ExponentialBuilder};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::backend::{BackendError, Consumer};
use crate::report::error_chain;
use crate::shutdown::Shutdown;

/// First wait before consuming again after a backend error.
const CONSUME_RETRY: Duration = Duration::from_millis(100);
/// Longest wait before consuming again.
const CONSUME_RETRY_MAX: Duration = Duration::from_secs(10);

/// The delay before retry number `attempt` (1 for the first): `base`,
/// doubling with each attempt, at most `max`, in whole milliseconds. The
/// fetcher's retries and host holds and every role's consume loop back off
/// this way; the broker's reconnections take the same schedule from backon
/// with jitter added.
pub fn backoff(base: Duration, attempt: u32, max: Duration) -> Duration {
    /// Doublings past which every delay is `max` for any `base` of a
    /// millisecond or more and `max` under a month (2^32 ms is 49 days).
    const MOST: usize = 32;
    let n = usize::try_from(attempt.saturating_sub(1)).map_or(MOST, |n| n.min(MOST));
    let delay = ExponentialBuilder::default()
        .with_min_delay(base)
        .with_max_delay(max)
        .with_factor(2.0)
        .without_max_times()
        .build()
        .nth(n)
        .unwrap_or(max)
        .min(max);
    // backon multiplies in f32: 400.000006 ms is 400 ms.
    Duration::from_millis((delay.as_secs_f64() * 1000.0).round() as u64)
}

/// Logs a delivery that could not be settled (acked, retried or
/// dead-lettered), naming `what` it carried. Nothing is lost: an unsettled
/// delivery comes back (at-least-once) and each role's output absorbs the
/// repeat.
pub fn log_unsettled(result: Result<(), BackendError>, what: &str) {
    if let Err(e) = result {
        tracing::warn!(error = %error_chain(&e), "Could not settle {what}");
    }
}

/// Runs `handle` on each delivery of `consumer` until shutdown or until the
/// backend closes. Every handler settles its own delivery. Backend errors
/// while consuming are logged and retried with backoff: a role waits for its
/// backend to come back instead of exiting.
pub async fn drive<T, F, Fut>(
    mut consumer: Box<dyn Consumer<T>>,
    concurrency: usize,
    shutdown: &Shutdown,
    handle: F,
) where
    T: Send,
    F: Fn(T) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut failures = 0u32;
    loop {
        while tasks.try_join_next().is_some() {}
        let slot = tokio::select! {
            biased;
            _ = shutdown.wait() => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let next = tokio::select! {
            biased;
            _ = shutdown.wait() => break,
            next = consumer.next() => next,
        };
        match next {
            None => break,
            Some(Err(BackendError::Closed)) => break,
            Some(Err(e)) => {
                failures = failures.saturating_add(1);
                let delay = backoff(CONSUME_RETRY, failures, CONSUME_RETRY_MAX);
                tracing::warn!(error = %error_chain(&e), retry_in_ms = delay.as_millis() as u64, "Consume failed");
                tokio::select! {
                    _ = shutdown.wait() => break,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
            Some(Ok(delivery)) => {
                failures = 0;
                let work = handle(delivery);
                tasks.spawn(async move {
                    work.await;
                    drop(slot);
                });
            }
        }
    }
    while tasks.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let ms = Duration::from_millis;
        let hour = Duration::from_secs(3600);
        let delays: Vec<Duration> = (0..=4).map(|a| backoff(ms(200), a, hour)).collect();
        assert_eq!(delays, [ms(200), ms(200), ms(400), ms(800), ms(1600)]);
        let odd: Vec<Duration> = (1..=4).map(|a| backoff(ms(333), a, hour)).collect();
        assert_eq!(odd, [ms(333), ms(666), ms(1332), ms(2664)]);
        assert_eq!(backoff(ms(200), 30, hour), hour);
        assert_eq!(backoff(ms(200), u32::MAX, hour), hour);
        assert_eq!(backoff(Duration::ZERO, 5, hour), Duration::ZERO);
        assert_eq!(
            backoff(ms(100), 10, Duration::from_secs(10)),
            Duration::from_secs(10)
        );
    }
}
