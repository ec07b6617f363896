//! [`Consumer`] over one or more work queues (all fetch partitions for
//! `Queue::Fetch`) on a channel of its own.
//!
//! The consumer survives reconnections: when its stream fails it re-attaches
//! to the link's new connection. Deliveries taken from the dead connection
//! can no longer be settled (RabbitMQ redelivers them, marked redelivered).
//!
//! Fetch partitions are single-active-consumer queues, and RabbitMQ makes
//! the *first* registered consumer of each the active one, so the first
//! fetcher to start would own every partition. To spread them, a fetch
//! consumer periodically compares the partitions it is active on (those it
//! received deliveries from) with its fair share, ⌈N / consumers⌉ (the
//! consumer count of the partition queues), and hands the excess over: it
//! cancels its consumer on such a partition, returns (nacks with requeue)
//! the deliveries still buffered for it, and subscribes again, at the end of
//! the queue's waiting list, so the next waiting fetcher becomes active.
//! Deliveries of a handed-over partition already given to the caller report
//! [`Delivery::handed_over`], so that the fetcher requeues those it has not
//! started on instead of fetching them beside the partition's new owner.

use futures::StreamExt;
use futures::stream::{BoxStream, SelectAll};
use lapin::Channel;
use lapin::options::{BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::{FieldTable, ShortString};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

use super::connection::Link;
use super::settle::{AmqpSettle, header_u32};
use super::topology::{ATTEMPT_HEADER, inspect};
use crate::error::BrokerError;
use newshound_core::{BackendError, Consumer, Delivery, Queue};

/// A delivery (or failure) with the queue and consumer tag it came from.
type Incoming = (
    Arc<str>,
    ShortString,
    lapin::Result<lapin::message::Delivery>,
);

/// How often a fetch consumer checks its share of the partitions.
const REBALANCE_EVERY: Duration = Duration::from_secs(5);

/// First wait between failed re-attachments (doubling up to 5 s).
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(100);

/// The channel and basic.consume streams of one connection generation.
struct Attached {
    generation: u64,
    channel: Channel,
    stream: SelectAll<BoxStream<'static, Incoming>>,
    /// The current consumer tag per queue; deliveries under any other tag
    /// belong to a handed-over subscription.
    tags: HashMap<Arc<str>, ShortString>,
    /// Queues delivered from under their current tag (where we are active).
    active: HashSet<Arc<str>>,
    /// Per queue, the flag its deliveries carry: cleared when the current
    /// subscription is handed over or the attachment dropped.
    assigned: HashMap<Arc<str>, (Arc<AtomicBool>, u64)>,
}

/// Numbers assignments of queues to this process's consumers.
static ASSIGNMENTS: AtomicU64 = AtomicU64::new(1);

/// A fresh assignment flag and its number.
fn new_assignment() -> (Arc<AtomicBool>, u64) {
    (
        Arc::new(AtomicBool::new(true)),
        ASSIGNMENTS.fetch_add(1, Ordering::Relaxed),
    )
}

impl Attached {
    /// Marks the deliveries taken so far from `name` as handed over, and
    /// gives its next subscription a fresh flag.
    fn reassign(&mut self, name: &Arc<str>) {
        if let Some((old, _)) = self.assigned.insert(name.clone(), new_assignment()) {
            old.store(false, Ordering::Release);
        }
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        // Deliveries of a dropped attachment come back from RabbitMQ anyway.
        for (flag, _) in self.assigned.values() {
            flag.store(false, Ordering::Release);
        }
    }
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
    /// When to check the partition share (`None`: not partitioned).
    next_rebalance: Option<Instant>,
}

impl AmqpConsumer {
    /// Attaches at once, so that start-up errors surface from `consume`.
    pub(crate) async fn start(
        link: Arc<Link>,
        queue: Queue,
        prefetch: u16,
    ) -> Result<AmqpConsumer, BrokerError> {
        let prefetch = prefetch.max(1);
        let attached = attach(&link, queue, prefetch).await?;
        let partitioned = link.topology.work_queues(queue).len() > 1;
        Ok(AmqpConsumer {
            link,
            queue,
            prefetch,
            attached: Some(attached),
            retry_delay: FIRST_RETRY_DELAY,
            next_rebalance: partitioned.then(|| Instant::now() + REBALANCE_EVERY),
        })
    }

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

    fn delivery(
        work_queue: Arc<str>,
        d: lapin::message::Delivery,
        link: Arc<Link>,
        queue: Queue,
        (assigned, assignment): (Arc<AtomicBool>, u64),
    ) -> Delivery {
        let attempt = header_u32(&d.properties, ATTEMPT_HEADER)
            .unwrap_or(1)
            .max(1);
        let settle = AmqpSettle {
            link,
            queue,
            assigned,
            assignment,
            work_queue,
            acker: d.acker,
            payload: d.data.clone(),
            properties: d.properties,
            attempt,
        };
        Delivery::new(d.data, attempt, d.redelivered, Box::new(settle))
    }

    /// Hands partitions beyond the fair share over to waiting consumers.
    async fn rebalance(&mut self) -> Result<(), BrokerError> {
        self.next_rebalance = Some(Instant::now() + REBALANCE_EVERY);
        let Some(attached) = self.attached.as_mut() else {
            return Ok(());
        };
        if attached.active.len() <= 1 {
            return Ok(());
        }
        let names = self.link.topology.work_queues(self.queue);
        let consumers = consumer_count(&attached.channel, &names).await?.max(1);
        let share = names.len().div_ceil(consumers);
        if attached.active.len() <= share {
            return Ok(());
        }
        let mut excess: Vec<Arc<str>> = attached.active.iter().cloned().collect();
        excess.sort();
        excess.truncate(attached.active.len() - share);
        for name in &excess {
            if let Some(tag) = attached.tags.get(name) {
                attached
                    .channel
                    .basic_cancel(tag.clone(), BasicCancelOptions::default())
                    .await
                    .map_err(|e| BrokerError::amqp(format!("cancel consumer of {name}"), e))?;
            }
            attached.active.remove(name);
            attached.reassign(name);
            let (tag, stream) = subscribe(&attached.channel, name).await?;
            attached.tags.insert(name.clone(), tag);
            attached.stream.push(stream);
        }
        tracing::info!(
            handed_over = excess.len(),
            consumers,
            share,
            "Handed fetch partitions over to other consumers"
        );
        Ok(())
    }
}

/// The most consumers registered on any of `names` (passive declares).
async fn consumer_count(channel: &Channel, names: &[String]) -> Result<usize, BrokerError> {
    let mut most = 0;
    for name in names {
        let q = inspect(channel, name).await?;
        most = most.max(q.consumer_count() as usize);
    }
    Ok(most)
}

/// basic.consume on `name`; returns the tag and the tagged stream.
async fn subscribe(
    channel: &Channel,
    name: &Arc<str>,
) -> Result<(ShortString, BoxStream<'static, Incoming>), BrokerError> {
    let consumer = channel
        .basic_consume(
            name.as_ref().into(),
            ShortString::from(""),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|e| BrokerError::amqp(format!("consume {name}"), e))?;
    let tag = consumer.tag();
    let (n, t) = (name.clone(), tag.clone());
    let stream = consumer.map(move |d| (n.clone(), t.clone(), d)).boxed();
    Ok((tag, stream))
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
        let mut tags = HashMap::new();
        let mut assigned = HashMap::new();
        for name in names {
            let name: Arc<str> = name.as_str().into();
            let (tag, s) = subscribe(&channel, &name).await?;
            assigned.insert(name.clone(), new_assignment());
            tags.insert(name, tag);
            stream.push(s);
        }
        Ok(Attached {
            generation: session.generation,
            channel,
            stream,
            tags,
            active: HashSet::new(),
            assigned,
        })
    })
    .await
}

#[async_trait::async_trait]
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
            let rebalance_at = self.next_rebalance;
            let item = tokio::select! {
                item = attached.stream.next() => item,
                _ = self.link.closed() => return None,
                _ = sleep_until(rebalance_at), if rebalance_at.is_some() => {
                    if let Err(e) = self.rebalance().await {
                        tracing::warn!(error = %e, "Fetch partition rebalancing failed; re-attaching");
                        self.detach().await;
                    }
                    continue;
                }
            };
            match item {
                Some((name, tag, Ok(d))) => {
                    if attached.tags.get(&name) != Some(&tag) {
                        // Buffered for a handed-over subscription: give it back.
                        let requeue = BasicNackOptions {
                            multiple: false,
                            requeue: true,
                        };
                        let _ = d.acker.nack(requeue).await;
                        continue;
                    }
                    attached.active.insert(name.clone());
                    let assigned = attached
                        .assigned
                        .entry(name.clone())
                        .or_insert_with(new_assignment)
                        .clone();
                    return Some(Ok(Self::delivery(
                        name,
                        d,
                        self.link.clone(),
                        self.queue,
                        assigned,
                    )));
                }
                Some((name, _, Err(e))) => {
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

/// Sleeps until `at` (forever when `None`; the select guard excludes that).
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
