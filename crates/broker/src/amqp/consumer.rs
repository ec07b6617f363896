//! [`Consumer`] over one or more work queues (all fetch partitions for
//! `Queue::Fetch`) on a channel of its own, and [`Settle`] for its deliveries.
//!
//! The consumer survives reconnections: when its stream fails it re-attaches
//! to the link's new connection. Deliveries taken from the dead connection
//! can no longer be settled (RabbitMQ redelivers them, marked redelivered).

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::{BoxStream, SelectAll};
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Acker, BasicProperties, Channel};
use std::sync::Arc;
use std::time::Duration;

use super::connection::{Link, Outgoing};
use super::topology::{ATTEMPT_HEADER, REASON_HEADER, retry_bucket};
use crate::error::BrokerError;
use newshound_core::backend::Settle;
use newshound_core::{BackendError, Consumer, Delivery, Queue};

type Incoming = (Arc<str>, lapin::Result<lapin::message::Delivery>);

/// The channel and basic.consume streams of one connection generation.
struct Attached {
    generation: u64,
    channel: Channel,
    stream: SelectAll<BoxStream<'static, Incoming>>,
}

/// Consumes a logical queue with at most `prefetch` unacked deliveries
/// (a channel-wide QoS, shared by the partition consumers).
pub(crate) struct AmqpConsumer {
    link: Arc<Link>,
    queue: Queue,
    prefetch: u16,
    attached: Option<Attached>,
    /// Wait before the next attempt to re-attach after a failed one.
    retry_delay: Duration,
}

/// First wait between failed re-attachments (doubling up to 5 s).
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(100);

impl AmqpConsumer {
    /// Attaches at once, so that start-up errors surface from `consume`.
    pub(crate) async fn start(
        link: Arc<Link>,
        queue: Queue,
        prefetch: u16,
    ) -> Result<AmqpConsumer, BrokerError> {
        let prefetch = prefetch.max(1);
        let attached = attach(&link, queue, prefetch).await?;
        Ok(AmqpConsumer {
            link,
            queue,
            prefetch,
            attached: Some(attached),
            retry_delay: FIRST_RETRY_DELAY,
        })
    }
}

/// Opens a channel on the live session and consumes every work queue of
/// `queue` on it.
async fn attach(link: &Link, queue: Queue, prefetch: u16) -> Result<Attached, BrokerError> {
    let names = link.topology.work_queues(queue);
    let names = &names;
    link.retrying("consume", |session| async move {
        let channel = session
            .connection
            .create_channel()
            .await
            .map_err(|e| BrokerError::amqp("open consumer channel", e))?;
        channel
            .basic_qos(prefetch, BasicQosOptions { global: true })
            .await
            .map_err(|e| BrokerError::amqp("set prefetch", e))?;
        let mut stream = SelectAll::new();
        for name in names {
            let consumer = channel
                .basic_consume(
                    name.as_str().into(),
                    ShortString::from(""),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(|e| BrokerError::amqp(format!("consume {name}"), e))?;
            let name: Arc<str> = name.as_str().into();
            stream.push(consumer.map(move |d| (name.clone(), d)).boxed());
        }
        Ok(Attached {
            generation: session.generation,
            channel,
            stream,
        })
    })
    .await
}

impl AmqpConsumer {
    /// Drops the current attachment; when its connection is dead, makes the
    /// link reconnect.
    async fn detach(&mut self) {
        let Some(attached) = self.attached.take() else {
            return;
        };
        if attached.channel.status().connected() {
            let close = attached
                .channel
                .close(200, "newshound: re-attaching".into());
            let _ = tokio::time::timeout(Duration::from_secs(1), close).await;
        } else {
            self.link.invalidate(attached.generation).await;
        }
    }

    fn delivery(&self, work_queue: Arc<str>, d: lapin::message::Delivery) -> Delivery {
        let attempt = header_u32(&d.properties, ATTEMPT_HEADER)
            .unwrap_or(1)
            .max(1);
        let settle = AmqpSettle {
            link: self.link.clone(),
            queue: self.queue,
            work_queue,
            acker: d.acker,
            payload: d.data.clone(),
            properties: d.properties,
            attempt,
        };
        Delivery::new(d.data, attempt, d.redelivered, Box::new(settle))
    }
}

#[async_trait]
impl Consumer for AmqpConsumer {
    async fn next(&mut self) -> Option<Result<Delivery, BackendError>> {
        loop {
            if self.link.is_closed() {
                return None;
            }
            let Some(attached) = self.attached.as_mut() else {
                match attach(&self.link, self.queue, self.prefetch).await {
                    Ok(a) => {
                        self.attached = Some(a);
                        self.retry_delay = FIRST_RETRY_DELAY;
                        continue;
                    }
                    Err(BrokerError::Closed) => return None,
                    Err(e) => {
                        let delay = self.retry_delay;
                        self.retry_delay = (delay * 2).min(Duration::from_secs(5));
                        self.link.sleep(delay).await;
                        return Some(Err(e.into()));
                    }
                }
            };
            let item = tokio::select! {
                item = attached.stream.next() => item,
                _ = self.link.closed() => return None,
            };
            match item {
                Some((name, Ok(d))) => return Some(Ok(self.delivery(name, d))),
                Some((name, Err(e))) => {
                    tracing::warn!(queue = %name, error = %e, "RabbitMQ consumer failed; re-attaching");
                    self.detach().await;
                }
                None => {
                    tracing::warn!(
                        queue = self.queue.name(),
                        "RabbitMQ consumers ended; re-attaching"
                    );
                    self.detach().await;
                }
            }
        }
    }
}

/// Settles one delivery on the channel it came from.
struct AmqpSettle {
    link: Arc<Link>,
    queue: Queue,
    /// The queue (partition) it was consumed from.
    work_queue: Arc<str>,
    acker: Acker,
    payload: Vec<u8>,
    properties: BasicProperties,
    attempt: u32,
}

impl AmqpSettle {
    fn stale() -> BackendError {
        BackendError::Unavailable(
            "the delivery's RabbitMQ channel is closed; it will be redelivered".into(),
        )
    }

    /// Publishes a copy (confirmed) with `headers` added, then acks.
    async fn forward(
        &self,
        exchange: String,
        routing_key: String,
        headers: &[(&str, AMQPValue)],
    ) -> Result<(), BackendError> {
        if !self.acker.usable() {
            return Err(Self::stale());
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
        let session = self.link.session().await.map_err(BackendError::from)?;
        Link::publish_on(&session, std::slice::from_ref(&out)).await?;
        self.ack().await
    }
}

#[async_trait]
impl Settle for AmqpSettle {
    async fn ack(&self) -> Result<(), BackendError> {
        match self.acker.ack(BasicAckOptions::default()).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Self::stale()),
            Err(e) => Err(BrokerError::amqp("ack", e).into()),
        }
    }

    async fn requeue(&self) -> Result<(), BackendError> {
        let options = BasicNackOptions {
            multiple: false,
            requeue: true,
        };
        match self.acker.nack(options).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Self::stale()),
            Err(e) => Err(BrokerError::amqp("requeue", e).into()),
        }
    }

    async fn retry_after(&self, delay: Duration) -> Result<(), BackendError> {
        let topology = &self.link.topology;
        let next = i64::from(self.attempt.saturating_add(1));
        self.forward(
            topology.retry_exchange(retry_bucket(delay)),
            self.work_queue.to_string(),
            &[(ATTEMPT_HEADER, AMQPValue::LongLongInt(next))],
        )
        .await
    }

    async fn dead_letter(&self, reason: &str) -> Result<(), BackendError> {
        let topology = &self.link.topology;
        self.forward(
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
fn header_u32(properties: &BasicProperties, name: &str) -> Option<u32> {
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
