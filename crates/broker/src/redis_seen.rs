//! [`SeenSet`] on Redis: bucketed intsets of 64-bit fingerprints.
//!
//! See the crate documentation for the layout and its memory arithmetic.

use async_trait::async_trait;
use redis::{Cmd, RedisError, RedisResult};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::DEFAULT_PREFIX;
use crate::error::BrokerError;
use crate::redis_connection::{Connection, redacted, transient_redis};
use newshound_core::config::Backend;
pub use newshound_core::config::RedisTarget;
use newshound_core::report::error_chain;
use newshound_core::{BackendError, SeenSet};

/// Mean members per bucket when the set holds `expected_urls`: 62.5 % of
/// Redis's default `set-max-intset-entries` (512), so that the fullest of
/// many buckets stays an intset (mean + 4.5 σ ≈ 400 at the expected count;
/// the first buckets reach 512 at ≈ 1.4 × the expected count).
pub const TARGET_BUCKET_FILL: u64 = 320;

/// Fingerprints per chunk (one pipeline on a single server).
const CHUNK: usize = 5_000;

/// How to reach Redis and size the seen-set.
#[derive(Clone)]
pub struct RedisConfig {
    /// One server's URL, `redis://[:password@]host:port[/db]`, or a list of
    /// Redis Cluster node URLs (credentials are never logged).
    pub server: RedisTarget,
    /// Prefix of every key (`<prefix>:seen:…`; default [`DEFAULT_PREFIX`]).
    pub prefix: String,
    /// How many URLs the crawl is expected to see; sizes the bucket count
    /// when the set is created (later processes adopt the stored count;
    /// default 10 million).
    pub expected_urls: u64,
    /// Per-command response timeout in milliseconds (default 10 000;
    /// redis-rs defaults to 500 ms, too short for large pipelines).
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
            prefix: DEFAULT_PREFIX.to_string(),
            expected_urls: 10_000_000,
            response_timeout_ms: 10_000,
        }
    }

    /// The settings a validated `[backend]` section gives, the defaults for
    /// the rest.
    pub fn for_backend(backend: &Backend) -> RedisConfig {
        let defaults = RedisConfig::for_target(backend.redis.clone());
        RedisConfig {
            prefix: backend.prefix.clone().unwrap_or(defaults.prefix),
            expected_urls: backend.expected_urls.unwrap_or(defaults.expected_urls),
            ..defaults
        }
    }

    /// The bucket count for `expected_urls`.
    pub fn buckets(&self) -> u64 {
        self.expected_urls.div_ceil(TARGET_BUCKET_FILL).max(1)
    }
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
            let sadds: Vec<Cmd> = pending
                .iter()
                .map(|&i| {
                    let fp = fingerprints[i];
                    // Redis stores a member that parses as an i64 in the intset.
                    let mut sadd = redis::cmd("SADD");
                    sadd.arg(self.bucket_key(fp)).arg(fp as i64);
                    sadd
                })
                .collect();
            // Each SADD is atomic (1 = added) and answers for itself.
            let replies = self.connection.query_each(sadds).await;
            match answers.record(&pending, replies) {
                Ok(None) => {}
                Ok(Some(e)) => {
                    tracing::warn!(error = %error_chain(&e), ?delay, "Redis seen-set insert interrupted; retrying");
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
                tracing::warn!(error = %error_chain(&e), new, "Seen-set counter not updated; count() lags");
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
            let fresh = self
                .insert_chunk(chunk)
                .await
                .map_err(|e| e.into_backend("inserting into the seen-set"))?;
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
            .await
            .map_err(|e| e.into_backend("counting the seen-set"))?;
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
