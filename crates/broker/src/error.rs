//! The crate's error type and its mapping onto [`BackendError`].

use newshound_core::BackendError;

/// A broker backend could not be set up or used.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The service could not be reached at start-up (connection refused,
    /// timed out, authentication failed). `service` names it: "RabbitMQ" or
    /// "Redis"; `address` is the URL with any credentials removed.
    #[error("{service} unreachable at {address}: {message}")]
    Unreachable {
        /// "RabbitMQ" or "Redis".
        service: &'static str,
        /// The redacted connection URL.
        address: String,
        /// What went wrong.
        message: String,
    },
    /// The configuration is invalid (bad URL, zero partitions, empty prefix).
    #[error("invalid broker configuration: {0}")]
    Config(String),
    /// An AMQP operation failed.
    #[error("RabbitMQ: {context}: {source}")]
    Amqp {
        /// What was being done.
        context: String,
        /// The lapin error.
        #[source]
        source: lapin::Error,
    },
    /// The broker refused a published message (publisher confirm Nack).
    #[error("RabbitMQ refused (nack) a message published to {target}")]
    Nacked {
        /// Exchange/routing key the message was published to.
        target: String,
    },
    /// The broker could not route a published message to any queue.
    #[error("RabbitMQ could not route a message published to {target} (is the topology declared?)")]
    Unroutable {
        /// Exchange/routing key the message was published to.
        target: String,
    },
    /// A Redis command failed.
    #[error("Redis: {context}: {source}")]
    Redis {
        /// What was being done.
        context: String,
        /// The redis error.
        #[source]
        source: redis::RedisError,
    },
    /// The RabbitMQ management API did not answer, or answered badly.
    #[error("RabbitMQ management API at {url}: {problem}")]
    Management {
        /// The request URL, without credentials.
        url: String,
        /// What went wrong.
        #[source]
        problem: ManagementError,
    },
    /// The backend was closed.
    #[error("broker backend closed")]
    Closed,
}

/// Why a RabbitMQ management API request failed.
#[derive(Debug, thiserror::Error)]
pub enum ManagementError {
    /// No answer: refused, unreachable, timed out, TLS failed, or the
    /// connection broke while the body was read.
    #[error("no answer: {}", newshound_core::report::error_chain(.0))]
    Request(#[source] reqwest::Error),
    /// An HTTP error status (401 for wrong credentials, 404 for an unknown
    /// vhost or a wrong path prefix).
    #[error("HTTP status {0}")]
    Status(reqwest::StatusCode),
    /// The answer was larger than the client reads.
    #[error("answer larger than {limit} bytes, not read")]
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
    /// The answer was not the expected JSON.
    #[error("unexpected answer: {0}")]
    Json(#[source] serde_json::Error),
}

impl BrokerError {
    /// Wraps a lapin error with context.
    pub(crate) fn amqp(context: impl Into<String>, source: lapin::Error) -> Self {
        BrokerError::Amqp {
            context: context.into(),
            source,
        }
    }

    /// An AMQP failure that means the connection (or a channel with it) is
    /// gone: I/O errors, a closed connection or channel, a missed heartbeat,
    /// a connection-level (hard) protocol error such as `CONNECTION_FORCED`.
    pub(crate) fn lost_connection(&self) -> bool {
        let BrokerError::Amqp { source, .. } = self else {
            return false;
        };
        source.is_io_error()
            || source.is_amqp_hard_error()
            || matches!(
                source.kind(),
                lapin::ErrorKind::InvalidConnectionState(_)
                    | lapin::ErrorKind::InvalidChannelState(..)
                    | lapin::ErrorKind::MissingHeartbeatError
            )
    }

    /// Wraps a redis error with context.
    pub(crate) fn redis(context: impl Into<String>, source: redis::RedisError) -> Self {
        BrokerError::Redis {
            context: context.into(),
            source,
        }
    }
}

impl BrokerError {
    /// The [`BackendError`] a role sees, saying what it was doing (such as
    /// "publishing to queue fetch"), with this error as its source: a lost
    /// or refused connection (RabbitMQ, or Redis I/O, refusal or timeout) is
    /// [`BackendError::Unavailable`] (worth retrying), the rest
    /// [`BackendError::Failed`].
    pub(crate) fn into_backend(self, what: impl Into<String>) -> BackendError {
        match self {
            BrokerError::Closed => BackendError::Closed,
            BrokerError::Unreachable { .. } | BrokerError::Amqp { .. } => {
                BackendError::unavailable(what, self)
            }
            BrokerError::Redis { ref source, .. }
                if source.is_io_error()
                    || source.is_connection_dropped()
                    || source.is_connection_refusal()
                    || source.is_timeout() =>
            {
                BackendError::unavailable(what, self)
            }
            other => BackendError::failed(what, other),
        }
    }
}

/// The URL with any `user:password@` removed, safe to log.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparseable url>".to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{BrokerError, redact_url};
    use newshound_core::BackendError;
    use std::error::Error;

    #[test]
    fn backend_errors_keep_the_broker_error_as_their_source() {
        let unreachable = BrokerError::Unreachable {
            service: "Redis",
            address: "redis://127.0.0.1:1/".into(),
            message: "connection refused".into(),
        };
        let e = unreachable.into_backend("inserting into the seen-set");
        assert!(matches!(e, BackendError::Unavailable { .. }), "{e}");
        assert_eq!(
            e.to_string(),
            "backend unavailable: inserting into the seen-set: Redis unreachable at redis://127.0.0.1:1/: connection refused"
        );
        let source = e.source().and_then(|s| s.downcast_ref::<BrokerError>());
        assert!(matches!(source, Some(BrokerError::Unreachable { .. })));

        let nacked = BrokerError::Nacked {
            target: "/newshound.links".into(),
        };
        let e = nacked.into_backend("publishing to queue links");
        assert!(matches!(e, BackendError::Failed { .. }), "{e}");
        assert!(e.to_string().contains("nack"), "{e}");

        let e = BrokerError::Closed.into_backend("publishing to queue links");
        assert!(matches!(e, BackendError::Closed));
    }

    #[test]
    fn redacts_credentials() {
        assert_eq!(
            redact_url("amqp://guest:secret@127.0.0.1:5672/%2f"),
            "amqp://***@127.0.0.1:5672/%2f"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379/0"),
            "redis://127.0.0.1:6379/0"
        );
        assert_eq!(redact_url("nonsense"), "<unparseable url>");
    }
}
