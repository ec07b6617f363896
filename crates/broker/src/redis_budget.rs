//! [`HostBudget`] on Redis, shared by every frontier process of a crawl.
//! The layout and guarantees are documented on [`RedisHostBudget`].

use async_trait::async_trait;

use crate::error::BrokerError;
use crate::redis_connection::{Connection, hash_tag, unexpected};
use crate::redis_seen::RedisConfig;
use newshound_core::{BackendError, HostBudget};

/// Hosts served per script (each script blocks Redis while it runs).
const TAKE_CHUNK: usize = 500;

/// `KEYS[1]` the hash; `ARGV[1]` the limit, then host, pages wanted,
/// repeated. Grants each what is left of the limit (at most what it asks
/// for), adds only the grant, and returns the grants in order.
const TAKE: &str = r"
local limit = tonumber(ARGV[1])
local granted = {}
for i = 2, #ARGV, 2 do
  local used = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  local grant = math.min(math.max(limit - used, 0), tonumber(ARGV[i + 1]))
  if grant > 0 then
    redis.call('HINCRBY', KEYS[1], ARGV[i], grant)
  end
  granted[#granted + 1] = grant
end
return granted
";

/// The per-host page budget in Redis (one server or a Redis Cluster).
///
/// Cheap to clone; clones share one auto-reconnecting multiplexed connection.
///
/// # Layout
///
/// One hash, `{<prefix>}:host_pages`: field = the host key
/// (`newshound_core::canon::host_key`), value = the pages granted to it so
/// far. One key, so it is legal on a Redis Cluster (its slot's primary holds
/// the whole budget).
///
/// # Operations
///
/// `take` is one Lua script (`EVAL`) per up to 500 hosts: for each host it reads the count, grants
/// `min(max(limit - used, 0), wanted)` and `HINCRBY`s only the grant, so a
/// count never passes the limit and concurrent frontiers never get more
/// than the limit for a host in total.
///
/// # Failures
///
/// A script that fails with a lost connection or a timeout is sent again
/// (the connection reconnects meanwhile). As the lost attempt may have been
/// applied, its grant may be counted twice: a host then gets fewer pages than
/// its budget, never more.
#[derive(Clone)]
pub struct RedisHostBudget {
    connection: Connection,
    key: String,
}

impl RedisHostBudget {
    /// Connects to the Redis of `config` (its `server`, `prefix` and
    /// `response_timeout_ms`).
    ///
    /// # Errors
    /// [`BrokerError::Unreachable`] when Redis cannot be reached,
    /// [`BrokerError::Config`] for a bad URL, an empty cluster node list, or
    /// a prefix that is empty or holds `{` or `}` (it is the key's hash tag).
    pub async fn connect(config: &RedisConfig) -> Result<RedisHostBudget, BrokerError> {
        let prefix = hash_tag(&config.prefix)?;
        let connection = Connection::open(config).await?;
        Ok(RedisHostBudget {
            connection,
            key: format!("{{{prefix}}}:host_pages"),
        })
    }

    /// The hash of counts, `{<prefix>}:host_pages`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Deletes every count (tests, starting a crawl afresh).
    ///
    /// # Errors
    /// When Redis fails.
    pub async fn delete_all(&self) -> Result<(), BrokerError> {
        self.connection
            .retry("host budget delete", || async {
                let _: u64 = self
                    .connection
                    .query(redis::cmd("UNLINK").arg(&self.key))
                    .await
                    .map_err(|e| BrokerError::redis("UNLINK host budget", e))?;
                Ok(())
            })
            .await
    }
}

/// What [`HostBudget::take`] does, for its errors.
const TAKING: &str = "taking from host page budgets";

#[async_trait]
impl HostBudget for RedisHostBudget {
    async fn take(&self, requests: &[(String, u64)], limit: u64) -> Result<Vec<u64>, BackendError> {
        let mut granted = Vec::with_capacity(requests.len());
        for chunk in requests.chunks(TAKE_CHUNK) {
            let mut eval = redis::cmd("EVAL");
            eval.arg(TAKE).arg(1).arg(&self.key).arg(limit);
            for (host, wanted) in chunk {
                eval.arg(host).arg(*wanted);
            }
            let reply: Vec<u64> = self
                .connection
                .retry("take host budget", || async {
                    self.connection
                        .query(&eval)
                        .await
                        .map_err(|e| BrokerError::redis("take host budget", e))
                })
                .await
                .map_err(|e| e.into_backend(TAKING))?;
            if reply.len() != chunk.len() {
                return Err(BrokerError::redis(
                    "take host budget",
                    unexpected("the budget script's reply is not one grant per host"),
                )
                .into_backend(TAKING));
            }
            granted.extend(reply);
        }
        Ok(granted)
    }
}
