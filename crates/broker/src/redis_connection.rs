//! The Redis connection shared by the seen-set and the revisit schedule:
//! one server or a Redis Cluster, opened from a [`RedisConfig`], with the
//! retry helper both use and the rebuild of a cluster connection after a
//! lost one.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{MultipleNodeRoutingInfo, RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, FromRedisValue, RedisError, RedisResult, ScriptInvocation, Value};
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::error::{BrokerError, redact_url};
use crate::redis_seen::{RedisConfig, RedisTarget};
use newshound_core::report::error_chain;

/// Commands in flight at once on a cluster in [`Connection::query_each`]:
/// a batch goes in waves (measured faster than thousands of commands at
/// once), and after a wave met a lost connection the rest of the batch is
/// left for the retry.
const CLUSTER_IN_FLIGHT: usize = 256;

/// The redacted URL(s) of `server`, for messages.
pub(crate) fn redacted(server: &RedisTarget) -> String {
    match server {
        RedisTarget::Single(url) => redact_url(url),
        RedisTarget::Cluster(nodes) => {
            let nodes: Vec<String> = nodes.iter().map(|n| redact_url(n)).collect();
            format!("cluster [{}]", nodes.join(", "))
        }
    }
}

/// The two kinds of connection the Redis backends run on. Clones share one
/// multiplexed connection.
#[derive(Clone)]
pub(crate) enum Connection {
    /// One server, through an auto-reconnecting connection manager.
    Single(ConnectionManager),
    /// A Redis Cluster.
    Cluster(Arc<Cluster>),
}

/// A Redis Cluster connection: each command goes to the primary owning its
/// key's slot. Built with no retries of its own (resending a command whose
/// reply was lost must stay visible to the seen-set's at-least-once
/// answers). After a lost connection it is replaced by a new one from
/// `client`: redis-rs's cluster connection was seen to stall, commands and
/// PINGs alike, after hundreds of commands failed at once on connections the
/// nodes had closed.
pub(crate) struct Cluster {
    client: ClusterClient,
    current: RwLock<ClusterConnection>,
}

impl Cluster {
    /// The connection in use (a cheap handle).
    fn connection(&self) -> ClusterConnection {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Connects anew and makes that the connection in use.
    async fn reconnect(&self) -> RedisResult<()> {
        let fresh =
            tokio::time::timeout(Duration::from_secs(15), self.client.get_async_connection())
                .await
                .map_err(|_| {
                    RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut))
                })??;
        match self.current.write() {
            Ok(mut c) => *c = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }
}

impl Connection {
    /// Connects to `config.server`, failing after 15 s.
    pub(crate) async fn open(config: &RedisConfig) -> Result<Connection, BrokerError> {
        let address = redacted(&config.server);
        let bad_config = |e: RedisError| BrokerError::Config(format!("Redis {address}: {e}"));
        let response_timeout = Duration::from_millis(config.response_timeout_ms.max(1));
        let connect = async {
            match &config.server {
                RedisTarget::Single(url) => {
                    let client = redis::Client::open(url.as_str()).map_err(bad_config)?;
                    let manager_config = ConnectionManagerConfig::new()
                        .set_connection_timeout(Some(Duration::from_secs(5)))
                        .set_response_timeout(Some(response_timeout))
                        .set_number_of_retries(2)
                        .set_max_delay(Duration::from_secs(2));
                    Ok(ConnectionManager::new_with_config(client, manager_config)
                        .await
                        .map(Connection::Single))
                }
                RedisTarget::Cluster(nodes) => {
                    if nodes.is_empty() {
                        return Err(BrokerError::Config(
                            "a Redis Cluster needs at least one node URL".into(),
                        ));
                    }
                    let client = ClusterClientBuilder::new(nodes.iter().map(String::as_str))
                        .retries(0)
                        .connection_timeout(Duration::from_secs(5))
                        .response_timeout(response_timeout)
                        .build()
                        .map_err(bad_config)?;
                    Ok(client.get_async_connection().await.map(|c| {
                        Connection::Cluster(Arc::new(Cluster {
                            client,
                            current: RwLock::new(c),
                        }))
                    }))
                }
            }
        };
        let unreachable = |message: String| BrokerError::Unreachable {
            service: "Redis",
            address: address.clone(),
            message,
        };
        match tokio::time::timeout(Duration::from_secs(15), connect).await {
            Ok(Ok(Ok(c))) => Ok(c),
            Ok(Ok(Err(e))) => Err(unreachable(e.to_string())),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(unreachable("connection attempt timed out".into())),
        }
    }

    /// Sends one command (routed by its key on a cluster).
    pub(crate) async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> RedisResult<T> {
        match self {
            Connection::Single(c) => cmd.query_async(&mut c.clone()).await,
            Connection::Cluster(c) => cmd.query_async(&mut c.connection()).await,
        }
    }

    /// Runs a script by its SHA, loading it when the server lacks it (on a
    /// cluster, routed by its keys, which must share one slot).
    pub(crate) async fn invoke<T: FromRedisValue>(
        &self,
        script: &ScriptInvocation<'_>,
    ) -> RedisResult<T> {
        match self {
            Connection::Single(c) => script.invoke_async(&mut c.clone()).await,
            Connection::Cluster(c) => script.invoke_async(&mut c.connection()).await,
        }
    }

    /// Sends single-key `cmds`, with one reply each, in order. One server
    /// takes them as one pipeline (a failure is every command's); a
    /// cluster, whose pipelines must stay within one slot, takes them as
    /// concurrent commands in waves of [`CLUSTER_IN_FLIGHT`], which its
    /// per-node multiplexed connections pipeline on the wire (each answers
    /// for itself). Once a wave met a lost connection, the rest are not
    /// sent and answer with its error.
    pub(crate) async fn query_each<T: FromRedisValue>(
        &self,
        cmds: Vec<Cmd>,
    ) -> Vec<RedisResult<T>> {
        match self {
            Connection::Single(c) => {
                let count = cmds.len();
                let mut pipe = redis::pipe();
                for cmd in cmds {
                    pipe.add_command(cmd);
                }
                match pipe.query_async::<Vec<T>>(&mut c.clone()).await {
                    Ok(replies) => replies.into_iter().map(Ok).collect(),
                    Err(e) => (0..count).map(|_| Err(e.clone())).collect(),
                }
            }
            Connection::Cluster(cluster) => {
                let c = cluster.connection();
                let mut replies = Vec::with_capacity(cmds.len());
                let mut lost: Option<RedisError> = None;
                for wave in cmds.chunks(CLUSTER_IN_FLIGHT) {
                    if let Some(e) = &lost {
                        replies.extend(wave.iter().map(|_| Err(e.clone())));
                        continue;
                    }
                    let answers = futures::future::join_all(wave.iter().map(|cmd| {
                        let mut c = c.clone();
                        async move { cmd.query_async::<T>(&mut c).await }
                    }))
                    .await;
                    lost = answers
                        .iter()
                        .find_map(|a| a.as_ref().err().filter(|e| transient_redis(e)).cloned());
                    replies.extend(answers);
                }
                replies
            }
        }
    }

    /// Brings the connection back after a lost one: a PING to the server
    /// (the manager reconnects by itself), a new cluster connection.
    async fn recover(&self) -> RedisResult<()> {
        match self {
            Connection::Single(_) => self.query::<String>(&redis::cmd("PING")).await.map(drop),
            Connection::Cluster(c) => c.reconnect().await,
        }
    }

    /// Sleeps (with growing `delay`) until the connection is back, before
    /// an interrupted command is sent again.
    pub(crate) async fn pause_until_recovered(
        &self,
        delay: &mut Duration,
    ) -> Result<(), BrokerError> {
        loop {
            tokio::time::sleep(*delay).await;
            *delay = (*delay * 2).min(Duration::from_secs(5));
            match self.recover().await {
                Ok(()) => return Ok(()),
                Err(e) if transient_redis(&e) => {
                    tracing::warn!(error = %error_chain(&e), delay = ?*delay, "Redis not answering yet");
                }
                Err(e) => return Err(BrokerError::redis("reconnect", e)),
            }
        }
    }

    /// Runs `op` until it succeeds or fails other than transiently (see
    /// [`transient_redis`] and [`Connection::pause_until_recovered`]). For
    /// operations that may be sent twice.
    pub(crate) async fn retry<T, F, Fut>(&self, what: &str, mut op: F) -> Result<T, BrokerError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, BrokerError>>,
    {
        let mut delay = Duration::from_millis(50);
        loop {
            match op().await {
                Err(e) if transient(&e) => {
                    tracing::warn!(error = %error_chain(&e), ?delay, "Redis {what} interrupted; retrying");
                    self.pause_until_recovered(&mut delay).await?;
                }
                other => return other,
            }
        }
    }

    /// Every key matching `pattern`: SCAN of the server, or of each primary
    /// of a cluster (a key lives on exactly one primary).
    pub(crate) async fn keys_matching(&self, pattern: &str) -> RedisResult<Vec<String>> {
        match self {
            Connection::Single(c) => {
                scan(pattern, |cmd| {
                    let mut c = c.clone();
                    async move { cmd.query_async::<Value>(&mut c).await }
                })
                .await
            }
            Connection::Cluster(cluster) => {
                let c = &cluster.connection();
                let mut keys = Vec::new();
                for (host, port) in primaries(c).await? {
                    let node =
                        RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host, port });
                    let batch = scan(pattern, |cmd| {
                        let (mut c, node) = (c.clone(), node.clone());
                        async move { c.route_command(cmd, node).await }
                    })
                    .await?;
                    keys.extend(batch);
                }
                Ok(keys)
            }
        }
    }
}

/// `host` and `port` of every primary of the cluster, as the connection
/// knows them (a PING routed to all primaries answers per address).
async fn primaries(c: &ClusterConnection) -> RedisResult<Vec<(String, u16)>> {
    let all = RoutingInfo::MultiNode((MultipleNodeRoutingInfo::AllMasters, None));
    let replies = c.clone().route_command(redis::cmd("PING"), all).await?;
    let Value::Map(replies) = replies else {
        return Err(unexpected("PING to all primaries did not answer per node"));
    };
    replies
        .into_iter()
        .map(|(address, _)| {
            let address: String = redis::from_redis_value(address)?;
            address
                .rsplit_once(':')
                .and_then(|(host, port)| Some((host.to_string(), port.parse().ok()?)))
                .ok_or_else(|| unexpected("a cluster node address is not host:port"))
        })
        .collect()
}

/// A SCAN of one node for keys matching `pattern`, through `send`.
async fn scan<F, Fut>(pattern: &str, mut send: F) -> RedisResult<Vec<String>>
where
    F: FnMut(Cmd) -> Fut,
    Fut: Future<Output = RedisResult<Value>>,
{
    let mut keys = Vec::new();
    let mut cursor = 0u64;
    loop {
        let mut cmd = redis::cmd("SCAN");
        cmd.arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000);
        let (next, batch): (u64, Vec<String>) = redis::from_redis_value(send(cmd).await?)?;
        keys.extend(batch);
        if next == 0 {
            return Ok(keys);
        }
        cursor = next;
    }
}

/// A key prefix fit to be a Redis Cluster hash tag (`{<prefix>}`): not
/// empty, without braces.
pub(crate) fn hash_tag(prefix: &str) -> Result<&str, BrokerError> {
    if prefix.is_empty() || prefix.contains(['{', '}']) {
        return Err(BrokerError::Config(format!(
            "Redis prefix {prefix:?} must be non-empty, without braces"
        )));
    }
    Ok(prefix)
}

/// A reply of the wrong shape.
pub(crate) fn unexpected(what: &'static str) -> RedisError {
    RedisError::from((redis::ErrorKind::UnexpectedReturnType, what))
}

/// Connection-level Redis failures worth retrying.
fn transient(e: &BrokerError) -> bool {
    matches!(e, BrokerError::Redis { source, .. } if transient_redis(source))
}

/// A lost connection, a refused one or a timeout (the command may or may
/// not have been applied), or a cluster in flux (MOVED, ASK, TRYAGAIN,
/// CLUSTERDOWN, no connection to the slot's node; the connection refreshes
/// its slot map meanwhile).
pub(crate) fn transient_redis(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_timeout()
        || e.is_cluster_error()
        || e.kind() == redis::ErrorKind::ClusterConnectionNotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_are_transient() {
        let lost: RedisError = std::io::Error::from(std::io::ErrorKind::ConnectionReset).into();
        assert!(transient_redis(&lost));
        assert!(transient(&BrokerError::redis("SADD", lost)));
        let wrong_type = RedisError::from((redis::ErrorKind::Client, "WRONGTYPE"));
        assert!(!transient_redis(&wrong_type));
        assert!(!transient(&BrokerError::redis("SADD", wrong_type)));
    }

    #[test]
    fn names_cluster_nodes_without_credentials() {
        let nodes = RedisTarget::Cluster(vec![
            "redis://:secret@127.0.0.21:7000/".into(),
            "redis://127.0.0.22:7000/".into(),
        ]);
        let named = redacted(&nodes);
        assert!(named.starts_with("cluster ["), "{named}");
        assert!(named.contains("127.0.0.22:7000"), "{named}");
        assert!(!named.contains("secret"), "{named}");
    }
}
