//! The consume loop every role runs: take deliveries, handle up to
//! `concurrency` at once, stop taking new ones on shutdown and wait for the
//! ones in hand to be settled.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::backend::{BackendError, Consumer, Delivery};
use crate::report::error_chain;
use crate::shutdown::Shutdown;

/// Runs `handle` on each delivery of `consumer` until shutdown or until the
/// backend closes. Every handler settles its own delivery. Backend errors
/// while consuming are logged and retried with backoff: a role waits for its
/// backend to come back instead of exiting.
pub async fn drive<F, Fut>(
    mut consumer: Box<dyn Consumer>,
    concurrency: usize,
    shutdown: &Shutdown,
    handle: F,
) where
    F: Fn(Delivery) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut backoff = Duration::from_millis(100);
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
                tracing::warn!(error = %error_chain(&e), retry_in_ms = backoff.as_millis() as u64, "Consume failed");
                tokio::select! {
                    _ = shutdown.wait() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
            Some(Ok(delivery)) => {
                backoff = Duration::from_millis(100);
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
