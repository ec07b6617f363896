//! [`ControlPlane`] of a distributed crawl: commands travel on RabbitMQ's
//! control exchange; the control state and the processes' status reports
//! live in Redis.
//!
//! # Redis layout
//!
//! - `{<prefix>}:control`: the [`ControlState`] as JSON (pauses and
//!   per-host rates), read by every process at start;
//! - `{<prefix>}:status`: a hash, field = process id, value = its latest
//!   [`ProcessStatus`] as JSON; entries older than [`STALE_AFTER`] are
//!   dropped when read.
//!
//! Both keys share the `{<prefix>}` hash tag, so they are legal on a Redis
//! Cluster.

use async_trait::async_trait;
use chrono::Utc;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;

use crate::amqp::AmqpQueue;
use crate::error::BrokerError;
use crate::redis_connection::{Connection, hash_tag};
use crate::redis_seen::RedisConfig;
use newshound_core::BackendError;
use newshound_core::control::{Command, ControlPlane, ControlState, ProcessStatus};

/// A status report older than this is from a process that is gone.
pub const STALE_AFTER: Duration = Duration::from_secs(15);

/// Commands buffered for a process slow to take them.
const BUFFER: usize = 64;

/// The control plane on a crawl's RabbitMQ and Redis.
#[derive(Clone)]
pub struct DistributedControl {
    queue: AmqpQueue,
    redis: Connection,
    state_key: String,
    status_key: String,
}

impl DistributedControl {
    /// Uses `queue`'s connection and opens one to the Redis of `redis`.
    ///
    /// # Errors
    /// When Redis cannot be reached or the prefix is not a valid hash tag.
    pub async fn connect(
        queue: AmqpQueue,
        redis: &RedisConfig,
    ) -> Result<DistributedControl, BrokerError> {
        let prefix = hash_tag(&redis.prefix)?;
        Ok(DistributedControl {
            queue,
            redis: Connection::open(redis).await?,
            state_key: format!("{{{prefix}}}:control"),
            status_key: format!("{{{prefix}}}:status"),
        })
    }

    /// Deletes the stored state and reports (tests, starting afresh).
    ///
    /// # Errors
    /// When Redis fails.
    pub async fn delete_all(&self) -> Result<(), BrokerError> {
        self.redis
            .retry("control delete", || async {
                let _: u64 = self
                    .redis
                    .query(
                        redis::cmd("UNLINK")
                            .arg(&self.state_key)
                            .arg(&self.status_key),
                    )
                    .await
                    .map_err(|e| BrokerError::redis("UNLINK control", e))?;
                Ok(())
            })
            .await
    }
}

/// Why a broadcast went nowhere: RabbitMQ could not route it to any
/// process's control queue.
#[derive(Debug, thiserror::Error)]
#[error("no newshound process is listening on this crawl's control exchange")]
struct NoListener;

/// What [`ControlPlane::load_state`] does, for its errors.
const LOADING: &str = "reading the control state";
/// What [`ControlPlane::store_state`] does, for its errors.
const STORING: &str = "storing the control state";
/// What [`ControlPlane::broadcast`] does, for its errors.
const BROADCASTING: &str = "broadcasting a command";
/// What [`ControlPlane::report`] does, for its errors.
const REPORTING: &str = "reporting this process's status";

#[async_trait]
impl ControlPlane for DistributedControl {
    async fn load_state(&self) -> Result<ControlState, BackendError> {
        let stored: Option<String> = self
            .redis
            .retry("read control state", || async {
                self.redis
                    .query(redis::cmd("GET").arg(&self.state_key))
                    .await
                    .map_err(|e| BrokerError::redis("GET control state", e))
            })
            .await
            .map_err(|e| e.into_backend(LOADING))?;
        match stored {
            Some(json) => serde_json::from_str(&json).map_err(|e| BackendError::failed(LOADING, e)),
            None => Ok(ControlState::default()),
        }
    }

    async fn store_state(&self, state: &ControlState) -> Result<(), BackendError> {
        let json = serde_json::to_string(state).map_err(|e| BackendError::failed(STORING, e))?;
        self.redis
            .retry("store control state", || async {
                let _: () = self
                    .redis
                    .query(redis::cmd("SET").arg(&self.state_key).arg(&json))
                    .await
                    .map_err(|e| BrokerError::redis("SET control state", e))?;
                Ok(())
            })
            .await
            .map_err(|e| e.into_backend(STORING))?;
        Ok(())
    }

    async fn broadcast(&self, command: &Command) -> Result<(), BackendError> {
        let json =
            serde_json::to_vec(command).map_err(|e| BackendError::failed(BROADCASTING, e))?;
        match self.queue.broadcast_control(&json).await {
            Err(BrokerError::Unroutable { .. }) => {
                Err(BackendError::failed(BROADCASTING, NoListener))
            }
            other => other.map_err(|e| e.into_backend(BROADCASTING)),
        }
    }

    async fn listen(&self) -> Result<mpsc::Receiver<Command>, BackendError> {
        let mut raw = self
            .queue
            .listen_control()
            .await
            .map_err(|e| e.into_backend("listening for control commands"))?;
        let (tx, rx) = mpsc::channel(BUFFER);
        tokio::spawn(async move {
            while let Some(payload) = raw.recv().await {
                match serde_json::from_slice::<Command>(&payload) {
                    Ok(command) => {
                        if tx.send(command).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "Ignored an unreadable control message"),
                }
            }
        });
        Ok(rx)
    }

    async fn report(&self, status: &ProcessStatus) -> Result<(), BackendError> {
        let json = serde_json::to_string(status).map_err(|e| BackendError::failed(REPORTING, e))?;
        self.redis
            .retry("report status", || async {
                let _: u64 = self
                    .redis
                    .query(
                        redis::cmd("HSET")
                            .arg(&self.status_key)
                            .arg(&status.id)
                            .arg(&json),
                    )
                    .await
                    .map_err(|e| BrokerError::redis("HSET status", e))?;
                Ok(())
            })
            .await
            .map_err(|e| e.into_backend(REPORTING))?;
        Ok(())
    }

    async fn reports(&self) -> Result<Vec<ProcessStatus>, BackendError> {
        let all: HashMap<String, String> = self
            .redis
            .retry("read status", || async {
                self.redis
                    .query(redis::cmd("HGETALL").arg(&self.status_key))
                    .await
                    .map_err(|e| BrokerError::redis("HGETALL status", e))
            })
            .await
            .map_err(|e| e.into_backend("reading the processes' status reports"))?;
        let now = Utc::now();
        let mut fresh = Vec::new();
        let mut stale = Vec::new();
        for (id, json) in all {
            match serde_json::from_str::<ProcessStatus>(&json) {
                Ok(s) if (now - s.at).to_std().unwrap_or_default() < STALE_AFTER => fresh.push(s),
                _ => stale.push(id),
            }
        }
        if !stale.is_empty() {
            let _: Result<u64, _> = self
                .redis
                .query(redis::cmd("HDEL").arg(&self.status_key).arg(&stale))
                .await;
        }
        fresh.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(fresh)
    }
}
