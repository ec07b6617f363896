//! [`JobQueue`] on the embedded store.

use async_trait::async_trait;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::store::{EmbeddedStore, queue_index};
use crate::writer::{Op, Settlement};
use newshound_core::backend::{QueueDepth, Settle};
use newshound_core::{BackendError, Consumer, Delivery, JobQueue, Message, Queue};

/// How long an idle consumer sleeps before looking for due retries.
const IDLE_POLL: Duration = Duration::from_millis(200);

#[async_trait]
impl JobQueue for EmbeddedStore {
    async fn publish(&self, queue: Queue, messages: Vec<Message>) -> Result<(), BackendError> {
        if messages.is_empty() {
            return Ok(());
        }
        let q = queue_index(queue);
        self.call(|reply| Op::Publish {
            queue: q,
            messages,
            reply,
        })
        .await
    }

    async fn consume(
        &self,
        queue: Queue,
        prefetch: u16,
    ) -> Result<Box<dyn Consumer>, BackendError> {
        Ok(Box::new(EmbeddedConsumer {
            store: self.clone(),
            queue,
            permits: Arc::new(Semaphore::new(usize::from(prefetch.max(1)))),
            buffer: VecDeque::new(),
        }))
    }

    async fn depth(&self, queue: Queue) -> Result<QueueDepth, BackendError> {
        Ok(self.shared.depth(queue))
    }
}

/// Takes messages in batches, holding a permit per unsettled delivery so that
/// at most `prefetch` are out at once.
struct EmbeddedConsumer {
    store: EmbeddedStore,
    queue: Queue,
    permits: Arc<Semaphore>,
    buffer: VecDeque<Delivery>,
}

#[async_trait]
impl Consumer for EmbeddedConsumer {
    async fn next(&mut self) -> Option<Result<Delivery, BackendError>> {
        loop {
            if let Some(d) = self.buffer.pop_front() {
                return Some(Ok(d));
            }
            let first = match self.permits.clone().acquire_owned().await {
                Ok(p) => p,
                Err(_) => return None,
            };
            let mut permits = vec![first];
            while let Ok(p) = self.permits.clone().try_acquire_owned() {
                permits.push(p);
            }
            let waker = self.store.shared.waker(self.queue);
            let notified = waker.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let q = queue_index(self.queue);
            let max = permits.len();
            let popped = match self
                .store
                .call(|reply| Op::Pop {
                    queue: q,
                    max,
                    reply,
                })
                .await
            {
                Ok(items) => items,
                Err(BackendError::Closed) => return None,
                Err(e) => return Some(Err(e)),
            };
            if popped.is_empty() {
                drop(permits);
                tokio::select! {
                    _ = &mut notified => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
                continue;
            }
            for ((seq, stored), permit) in popped.into_iter().zip(permits) {
                let settle = EmbeddedSettle {
                    store: self.store.clone(),
                    queue: q,
                    seq,
                    _permit: permit,
                };
                self.buffer.push_back(Delivery::new(
                    stored.payload,
                    stored.attempt,
                    stored.redelivered,
                    Box::new(settle),
                ));
            }
        }
    }
}

/// Settles one embedded delivery; its permit is released when it is dropped.
struct EmbeddedSettle {
    store: EmbeddedStore,
    queue: u8,
    seq: u64,
    _permit: OwnedSemaphorePermit,
}

impl EmbeddedSettle {
    async fn settle(&self, how: Settlement) -> Result<(), BackendError> {
        let (queue, seq) = (self.queue, self.seq);
        self.store
            .call(|reply| Op::Settle {
                queue,
                seq,
                how,
                reply,
            })
            .await
    }
}

#[async_trait]
impl Settle for EmbeddedSettle {
    async fn ack(&self) -> Result<(), BackendError> {
        self.settle(Settlement::Ack).await
    }
    async fn requeue(&self) -> Result<(), BackendError> {
        self.settle(Settlement::Requeue).await
    }
    async fn retry_after(&self, delay: Duration) -> Result<(), BackendError> {
        self.settle(Settlement::Retry(delay)).await
    }
    async fn defer(&self, delay: Duration) -> Result<(), BackendError> {
        self.settle(Settlement::Defer(delay)).await
    }
    async fn dead_letter(&self, reason: &str) -> Result<(), BackendError> {
        self.settle(Settlement::Dead(reason.to_string())).await
    }
}
