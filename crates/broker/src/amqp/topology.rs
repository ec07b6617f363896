//! Names and arguments of every exchange, queue and binding, derived from the
//! prefix and the number of fetch partitions, and their idempotent
//! declaration.
//!
//! [`Topology`] is plain data (serializable) so the deploy tooling can render
//! it into a RabbitMQ definitions file.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Channel, ExchangeKind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::BrokerError;
use newshound_core::Queue;

/// Header carrying the attempt number (1 for the first delivery).
pub const ATTEMPT_HEADER: &str = "x-newshound-attempt";
/// Header carrying the reason a message was dead-lettered.
pub const REASON_HEADER: &str = "x-newshound-reason";
/// Highest message priority (`x-max-priority` of the work queues).
pub const MAX_PRIORITY: u8 = 10;

/// The fixed retry delays: a requested delay is rounded up to the first bucket
/// at least as long (and capped at the last).
pub const RETRY_BUCKETS: [Duration; 5] = [
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(30),
    Duration::from_secs(300),
    Duration::from_secs(3600),
];

/// The bucket a requested retry delay goes to.
pub fn retry_bucket(delay: Duration) -> Duration {
    RETRY_BUCKETS
        .iter()
        .copied()
        .find(|b| *b >= delay)
        .unwrap_or(RETRY_BUCKETS[RETRY_BUCKETS.len() - 1])
}

/// A short label for a bucket: `1s`, `30s`, `5m`, `1h`.
fn bucket_label(bucket: Duration) -> String {
    let s = bucket.as_secs();
    if s >= 3600 && s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s >= 60 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// A queue argument value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ArgValue {
    /// An integer (`x-max-priority`, `x-message-ttl`, `x-max-length`).
    Int(i64),
    /// A name (`x-dead-letter-exchange`, `x-dead-letter-routing-key`).
    Str(String),
}

/// One exchange to declare (always durable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExchangeSpec {
    /// Exchange name.
    pub name: String,
    /// `direct` or `fanout`.
    pub kind: &'static str,
}

/// One queue to declare (always durable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueueSpec {
    /// Queue name.
    pub name: String,
    /// Declaration arguments.
    pub arguments: BTreeMap<String, ArgValue>,
}

/// One queue binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BindingSpec {
    /// Source exchange.
    pub exchange: String,
    /// Destination queue.
    pub queue: String,
    /// Routing key.
    pub routing_key: String,
}

/// The whole topology for one prefix.
///
/// - work queues `<p>.links`, `<p>.pages`, `<p>.articles`, `<p>.captures` and
///   `<p>.fetch.0..N-1` (the fetch partitions, each consumed by one fetcher
///   at a time through an exclusive consumer), all with `x-max-priority` 10
///   and dead-lettering to `<p>.dead`;
/// - `<p>.fetchers`, which never holds a message (`x-max-length` 0): every
///   fetcher subscribes to it, so its consumer count is the number of
///   fetchers sharing the partitions;
/// - `<p>.dead` (direct) routes by logical queue name to `<p>.<queue>.dead`;
/// - per retry bucket `<b>`, exchange `<p>.retry.<b>` (direct) routes a work
///   queue's name to `<p>.<queue>.retry.<b>`, whose `x-message-ttl` is the
///   bucket and which dead-letters to the default exchange, so an expired
///   message goes back to the work queue named by its routing key;
/// - `<p>.articles` (fanout exchange) feeds the `<p>.articles` queue;
/// - `<p>.control` (fanout exchange) carries operators' commands to every
///   process's own queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Topology {
    /// Name prefix.
    pub prefix: String,
    /// Number of fetch partition queues.
    pub fetch_partitions: u16,
    /// Exchanges, declared first.
    pub exchanges: Vec<ExchangeSpec>,
    /// Queues.
    pub queues: Vec<QueueSpec>,
    /// Bindings, declared last.
    pub bindings: Vec<BindingSpec>,
}

impl Topology {
    /// Builds the topology for `prefix` with `fetch_partitions` fetch queues
    /// (at least 1).
    pub fn new(prefix: &str, fetch_partitions: u16) -> Topology {
        let mut t = Topology {
            prefix: prefix.to_string(),
            fetch_partitions: fetch_partitions.max(1),
            exchanges: Vec::new(),
            queues: Vec::new(),
            bindings: Vec::new(),
        };
        let dead_exchange = t.dead_exchange();
        t.exchanges.push(ExchangeSpec {
            name: dead_exchange.clone(),
            kind: "direct",
        });
        t.exchanges.push(ExchangeSpec {
            name: t.articles_exchange(),
            kind: "fanout",
        });
        t.exchanges.push(ExchangeSpec {
            name: t.control_exchange(),
            kind: "fanout",
        });
        for bucket in RETRY_BUCKETS {
            t.exchanges.push(ExchangeSpec {
                name: t.retry_exchange(bucket),
                kind: "direct",
            });
        }
        for queue in Queue::ALL {
            for name in t.work_queues(queue) {
                let arguments = BTreeMap::from([
                    ("x-max-priority".into(), ArgValue::Int(MAX_PRIORITY.into())),
                    (
                        "x-dead-letter-exchange".into(),
                        ArgValue::Str(dead_exchange.clone()),
                    ),
                    (
                        "x-dead-letter-routing-key".into(),
                        ArgValue::Str(queue.name().into()),
                    ),
                ]);
                t.queues.push(QueueSpec { name, arguments });
            }
            t.queues.push(QueueSpec {
                name: t.dead_queue(queue),
                arguments: BTreeMap::new(),
            });
            t.bindings.push(BindingSpec {
                exchange: dead_exchange.clone(),
                queue: t.dead_queue(queue),
                routing_key: queue.name().into(),
            });
            for bucket in RETRY_BUCKETS {
                let retry = t.retry_queue(queue, bucket);
                let ttl = i64::try_from(bucket.as_millis()).unwrap_or(i64::MAX);
                t.queues.push(QueueSpec {
                    name: retry.clone(),
                    arguments: BTreeMap::from([
                        ("x-message-ttl".into(), ArgValue::Int(ttl)),
                        (
                            "x-dead-letter-exchange".into(),
                            ArgValue::Str(String::new()),
                        ),
                    ]),
                });
                for work in t.work_queues(queue) {
                    t.bindings.push(BindingSpec {
                        exchange: t.retry_exchange(bucket),
                        queue: retry.clone(),
                        routing_key: work,
                    });
                }
            }
        }
        t.queues.push(QueueSpec {
            name: t.fetchers_queue(),
            arguments: BTreeMap::from([("x-max-length".into(), ArgValue::Int(0))]),
        });
        t.bindings.push(BindingSpec {
            exchange: t.articles_exchange(),
            queue: t.work_queues(Queue::Articles).remove(0),
            routing_key: String::new(),
        });
        t
    }

    /// The work queues consumed for `queue` (N partitions for fetch).
    pub fn work_queues(&self, queue: Queue) -> Vec<String> {
        match queue {
            Queue::Fetch => (0..self.fetch_partitions)
                .map(|i| self.fetch_partition(usize::from(i)))
                .collect(),
            q => vec![format!("{}.{}", self.prefix, q.name())],
        }
    }

    /// The name of fetch partition `index`.
    pub fn fetch_partition(&self, index: usize) -> String {
        format!("{}.fetch.{index}", self.prefix)
    }

    /// The queue every fetcher subscribes to, to be counted.
    pub fn fetchers_queue(&self) -> String {
        format!("{}.fetchers", self.prefix)
    }

    /// The partition index for a partition key: xxh3(key) % N.
    pub fn partition_of(&self, key: &[u8]) -> usize {
        let n = u64::from(self.fetch_partitions.max(1));
        // The remainder is < N ≤ u16::MAX, so the cast cannot truncate.
        (xxhash_rust::xxh3::xxh3_64(key) % n) as usize
    }

    /// The delay queues of `queue`, one per bucket.
    pub fn retry_queues(&self, queue: Queue) -> Vec<String> {
        RETRY_BUCKETS
            .iter()
            .map(|b| self.retry_queue(queue, *b))
            .collect()
    }

    /// The delay queue of `queue` for `bucket`.
    pub fn retry_queue(&self, queue: Queue, bucket: Duration) -> String {
        format!(
            "{}.{}.retry.{}",
            self.prefix,
            queue.name(),
            bucket_label(bucket)
        )
    }

    /// The exchange that routes to the `bucket` delay queues.
    pub fn retry_exchange(&self, bucket: Duration) -> String {
        format!("{}.retry.{}", self.prefix, bucket_label(bucket))
    }

    /// The dead-letter queue of `queue`.
    pub fn dead_queue(&self, queue: Queue) -> String {
        format!("{}.{}.dead", self.prefix, queue.name())
    }

    /// The dead-letter exchange (routing key: the logical queue name).
    pub fn dead_exchange(&self) -> String {
        format!("{}.dead", self.prefix)
    }

    /// The fanout exchange articles are published to.
    pub fn articles_exchange(&self) -> String {
        format!("{}.articles", self.prefix)
    }

    /// The fanout exchange operators' commands are broadcast on; every
    /// process binds a queue of its own (exclusive, auto-deleted) to it.
    pub fn control_exchange(&self) -> String {
        format!("{}.control", self.prefix)
    }

    /// Declares everything (idempotent: same names, same arguments).
    ///
    /// # Errors
    /// Fails when the channel fails or an existing entity was declared with
    /// different arguments (which closes the channel).
    pub(crate) async fn declare(&self, channel: &Channel) -> Result<(), BrokerError> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        for e in &self.exchanges {
            let kind = if e.kind == "fanout" {
                ExchangeKind::Fanout
            } else {
                ExchangeKind::Direct
            };
            channel
                .exchange_declare(e.name.as_str().into(), kind, durable, FieldTable::default())
                .await
                .map_err(|err| BrokerError::amqp(format!("declare exchange {}", e.name), err))?;
        }
        for q in &self.queues {
            channel
                .queue_declare(
                    q.name.as_str().into(),
                    QueueDeclareOptions::durable(),
                    field_table(&q.arguments),
                )
                .await
                .map_err(|err| BrokerError::amqp(format!("declare queue {}", q.name), err))?;
        }
        for b in &self.bindings {
            channel
                .queue_bind(
                    b.queue.as_str().into(),
                    b.exchange.as_str().into(),
                    b.routing_key.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(|err| {
                    BrokerError::amqp(format!("bind {} to {}", b.queue, b.exchange), err)
                })?;
        }
        Ok(())
    }
}

/// Converts arguments to an AMQP field table.
fn field_table(args: &BTreeMap<String, ArgValue>) -> FieldTable {
    let mut table = FieldTable::default();
    for (k, v) in args {
        let value = match v {
            ArgValue::Int(i) => AMQPValue::LongLongInt(*i),
            ArgValue::Str(s) => AMQPValue::LongString(LongString::from(s.as_str())),
        };
        table.insert(k.as_str().into(), value);
    }
    table
}

/// The current state of an existing queue (a passive declare): ready
/// messages and consumers.
pub(crate) async fn inspect(
    channel: &lapin::Channel,
    name: &str,
) -> Result<lapin::Queue, crate::error::BrokerError> {
    channel
        .queue_declare(
            name.into(),
            QueueDeclareOptions::durable().passive(),
            FieldTable::default(),
        )
        .await
        .map_err(|e| crate::error::BrokerError::amqp(format!("inspect queue {name}"), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_round_up_and_cap() {
        assert_eq!(retry_bucket(Duration::ZERO), Duration::from_secs(1));
        assert_eq!(
            retry_bucket(Duration::from_millis(300)),
            Duration::from_secs(1)
        );
        assert_eq!(
            retry_bucket(Duration::from_secs(6)),
            Duration::from_secs(30)
        );
        assert_eq!(
            retry_bucket(Duration::from_secs(86400)),
            Duration::from_secs(3600)
        );
    }

    #[test]
    fn names_carry_the_prefix() {
        let t = Topology::new("p", 3);
        assert_eq!(
            t.work_queues(Queue::Fetch),
            ["p.fetch.0", "p.fetch.1", "p.fetch.2"]
        );
        assert_eq!(t.work_queues(Queue::Links), ["p.links"]);
        assert_eq!(
            t.retry_queue(Queue::Pages, Duration::from_secs(300)),
            "p.pages.retry.5m"
        );
        assert_eq!(t.retry_exchange(Duration::from_secs(3600)), "p.retry.1h");
        assert_eq!(t.dead_queue(Queue::Links), "p.links.dead");
        assert!(t.queues.iter().all(|q| q.name.starts_with("p.")));
        // links, pages, articles, captures + 3 fetch partitions work
        // queues, 5 dead, 5 × 5 retry, fetchers.
        assert_eq!(t.queues.len(), 7 + 5 + 25 + 1);
        assert_eq!(t.work_queues(Queue::Captures), ["p.captures"]);
        assert_eq!(t.fetchers_queue(), "p.fetchers");
    }

    #[test]
    fn partition_is_stable_and_in_range() {
        let t = Topology::new("p", 16);
        let a = t.partition_of(b"example.com");
        assert_eq!(a, t.partition_of(b"example.com"));
        assert!(a < 16);
    }
}
