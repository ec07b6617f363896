//! The backend traits roles are written against. Each has an embedded
//! implementation (local disk) and a distributed one (RabbitMQ, Redis); roles
//! only ever see these traits.
//!
//! Delivery is at-least-once, as RabbitMQ gives it: a consumer gets a
//! [`Delivery`], does its work, makes the work's output durable (publish,
//! write), and only then acks. A delivery that is never acked (the process
//! died) comes back, marked `redelivered`.

use async_trait::async_trait;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::message::{Article, Capture, LinkKind, PageClass, PageVersion};

/// The cause a [`BackendError`] carries: the backend's own error, or a
/// message when there is none (`"...".into()`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A backend operation failed. `what` says what was being done (such as
/// "publishing to queue fetch"); the backend's error is the source, which
/// the message ends with and [`crate::report::error_chain`] follows down.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The backend cannot be reached (connection refused or lost); worth retrying.
    #[error("backend unavailable: {what}: {source}")]
    Unavailable {
        /// What was being done.
        what: String,
        /// Why the backend could not be reached.
        #[source]
        source: BoxError,
    },
    /// The backend answered with an error, or local storage failed.
    #[error("backend failure: {what}: {source}")]
    Failed {
        /// What was being done.
        what: String,
        /// The backend's error.
        #[source]
        source: BoxError,
    },
    /// The backend was closed (shutting down).
    #[error("backend closed")]
    Closed,
}

impl BackendError {
    /// The backend could not be reached while doing `what`.
    pub fn unavailable(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        BackendError::Unavailable {
            what: what.into(),
            source: source.into(),
        }
    }

    /// The backend failed while doing `what`.
    pub fn failed(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        BackendError::Failed {
            what: what.into(),
            source: source.into(),
        }
    }
}

/// The queues that join the roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Queue {
    /// Discovered links and seeds, consumed by the frontier.
    Links,
    /// Fetch jobs, consumed by fetchers.
    Fetch,
    /// Fetched pages, consumed by parsers.
    Pages,
    /// Extracted articles, consumed by the sink (distributed mode).
    Articles,
    /// Fetched pages for the WARC output, consumed by the sink (distributed
    /// mode, when `[output] warc` is on).
    Captures,
}

impl Queue {
    /// Every queue, in pipeline order.
    pub const ALL: [Queue; 5] = [
        Queue::Links,
        Queue::Fetch,
        Queue::Pages,
        Queue::Articles,
        Queue::Captures,
    ];

    /// The queue's position in [`Queue::ALL`]: the index of its counters and
    /// the embedded store's table key (stored on disk: never renumber).
    pub const fn index(self) -> usize {
        match self {
            Queue::Links => 0,
            Queue::Fetch => 1,
            Queue::Pages => 2,
            Queue::Articles => 3,
            Queue::Captures => 4,
        }
    }

    /// The queue's name (AMQP queue name, embedded table key).
    pub fn name(self) -> &'static str {
        match self {
            Queue::Links => "links",
            Queue::Fetch => "fetch",
            Queue::Pages => "pages",
            Queue::Articles => "articles",
            Queue::Captures => "captures",
        }
    }
}

/// A message to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Encoded payload (see [`crate::codec`]).
    pub payload: Vec<u8>,
    /// 0..=10, higher first (see [`crate::message::FetchJob::priority`]; the AMQP queues
    /// declare `x-max-priority` 10).
    pub priority: u8,
    /// Messages with the same key are consumed in order by one consumer at a
    /// time (the fetch queue is partitioned by host this way).
    pub partition_key: Option<String>,
}

impl Message {
    /// A message with default priority and no partition key.
    pub fn new(payload: Vec<u8>) -> Self {
        Self {
            payload,
            priority: 0,
            partition_key: None,
        }
    }
}

/// How deep a queue is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Waiting to be delivered (ready now or delayed for a retry).
    pub waiting: u64,
    /// Delivered and not yet acked.
    pub in_flight: u64,
    /// Parked in the dead-letter store.
    pub dead: u64,
    /// The in-flight count could not be read (RabbitMQ's management API did
    /// not answer): `in_flight` is then 0 and means nothing, and the queue is
    /// not idle.
    pub in_flight_unknown: bool,
}

impl QueueDepth {
    /// Nothing waiting and nothing in flight, as far as is known: a depth
    /// whose in-flight count is unknown is not idle.
    pub fn is_idle(&self) -> bool {
        self.waiting == 0 && self.in_flight == 0 && !self.in_flight_unknown
    }
}

/// A durable job queue with explicit acknowledgement.
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Publishes messages; returns once the backend has made them durable.
    async fn publish(&self, queue: Queue, messages: Vec<Message>) -> Result<(), BackendError>;

    /// Starts consuming `queue` with at most `prefetch` unacked deliveries.
    async fn consume(&self, queue: Queue, prefetch: u16)
    -> Result<Box<dyn Consumer>, BackendError>;

    /// Current depth of `queue` (for `--once` termination and status).
    async fn depth(&self, queue: Queue) -> Result<QueueDepth, BackendError>;
}

/// A stream of deliveries from one queue (of [`crate::handoff::PageDelivery`]
/// for the parser's pages).
#[async_trait]
pub trait Consumer<T: Send = Delivery>: Send {
    /// The next delivery; `None` once the backend is closed.
    async fn next(&mut self) -> Option<Result<T, BackendError>>;
}

/// Settles a delivery with the backend. Implemented by each backend.
#[async_trait]
pub trait Settle: Send + Sync {
    /// Removes the message for good.
    async fn ack(&self) -> Result<(), BackendError>;
    /// Puts the message back to be delivered again now (redelivered).
    async fn requeue(&self) -> Result<(), BackendError>;
    /// Delivers the message again after `delay`, counting one more attempt.
    async fn retry_after(&self, delay: Duration) -> Result<(), BackendError>;
    /// Delivers the message again after `delay`, as the same attempt (work
    /// put off, not failed: a host paused by an operator).
    async fn defer(&self, delay: Duration) -> Result<(), BackendError>;
    /// Parks the message in the dead-letter store with the reason.
    async fn dead_letter(&self, reason: &str) -> Result<(), BackendError>;
    /// Whether the queue the message came from has since been handed to
    /// another consumer (work not yet started should go back to it).
    fn handed_over(&self) -> bool {
        false
    }
    /// Which assignment of its queue to this consumer the message came
    /// under: it changes whenever the queue is handed over and back.
    fn assignment(&self) -> u64 {
        0
    }
}

/// One message taken from a queue, to be settled exactly once.
pub struct Delivery {
    /// The encoded payload.
    pub payload: Vec<u8>,
    /// 1 for the first attempt, incremented by each [`Delivery::retry_after`].
    pub attempt: u32,
    /// Delivered before without being acked (a consumer died holding it).
    pub redelivered: bool,
    settle: Box<dyn Settle>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("bytes", &self.payload.len())
            .field("attempt", &self.attempt)
            .field("redelivered", &self.redelivered)
            .finish()
    }
}

impl Delivery {
    /// Wraps a payload and the backend's way of settling it.
    pub fn new(payload: Vec<u8>, attempt: u32, redelivered: bool, settle: Box<dyn Settle>) -> Self {
        Self {
            payload,
            attempt,
            redelivered,
            settle,
        }
    }

    /// Done with it: remove it from the queue.
    pub async fn ack(self) -> Result<(), BackendError> {
        self.settle.ack().await
    }

    /// Not handled (shutting down): deliver it again.
    pub async fn requeue(self) -> Result<(), BackendError> {
        self.settle.requeue().await
    }

    /// Failed transiently: try again after `delay`.
    pub async fn retry_after(self, delay: Duration) -> Result<(), BackendError> {
        self.settle.retry_after(delay).await
    }

    /// Put off (not failed): deliver it again after `delay`, as the same
    /// attempt.
    pub async fn defer(self, delay: Duration) -> Result<(), BackendError> {
        self.settle.defer(delay).await
    }

    /// Failed for good: park it with a reason.
    pub async fn dead_letter(self, reason: &str) -> Result<(), BackendError> {
        self.settle.dead_letter(reason).await
    }

    /// Whether its queue was handed to another consumer after it was taken
    /// (a rebalanced fetch partition, or a lost connection): work not yet
    /// started on it should be requeued for the new owner.
    pub fn handed_over(&self) -> bool {
        self.settle.handed_over()
    }

    /// Which assignment of its queue to this consumer it came under (0 when
    /// queues are never handed over): a consumer that sees a new assignment
    /// for a host it paced before must not assume it paced the host since.
    pub fn assignment(&self) -> u64 {
        self.settle.assignment()
    }
}

/// Milliseconds since the Unix epoch (0 on a clock set before it): the
/// clock of revisit due times and of delayed messages.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A page the frontier revisits: when it is due next, and what the crawl
/// holds of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revisit {
    /// The URL, canonical, as first scheduled (its fingerprint is the key).
    pub url: Url,
    /// Links from a seed.
    pub depth: u16,
    /// How the page was linked.
    pub kind: LinkKind,
    /// What the page is.
    pub class: PageClass,
    /// When it is due, in milliseconds since the Unix epoch.
    pub due_ms: u64,
    /// A hub's current revisit interval in milliseconds (adapted at each visit).
    pub interval_ms: u64,
    /// When the page was first fetched (ms since the epoch): article re-fetch
    /// ages count from here.
    pub first_seen_ms: u64,
    /// An article's re-fetches done so far (index into the configured ages).
    pub refetches: u16,
    /// Its last version.
    pub version: PageVersion,
}

/// The revisit schedule, shared by every frontier of a crawl: entries keyed
/// by URL fingerprint, ordered by due time.
#[async_trait]
pub trait RevisitSchedule: Send + Sync {
    /// Inserts or replaces entries (keyed by the fingerprint of their URL).
    async fn put(&self, entries: Vec<(u64, Revisit)>) -> Result<(), BackendError>;
    /// The entry for a fingerprint.
    async fn get(&self, fingerprint: u64) -> Result<Option<Revisit>, BackendError>;
    /// Removes an entry (an article past its last re-fetch age).
    async fn remove(&self, fingerprint: u64) -> Result<(), BackendError>;
    /// Claims up to `max` entries due at `now_ms`, earliest first: each
    /// claimed entry becomes due again at `now_ms + lease_ms` in the same
    /// atomic step, so no other frontier claims it meanwhile; the visit's
    /// report replaces it (and a lost visit is claimed again when the lease
    /// ends).
    async fn claim_due(
        &self,
        now_ms: u64,
        lease_ms: u64,
        max: usize,
    ) -> Result<Vec<(u64, Revisit)>, BackendError>;
    /// Number of entries.
    async fn count(&self) -> Result<u64, BackendError>;
    /// Up to `max` entries, soonest due first, without claiming them (for
    /// status reports).
    async fn upcoming(&self, max: usize) -> Result<Vec<Revisit>, BackendError>;
}

/// The set of URL fingerprints already scheduled.
#[async_trait]
pub trait SeenSet: Send + Sync {
    /// Inserts the fingerprints atomically; `true` at index i when
    /// `fingerprints[i]` was not in the set before this call (the first of
    /// duplicates within one call counts as new).
    async fn insert_new(&self, fingerprints: &[u64]) -> Result<Vec<bool>, BackendError>;

    /// How many fingerprints the set holds.
    async fn count(&self) -> Result<u64, BackendError>;
}

/// How many new pages each host has been given, shared by every frontier of
/// a crawl and kept across restarts: the per-host page budget.
#[async_trait]
pub trait HostBudget: Send + Sync {
    /// For each `(host, n)` request, takes up to `n` pages from the host's
    /// budget of `limit` and returns how many were granted (`0..=n`), in
    /// request order. Atomic per host: however many callers take at once, a
    /// host is never granted more than `limit` in total, and only what is
    /// granted is counted. Requests for the same host in one call are served
    /// in order.
    async fn take(&self, requests: &[(String, u64)], limit: u64) -> Result<Vec<u64>, BackendError>;
}

/// Where extracted articles go.
#[async_trait]
pub trait ArticleSink: Send + Sync {
    /// Writes the articles durably, skipping any already written (same
    /// canonical URL and content hash); returns how many were new.
    async fn write(&self, articles: Vec<Article>) -> Result<usize, BackendError>;
}

/// Where captures of fetched pages go (the WARC output).
#[async_trait]
pub trait CaptureSink: Send + Sync {
    /// Writes the captures durably, skipping any already written (the same
    /// exchange delivered again); returns how many were new.
    async fn write(&self, captures: Vec<Capture>) -> Result<usize, BackendError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::error_chain;
    use std::error::Error;

    #[derive(Debug, thiserror::Error)]
    #[error("RabbitMQ: publish: {0}")]
    struct Broker(#[source] std::io::Error);

    #[test]
    fn the_cause_is_the_source_and_ends_the_message() {
        let e = BackendError::unavailable(
            "publishing to queue fetch",
            Broker(std::io::Error::other("connection reset")),
        );
        assert_eq!(
            e.to_string(),
            "backend unavailable: publishing to queue fetch: RabbitMQ: publish: connection reset"
        );
        let source = e.source().expect("a source");
        assert!(source.downcast_ref::<Broker>().is_some());
        // The chain is reported once, not each level's repeat of its cause.
        assert_eq!(error_chain(&e), e.to_string());
    }

    #[test]
    fn a_message_can_be_the_cause() {
        let e = BackendError::failed("broadcasting a command", "nobody listens");
        assert_eq!(
            e.to_string(),
            "backend failure: broadcasting a command: nobody listens"
        );
    }
}
