//! [`SeenSet`] on Redis: bucketed intsets of 64-bit fingerprints.
//!
//! See the crate documentation for the layout and its memory arithmetic.

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{MultipleNodeRoutingInfo, RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, FromRedisValue, RedisError, RedisResult, Value};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::error::{BrokerError, redact_url};
pub use newshound_core::config::RedisTarget;
use newshound_core::{BackendError, SeenSet};

/// Mean members per bucket when the set holds `expected_urls`: 62.5 % of
/// Redis's default `set-max-intset-entries` (512), so that the fullest of
/// many buckets stays an intset (mean + 4.5 σ ≈ 400 at the expected count;
/// the first buckets reach 512 at ≈ 1.4 × the expected count).
pub const TARGET_BUCKET_FILL: u64 = 320;

/// Fingerprints per chunk (one pipeline on a single server).
const CHUNK: usize = 5_000;

/// SADDs in flight at once on a cluster: a chunk goes in waves (measured
/// faster than thousands of commands at once), and after a wave met a lost
/// connection the rest of the chunk is left for the retry.
const CLUSTER_IN_FLIGHT: usize = 256;

fn default_prefix() -> String {
    "newshound".to_string()
}

fn default_expected_urls() -> u64 {
    10_000_000
}

fn default_response_timeout_ms() -> u64 {
    10_000
}

/// How to reach Redis and size the seen-set.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    /// One server's URL, `redis://[:password@]host:port[/db]`, or a list of
    /// Redis Cluster node URLs (credentials are never logged).
    pub server: RedisTarget,
    /// Prefix of every key (`<prefix>:seen:…`).
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// How many URLs the crawl is expected to see; sizes the bucket count
    /// when the set is created (later processes adopt the stored count).
    #[serde(default = "default_expected_urls")]
    pub expected_urls: u64,
    /// Per-command response timeout in milliseconds (redis-rs defaults to
    /// 500 ms, too short for large pipelines).
    #[serde(default = "default_response_timeout_ms")]
    pub response_timeout_ms: u64,
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("server", &redacted(&self.server))
            .field("prefix", &self.prefix)
            .field("expected_urls", &self.expected_urls)
            .field("response_timeout_ms", &self.response_timeout_ms)
            .finish()
    }
}

impl RedisConfig {
    /// The defaults (prefix `newshound`, 10 million expected URLs) for the
    /// server at `url`.
    pub fn new(url: impl Into<String>) -> RedisConfig {
        RedisConfig::for_target(RedisTarget::Single(url.into()))
    }

    /// The defaults for the Redis Cluster reached through `nodes`.
    pub fn cluster<S: Into<String>>(nodes: impl IntoIterator<Item = S>) -> RedisConfig {
        RedisConfig::for_target(RedisTarget::Cluster(
            nodes.into_iter().map(Into::into).collect(),
        ))
    }

    /// The defaults for `server`.
    pub fn for_target(server: RedisTarget) -> RedisConfig {
        RedisConfig {
            server,
            prefix: default_prefix(),
            expected_urls: default_expected_urls(),
            response_timeout_ms: default_response_timeout_ms(),
        }
    }

    /// The bucket count for `expected_urls`.
    pub fn buckets(&self) -> u64 {
        self.expected_urls.div_ceil(TARGET_BUCKET_FILL).max(1)
    }
}

/// The redacted URL(s) of `server`, for messages.
fn redacted(server: &RedisTarget) -> String {
    match server {
        RedisTarget::Single(url) => redact_url(url),
        RedisTarget::Cluster(nodes) => {
            let nodes: Vec<String> = nodes.iter().map(|n| redact_url(n)).collect();
            format!("cluster [{}]", nodes.join(", "))
        }
    }
}

/// The two kinds of connection the seen-set runs on. Clones share one
/// multiplexed connection.
#[derive(Clone)]
enum Connection {
    /// One server, through an auto-reconnecting connection manager.
    Single(ConnectionManager),
    /// A Redis Cluster.
    Cluster(Arc<Cluster>),
}

/// A Redis Cluster connection: each command goes to the primary owning its
/// key's slot. Built with no retries of its own (resending a command whose
/// reply was lost must stay visible to [`ChunkAnswers`]). After a lost
/// connection it is replaced by a new one from `client`: redis-rs's cluster
/// connection was seen to stall, commands and PINGs alike, after hundreds of
/// commands failed at once on connections the nodes had closed.
struct Cluster {
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
    async fn open(config: &RedisConfig) -> Result<Connection, BrokerError> {
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
    async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> RedisResult<T> {
        match self {
            Connection::Single(c) => cmd.query_async(&mut c.clone()).await,
            Connection::Cluster(c) => cmd.query_async(&mut c.connection()).await,
        }
    }

    /// `SADD key member` for each pair, each atomic (1 = added), with one
    /// reply each. One server takes them as one pipeline (a failure is every
    /// command's); a cluster, whose pipelines must stay within one slot,
    /// takes them as concurrent commands, which its per-node multiplexed
    /// connections pipeline on the wire (each answers for itself).
    async fn sadd(&self, members: &[(String, i64)]) -> Vec<RedisResult<i64>> {
        match self {
            Connection::Single(c) => {
                let mut pipe = redis::pipe();
                for (key, member) in members {
                    pipe.cmd("SADD").arg(key).arg(*member);
                }
                match pipe.query_async::<Vec<i64>>(&mut c.clone()).await {
                    Ok(added) => added.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(e); members.len()],
                }
            }
            Connection::Cluster(cluster) => {
                let c = cluster.connection();
                let mut replies = Vec::with_capacity(members.len());
                let mut lost: Option<RedisError> = None;
                for wave in members.chunks(CLUSTER_IN_FLIGHT) {
                    if let Some(e) = &lost {
                        replies.extend(wave.iter().map(|_| Err(e.clone())));
                        continue;
                    }
                    let answers = futures::future::join_all(wave.iter().map(|(key, member)| {
                        let mut c = c.clone();
                        let mut sadd = redis::cmd("SADD");
                        sadd.arg(key).arg(*member);
                        async move { sadd.query_async::<i64>(&mut c).await }
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
    async fn pause_until_recovered(&self, delay: &mut Duration) -> Result<(), BrokerError> {
        loop {
            tokio::time::sleep(*delay).await;
            *delay = (*delay * 2).min(Duration::from_secs(5));
            match self.recover().await {
                Ok(()) => return Ok(()),
                Err(e) if transient_redis(&e) => {
                    tracing::warn!(error = %e, delay = ?*delay, "Redis not answering yet");
                }
                Err(e) => return Err(BrokerError::redis("reconnect", e)),
            }
        }
    }

    /// Runs `op` until it succeeds or fails other than by a lost connection
    /// (see [`Connection::pause_until_recovered`]).
    async fn retry<T, F, Fut>(&self, what: &str, mut op: F) -> Result<T, BrokerError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, BrokerError>>,
    {
        let mut delay = Duration::from_millis(50);
        loop {
            match op().await {
                Err(e) if transient(&e) => {
                    tracing::warn!(error = %e, ?delay, "Redis {what} interrupted; retrying");
                    self.pause_until_recovered(&mut delay).await?;
                }
                other => return other,
            }
        }
    }

    /// Every key matching `pattern`: SCAN of the server, or of each primary
    /// of a cluster (a key lives on exactly one primary).
    async fn keys_matching(&self, pattern: &str) -> RedisResult<Vec<String>> {
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

fn unexpected(what: &'static str) -> RedisError {
    RedisError::from((redis::ErrorKind::UnexpectedReturnType, what))
}

/// The seen-set in Redis (one server or a Redis Cluster), shared by every
/// frontier process of a crawl.
///
/// Cheap to clone; clones share one auto-reconnecting multiplexed connection.
#[derive(Clone)]
pub struct RedisSeenSet {
    connection: Connection,
    prefix: String,
    buckets: u64,
}

impl RedisSeenSet {
    /// Connects, and records (or adopts) the bucket count under
    /// `<prefix>:seen:buckets`.
    ///
    /// # Errors
    /// [`BrokerError::Unreachable`] when Redis cannot be reached,
    /// [`BrokerError::Config`] for a bad URL, an empty cluster node list or
    /// an empty prefix.
    pub async fn connect(config: RedisConfig) -> Result<RedisSeenSet, BrokerError> {
        if config.prefix.is_empty() {
            return Err(BrokerError::Config("prefix must not be empty".into()));
        }
        let connection = Connection::open(&config).await?;
        let meta = format!("{}:seen:buckets", config.prefix);
        let buckets = config.buckets();
        let stored: u64 = connection
            .retry("seen-set setup", || {
                let connection = &connection;
                let meta = meta.as_str();
                async move {
                    let _: bool = connection
                        .query(redis::cmd("SETNX").arg(meta).arg(buckets))
                        .await
                        .map_err(|e| BrokerError::redis(format!("SETNX {meta}"), e))?;
                    connection
                        .query(redis::cmd("GET").arg(meta))
                        .await
                        .map_err(|e| BrokerError::redis(format!("GET {meta}"), e))
                }
            })
            .await?;
        if stored != config.buckets() {
            tracing::info!(
                buckets = stored,
                configured = config.buckets(),
                "Seen-set exists with another bucket count; using it"
            );
        }
        Ok(RedisSeenSet {
            connection,
            prefix: config.prefix,
            buckets: stored.max(1),
        })
    }

    /// The bucket count in use.
    pub fn buckets(&self) -> u64 {
        self.buckets
    }

    /// The key of the bucket holding `fingerprint`: the high bits pick the
    /// bucket (multiply-shift, uniform for any bucket count).
    fn bucket_key(&self, fingerprint: u64) -> String {
        let bucket = ((u128::from(fingerprint) * u128::from(self.buckets)) >> 64) as u64;
        format!("{}:seen:{bucket}", self.prefix)
    }

    fn count_key(&self) -> String {
        format!("{}:seen:count", self.prefix)
    }

    /// Deletes every key of this seen-set (tests, starting a crawl afresh).
    ///
    /// # Errors
    /// When Redis fails.
    pub async fn delete_all(&self) -> Result<(), BrokerError> {
        self.connection
            .retry("seen-set delete", || self.delete_all_once())
            .await
    }

    async fn delete_all_once(&self) -> Result<(), BrokerError> {
        let pattern = format!("{}:seen:*", glob_escape(&self.prefix));
        let keys = self
            .connection
            .keys_matching(&pattern)
            .await
            .map_err(|e| BrokerError::redis("scan seen-set keys", e))?;
        for chunk in keys.chunks(1000) {
            // On a cluster, the connection splits a multi-key UNLINK by slot.
            let _: u64 = self
                .connection
                .query(redis::cmd("UNLINK").arg(chunk))
                .await
                .map_err(|e| BrokerError::redis("delete seen-set keys", e))?;
        }
        Ok(())
    }

    /// Inserts distinct `fingerprints`, sending again those whose reply was
    /// lost until every one is answered (see [`ChunkAnswers::record`]), then
    /// adds the number reported new to the counter.
    async fn insert_chunk(&self, fingerprints: &[u64]) -> Result<Vec<bool>, BrokerError> {
        let mut answers = ChunkAnswers::new(fingerprints.len());
        let mut delay = Duration::from_millis(50);
        loop {
            let pending = answers.pending();
            if pending.is_empty() {
                break;
            }
            let members: Vec<(String, i64)> = pending
                .iter()
                .map(|&i| {
                    let fp = fingerprints[i];
                    // Redis stores a member that parses as an i64 in the intset.
                    (self.bucket_key(fp), fp as i64)
                })
                .collect();
            let replies = self.connection.sadd(&members).await;
            match answers.record(&pending, replies) {
                Ok(None) => {}
                Ok(Some(e)) => {
                    tracing::warn!(error = %e, ?delay, "Redis seen-set insert interrupted; retrying");
                    self.connection.pause_until_recovered(&mut delay).await?;
                }
                Err(e) => return Err(BrokerError::redis("SADD fingerprints", e)),
            }
        }
        let fresh = answers.into_answers();
        let new = fresh.iter().filter(|&&b| b).count();
        if new > 0 {
            // Sent once: an INCRBY whose reply was lost may have been
            // applied, and sending it again could count the chunk twice.
            let counted: RedisResult<i64> = self
                .connection
                .query(redis::cmd("INCRBY").arg(self.count_key()).arg(new))
                .await;
            if let Err(e) = counted {
                tracing::warn!(error = %e, new, "Seen-set counter not updated; count() lags");
            }
        }
        Ok(fresh)
    }
}

/// What is known of one chunk's fingerprints across its attempts.
///
/// A SADD reply of 1 means "added": new. A 0 means "already present", which
/// is certain only if this SADD was never sent before: after an attempt
/// failed with a lost connection or a timeout, its SADDs may have been
/// applied with the replies lost, and the retry then finds them present. So
/// on a retry a 0 is ambiguous and counts as new: at least once, a duplicate
/// fetch at worst (the sink deduplicates), never a lost URL.
struct ChunkAnswers {
    /// `Some(new)` once answered.
    answers: Vec<Option<bool>>,
    /// Attempts recorded so far.
    attempts: u32,
}

impl ChunkAnswers {
    fn new(len: usize) -> ChunkAnswers {
        ChunkAnswers {
            answers: vec![None; len],
            attempts: 0,
        }
    }

    /// The indexes not answered yet.
    fn pending(&self) -> Vec<usize> {
        (0..self.answers.len())
            .filter(|&i| self.answers[i].is_none())
            .collect()
    }

    /// Records one attempt: `replies[k]` answers the fingerprint at index
    /// `pending[k]`. A transient error (lost connection, timeout) leaves
    /// that fingerprint pending and is returned, to retry; any other error
    /// is `Err`.
    fn record(
        &mut self,
        pending: &[usize],
        replies: Vec<RedisResult<i64>>,
    ) -> Result<Option<RedisError>, RedisError> {
        if replies.len() != pending.len() {
            return Err(RedisError::from((
                redis::ErrorKind::UnexpectedReturnType,
                "SADD replies do not match the commands sent",
            )));
        }
        let retry = self.attempts > 0;
        self.attempts += 1;
        let mut lost = None;
        for (&i, reply) in pending.iter().zip(replies) {
            match reply {
                Ok(added) => self.answers[i] = Some(added == 1 || retry),
                Err(e) if transient_redis(&e) => {
                    lost.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(lost)
    }

    /// The answers; one never answered (not reached when every index was
    /// recorded) reads as new, the safe side.
    fn into_answers(self) -> Vec<bool> {
        self.answers
            .into_iter()
            .map(|a| a.unwrap_or(true))
            .collect()
    }
}

/// Connection-level Redis failures worth retrying.
fn transient(e: &BrokerError) -> bool {
    matches!(e, BrokerError::Redis { source, .. } if transient_redis(source))
}

/// A lost connection, a refused one or a timeout (the command may or may
/// not have been applied), or a cluster in flux (MOVED, ASK, TRYAGAIN,
/// CLUSTERDOWN, no connection to the slot's node; the connection refreshes
/// its slot map meanwhile).
fn transient_redis(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_timeout()
        || e.is_cluster_error()
        || e.kind() == redis::ErrorKind::ClusterConnectionNotFound
}

fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[async_trait]
impl SeenSet for RedisSeenSet {
    async fn insert_new(&self, fingerprints: &[u64]) -> Result<Vec<bool>, BackendError> {
        // Only the first of duplicates goes to Redis (and may be new).
        let mut first = HashSet::with_capacity(fingerprints.len());
        let distinct: Vec<u64> = fingerprints
            .iter()
            .copied()
            .filter(|&fp| first.insert(fp))
            .collect();
        let mut answers = HashMap::with_capacity(distinct.len());
        for chunk in distinct.chunks(CHUNK) {
            let fresh = self.insert_chunk(chunk).await?;
            answers.extend(chunk.iter().copied().zip(fresh));
        }
        // The first occurrence takes the answer; later ones are not new.
        Ok(fingerprints
            .iter()
            .map(|fp| answers.remove(fp).unwrap_or(false))
            .collect())
    }

    async fn count(&self) -> Result<u64, BackendError> {
        let count = self
            .connection
            .retry("seen-set count", || async {
                let n: Option<u64> = self
                    .connection
                    .query(redis::cmd("GET").arg(self.count_key()))
                    .await
                    .map_err(|e| BrokerError::redis("GET seen count", e))?;
                Ok(n.unwrap_or(0))
            })
            .await?;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_buckets_for_the_expected_count() {
        let mut c = RedisConfig::new("redis://127.0.0.1/");
        assert_eq!(c.buckets(), 31_250);
        c.expected_urls = 0;
        assert_eq!(c.buckets(), 1);
    }

    fn lost() -> RedisError {
        std::io::Error::from(std::io::ErrorKind::ConnectionReset).into()
    }

    #[test]
    fn a_clean_first_attempt_is_certain() {
        let mut a = ChunkAnswers::new(3);
        let pending = a.pending();
        let lost_one = a.record(&pending, vec![Ok(1), Ok(0), Ok(1)]);
        assert!(matches!(lost_one, Ok(None)));
        assert!(a.pending().is_empty());
        assert_eq!(a.into_answers(), [true, false, true]);
    }

    #[test]
    fn a_retried_zero_is_ambiguous_and_new() {
        let mut a = ChunkAnswers::new(4);
        // First attempt: the pipeline's reply was lost.
        let pending = a.pending();
        let first = a.record(&pending, vec![Err(lost()); 4]);
        assert!(matches!(first, Ok(Some(ref e)) if e.is_connection_dropped()));
        assert_eq!(a.pending(), [0, 1, 2, 3]);
        // The retry finds 0 and 2 present (applied by the lost attempt, or
        // seen before: indistinguishable), so they are new; 1 was added.
        // 3's reply is lost again.
        let pending = a.pending();
        let second = a.record(&pending, vec![Ok(0), Ok(1), Ok(0), Err(lost())]);
        assert!(matches!(second, Ok(Some(_))));
        assert_eq!(a.pending(), [3]);
        let third = a.record(&[3], vec![Ok(0)]);
        assert!(matches!(third, Ok(None)));
        assert_eq!(a.into_answers(), [true; 4]);
    }

    #[test]
    fn only_the_lost_replies_are_retried() {
        // Per-command replies (a cluster): certain answers of the first
        // attempt stand; only the lost one is sent again.
        let mut a = ChunkAnswers::new(3);
        let pending = a.pending();
        assert!(matches!(
            a.record(&pending, vec![Ok(0), Err(lost()), Ok(1)]),
            Ok(Some(_))
        ));
        assert_eq!(a.pending(), [1]);
        assert!(matches!(a.record(&[1], vec![Ok(0)]), Ok(None)));
        assert_eq!(a.into_answers(), [false, true, true]);
    }

    #[test]
    fn other_errors_and_short_replies_fail() {
        let mut a = ChunkAnswers::new(2);
        let wrong_type = RedisError::from((redis::ErrorKind::Client, "WRONGTYPE"));
        assert!(a.record(&[0, 1], vec![Ok(1), Err(wrong_type)]).is_err());
        let mut b = ChunkAnswers::new(2);
        assert!(b.record(&[0, 1], vec![Ok(1)]).is_err());
    }

    #[test]
    fn escapes_globs() {
        assert_eq!(glob_escape("a*b[c]"), "a\\*b\\[c\\]");
    }
}
