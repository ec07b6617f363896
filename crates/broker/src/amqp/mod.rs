//! The RabbitMQ side: configuration, topology, the connection supervisor, the
//! [`JobQueue`](newshound_core::JobQueue) implementation and its consumers.

mod connection;
mod consumer;
mod control;
mod definitions;
mod management;
mod queue;
mod settle;
pub mod topology;

pub use queue::AmqpQueue;

use newshound_core::config::Backend;
use std::time::Duration;

use crate::DEFAULT_PREFIX;
use crate::error::{BrokerError, redact_url};
use topology::Topology;

/// Fetch partition queues when `[backend] fetch_partitions` is not set.
pub const DEFAULT_FETCH_PARTITIONS: u16 = 16;

/// How to reach RabbitMQ and name things there.
#[derive(Clone)]
pub struct AmqpConfig {
    /// `amqp://user:password@host:port/vhost` (credentials are never logged).
    pub url: String,
    /// Prefix of every exchange and queue name (default [`DEFAULT_PREFIX`]).
    pub prefix: String,
    /// Number of fetch partition queues (`fetch.0..N-1`); every process of a
    /// crawl must use the same value (default [`DEFAULT_FETCH_PARTITIONS`]).
    pub fetch_partitions: u16,
    /// Base URL of the management HTTP API, used by `depth()` for the
    /// unacked (in-flight) count; default `http://<host of url>:15672`.
    /// `http://` or `https://`; a path (`https://h/rabbitmq/`) is kept as
    /// the prefix of `api/...`. Credentials come from this URL when it has
    /// any, else from `url` (`guest`/`guest` when neither has); the vhost
    /// from `url`. When the API does not answer (plugin
    /// `rabbitmq_management` not enabled), `in_flight` is 0 and
    /// `in_flight_unknown` is set: the queue does not count as idle.
    pub management_url: Option<String>,
    /// Timeout of one connection attempt, in milliseconds (default 10 000).
    pub connect_timeout_ms: u64,
    /// Longest wait between reconnection attempts, in milliseconds (default 5 000).
    pub reconnect_max_delay_ms: u64,
}

impl std::fmt::Debug for AmqpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmqpConfig")
            .field("url", &redact_url(&self.url))
            .field("prefix", &self.prefix)
            .field("fetch_partitions", &self.fetch_partitions)
            .field(
                "management_url",
                &self.management_url.as_deref().map(redact_url),
            )
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("reconnect_max_delay_ms", &self.reconnect_max_delay_ms)
            .finish()
    }
}

impl AmqpConfig {
    /// The defaults (prefix [`DEFAULT_PREFIX`], [`DEFAULT_FETCH_PARTITIONS`]
    /// fetch partitions, management API on the AMQP host's port 15672) for
    /// `url`.
    pub fn new(url: impl Into<String>) -> AmqpConfig {
        AmqpConfig {
            url: url.into(),
            prefix: DEFAULT_PREFIX.to_string(),
            fetch_partitions: DEFAULT_FETCH_PARTITIONS,
            management_url: None,
            connect_timeout_ms: 10_000,
            reconnect_max_delay_ms: 5_000,
        }
    }

    /// The settings a validated `[backend]` section gives, the defaults for
    /// the rest.
    pub fn for_backend(backend: &Backend) -> AmqpConfig {
        let defaults = AmqpConfig::new(backend.amqp_url.clone());
        AmqpConfig {
            prefix: backend.prefix.clone().unwrap_or(defaults.prefix),
            fetch_partitions: backend
                .fetch_partitions
                .unwrap_or(defaults.fetch_partitions),
            management_url: backend.management_url.clone(),
            ..defaults
        }
    }

    /// Checks the values that would otherwise fail late.
    ///
    /// # Errors
    /// An empty prefix, zero partitions, a URL that is not `amqp://`, or a
    /// management URL that is not `http://` or `https://`.
    pub fn validate(&self) -> Result<(), BrokerError> {
        if self.prefix.is_empty() {
            return Err(BrokerError::Config("prefix must not be empty".into()));
        }
        if self.fetch_partitions == 0 {
            return Err(BrokerError::Config(
                "fetch_partitions must be at least 1".into(),
            ));
        }
        if !self.url.starts_with("amqp://") {
            return Err(BrokerError::Config(format!(
                "AMQP url must start with amqp:// (got {})",
                redact_url(&self.url)
            )));
        }
        if let Some(m) = &self.management_url
            && !(m.starts_with("http://") || m.starts_with("https://"))
        {
            return Err(BrokerError::Config(format!(
                "management_url must start with http:// or https:// (got {})",
                redact_url(m)
            )));
        }
        Ok(())
    }

    /// The topology these settings declare (for rendering deploy files).
    pub fn topology(&self) -> Topology {
        Topology::new(&self.prefix, self.fetch_partitions)
    }

    pub(crate) fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms.max(1))
    }

    pub(crate) fn reconnect_max_delay(&self) -> Duration {
        Duration::from_millis(self.reconnect_max_delay_ms.max(100))
    }
}
