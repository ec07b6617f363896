//! [`JobQueue`] on RabbitMQ.

use async_trait::async_trait;
use lapin::{BasicProperties, Channel};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::AmqpConfig;
use super::connection::{Link, Outgoing};
use super::consumer::AmqpConsumer;
use super::management::Management;
use super::topology::{MAX_PRIORITY, Topology, inspect};
use crate::error::BrokerError;
use newshound_core::backend::QueueDepth;
use newshound_core::report::error_chain;
use newshound_core::{BackendError, Consumer, JobQueue, Message, Queue};

/// The job queues on RabbitMQ: one supervised connection (publisher channel
/// with confirms, one channel per consumer), reconnecting on loss.
///
/// Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct AmqpQueue {
    pub(super) link: Arc<Link>,
    management: Arc<Management>,
    /// Whether the management API failure was already logged.
    warned: Arc<AtomicBool>,
}

impl AmqpQueue {
    /// Connects and declares the topology (idempotently).
    ///
    /// # Errors
    /// [`BrokerError::Unreachable`] when RabbitMQ cannot be reached,
    /// [`BrokerError::Config`] for invalid settings, [`BrokerError::Amqp`]
    /// when the topology cannot be declared (for example an existing queue
    /// with different arguments).
    pub async fn connect(config: AmqpConfig) -> Result<AmqpQueue, BrokerError> {
        config.validate()?;
        let management = Arc::new(Management::new(
            config.management_url.as_deref(),
            &config.url,
        )?);
        let link = Link::connect(config).await?;
        Ok(AmqpQueue {
            link,
            management,
            warned: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The topology this queue declared.
    pub fn topology(&self) -> &Topology {
        &self.link.topology
    }

    /// Closes the connection: publishing fails with `Closed`, consumers end,
    /// and unacked deliveries go back to their queues.
    pub async fn close(&self) {
        self.link.close().await;
    }

    /// Deletes every queue and exchange of the topology (tests, teardown).
    ///
    /// # Errors
    /// When the connection fails.
    pub async fn delete_topology(&self) -> Result<(), BrokerError> {
        let topology = self.link.topology.clone();
        let topology = &topology;
        self.link
            .retrying("delete topology", |session| async move {
                let channel = open_channel(&session.connection).await?;
                for q in &topology.queues {
                    channel
                        .queue_delete(q.name.as_str().into(), Default::default())
                        .await
                        .map_err(|e| BrokerError::amqp(format!("delete queue {}", q.name), e))?;
                }
                for e in &topology.exchanges {
                    channel
                        .exchange_delete(e.name.as_str().into(), Default::default())
                        .await
                        .map_err(|err| {
                            BrokerError::amqp(format!("delete exchange {}", e.name), err)
                        })?;
                }
                let _ = channel.close(200, "done".into()).await;
                Ok(())
            })
            .await
    }

    /// Publishes `payloads` to `exchange` with `routing_key`, confirmed.
    pub(crate) async fn publish_raw(
        &self,
        exchange: &str,
        routing_key: &str,
        payloads: &[Vec<u8>],
        properties: BasicProperties,
    ) -> Result<(), BrokerError> {
        let outgoing: Vec<Outgoing<'_>> = payloads
            .iter()
            .map(|payload| Outgoing {
                exchange: exchange.to_string(),
                routing_key: routing_key.to_string(),
                payload,
                properties: properties.clone(),
            })
            .collect();
        self.link.publish(&outgoing).await
    }

    /// Ready-message count of `names` (passive declares).
    async fn ready(&self, names: &[String]) -> Result<u64, BrokerError> {
        self.link
            .retrying("depth", |session| async move {
                let channel = open_channel(&session.connection).await?;
                let mut total = 0u64;
                for name in names {
                    let q = inspect(&channel, name).await?;
                    total += u64::from(q.message_count());
                }
                let _ = channel.close(200, "done".into()).await;
                Ok(total)
            })
            .await
    }

    /// Unacked count of `names`; `None` when the management API does not
    /// answer (or answers badly), with a warning when it starts failing and
    /// a note when it answers again.
    async fn unacked(&self, names: &[String]) -> Option<u64> {
        match self.management.unacked(names).await {
            Ok(n) => {
                if self.warned.swap(false, Ordering::Relaxed) {
                    tracing::info!(
                        "RabbitMQ management API answers again; in-flight counts known again"
                    );
                }
                Some(n)
            }
            Err(e) => {
                if !self.warned.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        error = %error_chain(&e),
                        "RabbitMQ management API unavailable (is rabbitmq_management enabled?); in-flight counts unknown, so no queue counts as idle (a --once run waits)"
                    );
                }
                None
            }
        }
    }

    fn outgoing<'a>(&self, queue: Queue, message: &'a Message) -> Outgoing<'a> {
        let t = &self.link.topology;
        let (exchange, routing_key) = match queue {
            Queue::Fetch => {
                let key = match &message.partition_key {
                    Some(k) => k.as_bytes(),
                    None => message.payload.as_slice(),
                };
                (String::new(), t.fetch_partition(t.partition_of(key)))
            }
            Queue::Articles => (t.articles_exchange(), t.work_queues(queue).remove(0)),
            q => (String::new(), t.work_queues(q).remove(0)),
        };
        Outgoing {
            exchange,
            routing_key,
            payload: &message.payload,
            properties: BasicProperties::default()
                .with_delivery_mode(2)
                .with_priority(message.priority.min(MAX_PRIORITY)),
        }
    }
}

async fn open_channel(connection: &lapin::Connection) -> Result<Channel, BrokerError> {
    connection
        .create_channel()
        .await
        .map_err(|e| BrokerError::amqp("open channel", e))
}

#[async_trait]
impl JobQueue for AmqpQueue {
    async fn publish(&self, queue: Queue, messages: Vec<Message>) -> Result<(), BackendError> {
        let outgoing: Vec<Outgoing<'_>> =
            messages.iter().map(|m| self.outgoing(queue, m)).collect();
        self.link
            .publish(&outgoing)
            .await
            .map_err(|e| e.into_backend(format!("publishing to queue {}", queue.name())))
    }

    async fn consume(
        &self,
        queue: Queue,
        prefetch: u16,
    ) -> Result<Box<dyn Consumer>, BackendError> {
        let consumer = AmqpConsumer::start(self.link.clone(), queue, prefetch)
            .await
            .map_err(|e| e.into_backend(format!("consuming queue {}", queue.name())))?;
        Ok(Box::new(consumer))
    }

    async fn depth(&self, queue: Queue) -> Result<QueueDepth, BackendError> {
        let t = &self.link.topology;
        let work = t.work_queues(queue);
        let mut waiting_names = work.clone();
        waiting_names.extend(t.retry_queues(queue));
        let reading = || format!("reading the depth of queue {}", queue.name());
        let waiting = self
            .ready(&waiting_names)
            .await
            .map_err(|e| e.into_backend(reading()))?;
        let dead = self
            .ready(&[t.dead_queue(queue)])
            .await
            .map_err(|e| e.into_backend(reading()))?;
        let in_flight = self.unacked(&work).await;
        Ok(QueueDepth {
            waiting,
            in_flight: in_flight.unwrap_or(0),
            dead,
            in_flight_unknown: in_flight.is_none(),
        })
    }
}
