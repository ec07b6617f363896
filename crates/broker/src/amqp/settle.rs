//! [`Settle`] for AMQP deliveries: ack and requeue on the delivery's own
//! channel; retry and dead-letter publish a copy (confirmed), then ack.

use async_trait::async_trait;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use lapin::types::{AMQPValue, LongString};
use lapin::{Acker, BasicProperties};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::connection::{Link, Outgoing};
use super::topology::{ATTEMPT_HEADER, REASON_HEADER, retry_bucket};
use crate::error::BrokerError;
use newshound_core::backend::Settle;
use newshound_core::{BackendError, Queue};

/// Settles one delivery on the channel it came from.
pub(crate) struct AmqpSettle {
    pub(crate) link: Arc<Link>,
    pub(crate) queue: Queue,
    /// The queue (partition) it was consumed from.
    pub(crate) work_queue: Arc<str>,
    pub(crate) acker: Acker,
    pub(crate) payload: Vec<u8>,
    pub(crate) properties: BasicProperties,
    pub(crate) attempt: u32,
    /// Cleared when this consumer stops being the work queue's consumer.
    pub(crate) assigned: Arc<AtomicBool>,
    /// The number of that assignment (unique in this process).
    pub(crate) assignment: u64,
}

impl AmqpSettle {
    /// What settling it does, for an error: "acking a delivery of queue
    /// fetch".
    fn doing(&self, settling: &str) -> String {
        format!("{settling} a delivery of queue {}", self.queue.name())
    }

    /// The delivery's channel is gone, so it cannot be settled.
    fn stale(&self, settling: &str) -> BackendError {
        BackendError::unavailable(
            self.doing(settling),
            "the delivery's RabbitMQ channel is closed; it will be redelivered",
        )
    }

    /// Publishes a copy (confirmed) with `headers` added, then acks;
    /// `settling` says which settlement this is, for an error.
    async fn forward(
        &self,
        settling: &str,
        exchange: String,
        routing_key: String,
        headers: &[(&str, AMQPValue)],
    ) -> Result<(), BackendError> {
        if !self.acker.usable() {
            return Err(self.stale(settling));
        }
        let mut table = self.properties.headers().clone().unwrap_or_default();
        for (k, v) in headers {
            table.insert((*k).into(), v.clone());
        }
        let out = Outgoing {
            exchange,
            routing_key,
            payload: &self.payload,
            properties: self.properties.clone().with_headers(table),
        };
        let session = self
            .link
            .session()
            .await
            .map_err(|e| e.into_backend(self.doing(settling)))?;
        Link::publish_on(&session, std::slice::from_ref(&out))
            .await
            .map_err(|e| e.into_backend(self.doing(settling)))?;
        self.ack().await
    }
}

#[async_trait]
impl Settle for AmqpSettle {
    fn handed_over(&self) -> bool {
        !self.assigned.load(Ordering::Acquire)
    }

    fn assignment(&self) -> u64 {
        self.assignment
    }

    async fn ack(&self) -> Result<(), BackendError> {
        match self.acker.ack(BasicAckOptions::default()).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.stale("acking")),
            Err(e) => Err(BrokerError::amqp("ack", e).into_backend(self.doing("acking"))),
        }
    }

    async fn requeue(&self) -> Result<(), BackendError> {
        let options = BasicNackOptions {
            multiple: false,
            requeue: true,
        };
        match self.acker.nack(options).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.stale("requeueing")),
            Err(e) => Err(BrokerError::amqp("requeue", e).into_backend(self.doing("requeueing"))),
        }
    }

    async fn retry_after(&self, delay: Duration) -> Result<(), BackendError> {
        let topology = &self.link.topology;
        let next = i64::from(self.attempt.saturating_add(1));
        self.forward(
            "retrying",
            topology.retry_exchange(retry_bucket(delay)),
            self.work_queue.to_string(),
            &[(ATTEMPT_HEADER, AMQPValue::LongLongInt(next))],
        )
        .await
    }

    async fn defer(&self, delay: Duration) -> Result<(), BackendError> {
        let topology = &self.link.topology;
        let same = i64::from(self.attempt);
        self.forward(
            "deferring",
            topology.retry_exchange(retry_bucket(delay)),
            self.work_queue.to_string(),
            &[(ATTEMPT_HEADER, AMQPValue::LongLongInt(same))],
        )
        .await
    }

    async fn dead_letter(&self, reason: &str) -> Result<(), BackendError> {
        let topology = &self.link.topology;
        self.forward(
            "dead-lettering",
            topology.dead_exchange(),
            self.queue.name().to_string(),
            &[
                (
                    REASON_HEADER,
                    AMQPValue::LongString(LongString::from(reason)),
                ),
                (
                    ATTEMPT_HEADER,
                    AMQPValue::LongLongInt(i64::from(self.attempt)),
                ),
            ],
        )
        .await
    }
}

/// An integer header as u32 (any AMQP integer type; `None` when absent or
/// out of range).
pub(crate) fn header_u32(properties: &BasicProperties, name: &str) -> Option<u32> {
    let value = properties.headers().as_ref()?.inner().get(name)?;
    let n: i64 = match value {
        AMQPValue::ShortShortInt(v) => i64::from(*v),
        AMQPValue::ShortShortUInt(v) => i64::from(*v),
        AMQPValue::ShortInt(v) => i64::from(*v),
        AMQPValue::ShortUInt(v) => i64::from(*v),
        AMQPValue::LongInt(v) => i64::from(*v),
        AMQPValue::LongUInt(v) => i64::from(*v),
        AMQPValue::LongLongInt(v) => *v,
        _ => return None,
    };
    u32::try_from(n).ok()
}
