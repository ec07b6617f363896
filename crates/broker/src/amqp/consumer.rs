//! [`Consumer`] over one or more work queues (all fetch partitions for
//! `Queue::Fetch`).
//!
//! The consumer survives reconnections: when its stream fails it re-attaches
//! to the link's new connection. Deliveries taken from the dead connection
//! can no longer be settled (RabbitMQ redelivers them).
//!
//! # Fetch partitions
//!
//! Each fetch partition is consumed by one fetcher at a time, so that one
//! process paces each host. A fetcher holds a partition through an
//! *exclusive* consumer on a channel of the partition's own (a failed claim
//! closes only that channel). Every fetcher also subscribes to the
//! `<prefix>.fetchers` queue, whose consumer count is thus the number of
//! fetchers. Every [`CLAIM_EVERY`] each fetcher compares the partitions it
//! holds with its fair share, ⌈N / fetchers⌉: above it, it releases the
//! excess, the partitions that delivered least since the last round first
//! (cancels those consumers and returns the deliveries still buffered for
//! them); below it, it claims partitions that have no consumer. A
//! partition it released is not claimed back in the next round, so another
//! fetcher gets it. Deliveries of a released partition already given to
//! the caller report [`Delivery::handed_over`], so that the fetcher requeues
//! those it has not started on instead of fetching them beside the
//! partition's next owner. When a fetcher dies its exclusive consumers go
//! with its connection and the others claim the partitions within a round.
//!
//! (RabbitMQ's single-active-consumer queues would do the hand-over for us,
//! but classic queues in the 3.10 and 3.11 series crash when the active
//! consumer goes while messages are ready, rabbitmq-server issue 5460; the
//! restarted queue redelivers everything, so hosts were fetched twice.)

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
use newshound_core::report::error_chain;
use newshound_core::{BackendError, Consumer, Delivery, Queue};

/// What a subscription yields: a delivery, a failure, or (`None`) its end
/// (cancelled by us or by the server).
type Incoming = (
    Arc<str>,
    ShortString,
    Option<lapin::Result<lapin::message::Delivery>>,
);

/// How often a fetch consumer compares its partitions with its share.
pub(crate) const CLAIM_EVERY: Duration = Duration::from_secs(1);

/// First wait between failed re-attachments (doubling up to 5 s).
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(100);

/// The channels and subscriptions of one connection generation.
struct Attached {
    generation: u64,
    /// Consumes an unpartitioned queue; for fetch, holds the subscription
    /// that counts this fetcher.
    channel: Channel,
    /// One channel per fetch partition ever claimed, kept open while the
    /// attachment lives so that deliveries of a released partition can
    /// still be settled.
    partition_channels: HashMap<Arc<str>, Channel>,
    stream: SelectAll<BoxStream<'static, Incoming>>,
    /// The current consumer tag per queue consumed (partitions held);
    /// deliveries under any other tag belong to a released subscription.
    tags: HashMap<Arc<str>, ShortString>,
    /// Per queue, the flag its deliveries carry: cleared when the current
    /// subscription is released or the attachment dropped.
    assigned: HashMap<Arc<str>, (Arc<AtomicBool>, u64)>,
    /// Partitions released in the last round, not to be claimed back in
    /// the next one.
    released: HashSet<Arc<str>>,
    /// Deliveries per partition since the last round: the least busy are
    /// released first, so a busy host keeps its fetcher (and its pace).
    delivered: HashMap<Arc<str>, u64>,
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

    /// Forgets the subscription of `name` under `tag` (ended or failed).
    fn lost(&mut self, name: &Arc<str>, tag: &ShortString) {
        if self.tags.get(name) == Some(tag) {
            self.tags.remove(name);
            self.reassign(name);
            tracing::info!(queue = %name, "Lost a fetch partition; it will be claimed again");
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

/// Consumes a logical queue with at most `prefetch` unacked deliveries per
/// channel (the queue's, or each fetch partition's).
pub(crate) struct AmqpConsumer {
    link: Arc<Link>,
    queue: Queue,
    prefetch: u16,
    attached: Option<Attached>,
    /// Wait before the next attempt to re-attach after a failed one.
    retry_delay: Duration,
    /// When to compare the partitions held with the share (`None`: not
    /// partitioned).
    next_claim: Option<Instant>,
    /// Where this process starts looking for free partitions, so that
    /// fetchers starting together try different ones first.
    claim_offset: usize,
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
        let partitioned = queue == Queue::Fetch;
        let seed = format!("{}:{:?}", std::process::id(), std::time::SystemTime::now());
        let mut consumer = AmqpConsumer {
            link,
            queue,
            prefetch,
            attached: Some(attached),
            retry_delay: FIRST_RETRY_DELAY,
            next_claim: partitioned.then(Instant::now),
            // Truncation is fine: any offset will do.
            claim_offset: xxhash_rust::xxh3::xxh3_64(seed.as_bytes()) as usize,
        };
        if partitioned {
            consumer.claim_round().await?;
        }
        Ok(consumer)
    }

    /// Drops the current attachment; when its connection is dead, makes the
    /// link reconnect.
    async fn detach(&mut self) {
        let Some(attached) = self.attached.take() else {
            return;
        };
        if attached.channel.status().connected() {
            let channels =
                std::iter::once(&attached.channel).chain(attached.partition_channels.values());
            for channel in channels {
                let close = channel.close(200, "newshound: re-attaching".into());
                let _ = tokio::time::timeout(Duration::from_secs(1), close).await;
            }
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

    /// Releases the partitions held beyond the fair share, or claims free
    /// ones up to it.
    async fn claim_round(&mut self) -> Result<(), BrokerError> {
        self.next_claim = Some(Instant::now() + CLAIM_EVERY);
        let Some(attached) = self.attached.as_mut() else {
            return Ok(());
        };
        let topology = &self.link.topology;
        let names: Vec<Arc<str>> = topology
            .work_queues(self.queue)
            .into_iter()
            .map(Arc::from)
            .collect();
        let fetchers = inspect(&attached.channel, &topology.fetchers_queue())
            .await?
            .consumer_count()
            .max(1) as usize;
        let share = names.len().div_ceil(fetchers);
        let mut held: Vec<Arc<str>> = names
            .iter()
            .filter(|n| attached.tags.contains_key(*n))
            .cloned()
            .collect();
        let recently_released = std::mem::take(&mut attached.released);
        let delivered = std::mem::take(&mut attached.delivered);
        if held.len() > share {
            // Busiest first: the tail (released) is the least busy.
            held.sort_by_key(|n| std::cmp::Reverse(delivered.get(n).copied().unwrap_or(0)));
            for name in held.split_off(share) {
                release(attached, &name).await?;
                attached.released.insert(name);
            }
            tracing::info!(
                fetchers,
                share,
                "Released fetch partitions beyond this fetcher's share"
            );
            return Ok(());
        }
        let start = self.claim_offset % names.len();
        let candidates = names[start..].iter().chain(&names[..start]);
        for name in candidates {
            if held.len() >= share {
                break;
            }
            if held.contains(name) || recently_released.contains(name) {
                continue;
            }
            if inspect(&attached.channel, name).await?.consumer_count() > 0 {
                continue;
            }
            if claim(attached, &self.link, name, self.prefetch).await? {
                held.push(name.clone());
            }
        }
        Ok(())
    }
}

/// Cancels the subscription to partition `name`; deliveries still buffered
/// for it are returned as they arrive, those already handed out report
/// [`Delivery::handed_over`].
async fn release(attached: &mut Attached, name: &Arc<str>) -> Result<(), BrokerError> {
    let Some(tag) = attached.tags.remove(name) else {
        return Ok(());
    };
    attached.reassign(name);
    let Some(channel) = attached.partition_channels.get(name) else {
        return Ok(());
    };
    channel
        .basic_cancel(tag, BasicCancelOptions::default())
        .await
        .map_err(|e| BrokerError::amqp(format!("cancel consumer of {name}"), e))
}

/// Tries to hold partition `name` with an exclusive consumer on its own
/// channel; `false` when another fetcher got it first.
async fn claim(
    attached: &mut Attached,
    link: &Link,
    name: &Arc<str>,
    prefetch: u16,
) -> Result<bool, BrokerError> {
    let channel = match attached.partition_channels.get(name) {
        Some(c) if c.status().connected() => c.clone(),
        _ => {
            let session = link.session().await?;
            let channel = session
                .connection
                .create_channel()
                .await
                .map_err(|e| BrokerError::amqp("open partition channel", e))?;
            channel
                .basic_qos(prefetch, BasicQosOptions::default())
                .await
                .map_err(|e| BrokerError::amqp("set prefetch", e))?;
            attached
                .partition_channels
                .insert(name.clone(), channel.clone());
            channel
        }
    };
    let exclusive = BasicConsumeOptions {
        exclusive: true,
        ..BasicConsumeOptions::default()
    };
    match subscribe(&channel, name, exclusive).await {
        Ok((tag, stream)) => {
            attached.reassign(name);
            attached.tags.insert(name.clone(), tag);
            attached.stream.push(stream);
            Ok(true)
        }
        // The server closes the channel of a refused exclusive consume.
        Err(_) if channel.status().connected() || attached.channel.status().connected() => {
            attached.partition_channels.remove(name);
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// basic.consume on `name`; returns the tag and the tagged stream, which
/// ends with a `None` item.
async fn subscribe(
    channel: &Channel,
    name: &Arc<str>,
    options: BasicConsumeOptions,
) -> Result<(ShortString, BoxStream<'static, Incoming>), BrokerError> {
    let consumer = channel
        .basic_consume(
            name.as_ref().into(),
            ShortString::from(""),
            options,
            FieldTable::default(),
        )
        .await
        .map_err(|e| BrokerError::amqp(format!("consume {name}"), e))?;
    let tag = consumer.tag();
    let (n, t) = (name.clone(), tag.clone());
    let (end_name, end_tag) = (name.clone(), tag.clone());
    let stream = consumer
        .map(move |d| (n.clone(), t.clone(), Some(d)))
        .chain(futures::stream::once(
            async move { (end_name, end_tag, None) },
        ))
        .boxed();
    Ok((tag, stream))
}

/// Opens a channel on the live session and subscribes on it: to the
/// queue, or for fetch to the fetchers queue (partitions are claimed by
/// [`AmqpConsumer::claim_round`]).
async fn attach(link: &Link, queue: Queue, prefetch: u16) -> Result<Attached, BrokerError> {
    let name: Arc<str> = match queue {
        Queue::Fetch => link.topology.fetchers_queue(),
        q => link.topology.work_queues(q).remove(0),
    }
    .into();
    let name = &name;
    link.retrying("consume", |session| async move {
        let channel = session
            .connection
            .create_channel()
            .await
            .map_err(|e| BrokerError::amqp("open consumer channel", e))?;
        channel
            .basic_qos(prefetch, BasicQosOptions::default())
            .await
            .map_err(|e| BrokerError::amqp("set prefetch", e))?;
        let (tag, stream) = subscribe(&channel, name, BasicConsumeOptions::default()).await?;
        let mut assigned = HashMap::new();
        assigned.insert(name.clone(), new_assignment());
        Ok(Attached {
            generation: session.generation,
            channel,
            partition_channels: HashMap::new(),
            stream: SelectAll::from_iter([stream]),
            tags: HashMap::from([(name.clone(), tag)]),
            assigned,
            released: HashSet::new(),
            delivered: HashMap::new(),
        })
    })
    .await
}

#[async_trait::async_trait]
impl Consumer for AmqpConsumer {
    async fn next(&mut self) -> Option<Result<Delivery, BackendError>> {
        let fetchers_queue: Arc<str> = self.link.topology.fetchers_queue().into();
        loop {
            if self.link.is_closed() {
                return None;
            }
            let Some(attached) = self.attached.as_mut() else {
                match attach(&self.link, self.queue, self.prefetch).await {
                    Ok(a) => {
                        self.attached = Some(a);
                        self.retry_delay = FIRST_RETRY_DELAY;
                        // Claim partitions at once on the new connection.
                        self.next_claim = self.next_claim.map(|_| Instant::now());
                        continue;
                    }
                    Err(BrokerError::Closed) => return None,
                    Err(e) => {
                        let delay = self.retry_delay;
                        self.retry_delay = (delay * 2).min(Duration::from_secs(5));
                        self.link.sleep(delay).await;
                        return Some(Err(
                            e.into_backend(format!("consuming queue {}", self.queue.name()))
                        ));
                    }
                }
            };
            let claim_at = self.next_claim;
            let item = tokio::select! {
                item = attached.stream.next() => item,
                _ = self.link.closed() => return None,
                _ = sleep_until(claim_at), if claim_at.is_some() => {
                    if let Err(e) = self.claim_round().await {
                        tracing::warn!(error = %error_chain(&e), "Claiming fetch partitions failed; re-attaching");
                        self.detach().await;
                    }
                    continue;
                }
            };
            let current = |name: &Arc<str>, tag: &ShortString| attached.tags.get(name) == Some(tag);
            // A partition's subscription can fail or end alone (its channel
            // closed); anything else means the connection or the main
            // channel went.
            let partition_only = |name: &Arc<str>| {
                self.next_claim.is_some()
                    && *name != fetchers_queue
                    && attached.channel.status().connected()
            };
            match item {
                Some((name, tag, Some(Ok(d)))) => {
                    if !current(&name, &tag) || name == fetchers_queue {
                        // Buffered for a released subscription: give it back.
                        let requeue = BasicNackOptions {
                            multiple: false,
                            requeue: name != fetchers_queue,
                        };
                        let _ = d.acker.nack(requeue).await;
                        continue;
                    }
                    *attached.delivered.entry(name.clone()).or_default() += 1;
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
                Some((name, tag, end)) => {
                    if !current(&name, &tag) {
                        // The end of a subscription we released.
                        continue;
                    }
                    if partition_only(&name) {
                        attached.lost(&name, &tag);
                        continue;
                    }
                    match end {
                        Some(Err(e)) => {
                            tracing::warn!(queue = %name, error = %error_chain(&e), "RabbitMQ consumer failed; re-attaching")
                        }
                        _ => {
                            tracing::warn!(queue = %name, "RabbitMQ consumer cancelled; re-attaching")
                        }
                    }
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
