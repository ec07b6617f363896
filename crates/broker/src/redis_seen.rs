//! [`SeenSet`] on Redis: bucketed intsets of 64-bit fingerprints.
//!
//! See the crate documentation for the layout and its memory arithmetic.

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::time::Duration;

use crate::error::{BrokerError, redact_url};
use newshound_core::{BackendError, SeenSet};

/// Mean members per bucket when the set holds `expected_urls`: 62.5 % of
/// Redis's default `set-max-intset-entries` (512), so that the fullest of
/// many buckets stays an intset (mean + 4.5 σ ≈ 400 at the expected count;
/// the first buckets reach 512 at ≈ 1.4 × the expected count).
pub const TARGET_BUCKET_FILL: u64 = 320;

/// Fingerprints sent per pipeline.
const CHUNK: usize = 5_000;

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
    /// `redis://[:password@]host:port[/db]` (credentials are never logged).
    pub url: String,
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
            .field("url", &redact_url(&self.url))
            .field("prefix", &self.prefix)
            .field("expected_urls", &self.expected_urls)
            .field("response_timeout_ms", &self.response_timeout_ms)
            .finish()
    }
}

impl RedisConfig {
    /// The defaults (prefix `newshound`, 10 million expected URLs) for `url`.
    pub fn new(url: impl Into<String>) -> RedisConfig {
        RedisConfig {
            url: url.into(),
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

/// The seen-set in Redis, shared by every frontier process of a crawl.
///
/// Cheap to clone; clones share one auto-reconnecting multiplexed connection.
#[derive(Clone)]
pub struct RedisSeenSet {
    connection: ConnectionManager,
    prefix: String,
    buckets: u64,
}

impl RedisSeenSet {
    /// Connects, and records (or adopts) the bucket count under
    /// `<prefix>:seen:buckets`.
    ///
    /// # Errors
    /// [`BrokerError::Unreachable`] when Redis cannot be reached,
    /// [`BrokerError::Config`] for a bad URL or empty prefix.
    pub async fn connect(config: RedisConfig) -> Result<RedisSeenSet, BrokerError> {
        if config.prefix.is_empty() {
            return Err(BrokerError::Config("prefix must not be empty".into()));
        }
        let address = redact_url(&config.url);
        let unreachable = |message: String| BrokerError::Unreachable {
            service: "Redis",
            address: address.clone(),
            message,
        };
        let client = redis::Client::open(config.url.as_str())
            .map_err(|e| BrokerError::Config(format!("Redis url {address}: {e}")))?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_millis(
                config.response_timeout_ms.max(1),
            )))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let connect = ConnectionManager::new_with_config(client, manager_config);
        let connection = match tokio::time::timeout(Duration::from_secs(15), connect).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Err(unreachable(e.to_string())),
            Err(_) => return Err(unreachable("connection attempt timed out".into())),
        };
        let meta = format!("{}:seen:buckets", config.prefix);
        let buckets = config.buckets();
        let stored: u64 = retry("seen-set setup", || {
            let mut con = connection.clone();
            let meta = meta.as_str();
            async move {
                let _: bool = con
                    .set_nx(meta, buckets)
                    .await
                    .map_err(|e| BrokerError::redis(format!("SETNX {meta}"), e))?;
                con.get(meta)
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
        retry("seen-set delete", || self.delete_all_once()).await
    }

    async fn delete_all_once(&self) -> Result<(), BrokerError> {
        let mut con = self.connection.clone();
        let pattern = format!("{}:seen:*", glob_escape(&self.prefix));
        let mut keys: Vec<String> = Vec::new();
        {
            let mut iter: redis::AsyncIter<'_, String> = con
                .scan_match(&pattern)
                .await
                .map_err(|e| BrokerError::redis("scan seen-set keys", e))?;
            while let Some(key) = futures::StreamExt::next(&mut iter).await {
                keys.push(key.map_err(|e| BrokerError::redis("scan seen-set keys", e))?);
            }
        }
        for chunk in keys.chunks(1000) {
            let _: u64 = con
                .unlink(chunk)
                .await
                .map_err(|e| BrokerError::redis("delete seen-set keys", e))?;
        }
        Ok(())
    }

    /// One pipeline of SADDs (each atomic: 1 = new), then INCRBY of the
    /// counter by the number new.
    async fn insert_chunk(&self, fingerprints: &[u64]) -> Result<Vec<bool>, BrokerError> {
        let mut pipe = redis::pipe();
        for &fp in fingerprints {
            // Redis stores a member that parses as an i64 in the intset.
            pipe.cmd("SADD").arg(self.bucket_key(fp)).arg(fp as i64);
        }
        let mut con = self.connection.clone();
        let added: Vec<i64> = pipe
            .query_async(&mut con)
            .await
            .map_err(|e| BrokerError::redis("SADD fingerprints", e))?;
        let fresh: Vec<bool> = added.iter().map(|&n| n == 1).collect();
        let new = fresh.iter().filter(|&&b| b).count();
        if new > 0 {
            let _: i64 = con
                .incr(self.count_key(), new)
                .await
                .map_err(|e| BrokerError::redis("INCRBY seen count", e))?;
        }
        Ok(fresh)
    }
}

/// Runs `op` until it succeeds or fails other than by a lost connection
/// (the connection manager reconnects in the background meanwhile).
async fn retry<T, F, Fut>(what: &str, mut op: F) -> Result<T, BrokerError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, BrokerError>>,
{
    let mut delay = Duration::from_millis(50);
    loop {
        match op().await {
            Err(e) if transient(&e) => {
                tracing::warn!(error = %e, ?delay, "Redis {what} interrupted; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            other => return other,
        }
    }
}

/// Connection-level Redis failures worth retrying.
fn transient(e: &BrokerError) -> bool {
    matches!(e, BrokerError::Redis { source, .. }
        if source.is_io_error() || source.is_connection_dropped()
            || source.is_connection_refusal() || source.is_timeout())
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
        let mut result = Vec::with_capacity(fingerprints.len());
        for chunk in fingerprints.chunks(CHUNK) {
            result.extend(retry("seen-set insert", || self.insert_chunk(chunk)).await?);
        }
        Ok(result)
    }

    async fn count(&self) -> Result<u64, BackendError> {
        let count = retry("seen-set count", || async {
            let mut con = self.connection.clone();
            let n: Option<u64> = con
                .get(self.count_key())
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

    #[test]
    fn escapes_globs() {
        assert_eq!(glob_escape("a*b[c]"), "a\\*b\\[c\\]");
    }
}
