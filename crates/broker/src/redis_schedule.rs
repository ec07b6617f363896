//! [`RevisitSchedule`] on Redis, shared by every frontier process of a crawl.
//! The layout and guarantees are documented on [`RedisRevisitSchedule`].

use async_trait::async_trait;
use redis::{FromRedisValue, Script};
use std::sync::Arc;

use crate::error::BrokerError;
use crate::redis_connection::{Connection, hash_tag, unexpected};
use crate::redis_seen::RedisConfig;
use newshound_core::{BackendError, Revisit, RevisitSchedule, codec};

/// Entries written per `put` script (each script blocks Redis while it runs).
const PUT_CHUNK: usize = 500;

/// `KEYS[1]` due, `KEYS[2]` state; `ARGV`: fingerprint, due ms, encoded
/// entry, repeated.
const PUT: &str = r"
for i = 1, #ARGV, 3 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
  redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
end
";

/// `KEYS[1]` due, `KEYS[2]` state; `ARGV[1]` fingerprint. Returns the
/// encoded entry and its score (nil when absent).
const GET: &str = r"
return {redis.call('HGET', KEYS[2], ARGV[1]), redis.call('ZSCORE', KEYS[1], ARGV[1])}
";

/// `KEYS[1]` due, `KEYS[2]` state; `ARGV[1]` fingerprint.
const REMOVE: &str = r"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
";

/// `KEYS[1]` due, `KEYS[2]` state; `ARGV[1]` now, `ARGV[2]` lease end,
/// `ARGV[3]` max. Returns fingerprint, encoded entry, repeated, earliest
/// first.
const CLAIM: &str = r"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
local claimed = {}
for _, fp in ipairs(due) do
  local state = redis.call('HGET', KEYS[2], fp)
  if state then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[2], fp)
    claimed[#claimed + 1] = fp
    claimed[#claimed + 1] = state
  else
    redis.call('ZREM', KEYS[1], fp)
  end
end
return claimed
";

/// The scripts, hashed once.
struct Scripts {
    put: Script,
    get: Script,
    remove: Script,
    claim: Script,
}

/// The revisit schedule in Redis (one server or a Redis Cluster).
///
/// Cheap to clone; clones share one auto-reconnecting multiplexed connection.
///
/// # Layout
///
/// - `{<prefix>}:revisit:due`, a sorted set: member = the URL fingerprint as
///   a decimal string, score = when it is due (ms since the Unix epoch);
/// - `{<prefix>}:revisit:state`, a hash: field = the fingerprint (same
///   string), value = the [`Revisit`] encoded with [`codec`].
///
/// Both keys carry the hash tag `{<prefix>}`, so they live in one slot of a
/// Redis Cluster and a Lua script may touch both.
///
/// # Operations
///
/// Every write is a Lua script (run by SHA, loaded on `NOSCRIPT`), so each
/// is atomic:
/// - `put`: `HSET` + `ZADD` per entry, up to 500 entries per script;
/// - `remove`: `ZREM` + `HDEL`;
/// - `claim_due`: `ZRANGEBYSCORE due -inf now LIMIT 0 max`, then for each
///   member its state (`HGET`) and `ZADD XX` of the lease end; a member
///   without a state is dropped from the sorted set. As one script, two
///   frontiers never claim the same entry for one lease.
///
/// The sorted set holds an entry's due time; the state's `due_ms` is the one
/// it was `put` with. `get` reads both in one script and returns the sorted
/// set's score as `due_ms`, so an entry read after a claim is due at the
/// lease end, as the claim returned it.
///
/// # Failures
///
/// A command that fails with a lost connection, a timeout or a cluster in
/// flux (MOVED, ASK, TRYAGAIN, CLUSTERDOWN) is sent again once the
/// connection is back (as for the seen-set: one server's reconnects by
/// itself, a cluster connection is replaced by a new one). `put` and
/// `remove` are idempotent.
/// A `claim_due` whose reply was lost may have been applied: the entries it
/// leased are then not returned now, and are due again when their lease
/// ends (claimed late, never lost). An entry whose state does not decode
/// (written by an incompatible version) reads as absent, with a warning, and
/// is removed when it is claimed.
#[derive(Clone)]
pub struct RedisRevisitSchedule {
    connection: Connection,
    scripts: Arc<Scripts>,
    due_key: String,
    state_key: String,
}

impl RedisRevisitSchedule {
    /// Connects to the Redis of `config` (its `server`, `prefix` and
    /// `response_timeout_ms`; `expected_urls` is the seen-set's).
    ///
    /// # Errors
    /// [`BrokerError::Unreachable`] when Redis cannot be reached,
    /// [`BrokerError::Config`] for a bad URL, an empty cluster node list, or
    /// a prefix that is empty or holds `{` or `}` (it is the keys' hash tag).
    pub async fn connect(config: &RedisConfig) -> Result<RedisRevisitSchedule, BrokerError> {
        let prefix = hash_tag(&config.prefix)?;
        let connection = Connection::open(config).await?;
        Ok(RedisRevisitSchedule {
            connection,
            scripts: Arc::new(Scripts {
                put: Script::new(PUT),
                get: Script::new(GET),
                remove: Script::new(REMOVE),
                claim: Script::new(CLAIM),
            }),
            due_key: format!("{{{prefix}}}:revisit:due"),
            state_key: format!("{{{prefix}}}:revisit:state"),
        })
    }

    /// The sorted set of due times, `{<prefix>}:revisit:due`.
    pub fn due_key(&self) -> &str {
        &self.due_key
    }

    /// The hash of entries, `{<prefix>}:revisit:state`.
    pub fn state_key(&self) -> &str {
        &self.state_key
    }

    /// Deletes the whole schedule (tests, starting a crawl afresh).
    ///
    /// # Errors
    /// When Redis fails.
    pub async fn delete_all(&self) -> Result<(), BrokerError> {
        self.connection
            .retry("revisit schedule delete", || async {
                let mut unlink = redis::cmd("UNLINK");
                unlink.arg(&self.due_key).arg(&self.state_key);
                let _: u64 = self
                    .connection
                    .query(&unlink)
                    .await
                    .map_err(|e| BrokerError::redis("UNLINK revisit schedule", e))?;
                Ok(())
            })
            .await
    }

    /// Runs `script` with the schedule's two keys and `args`, retrying
    /// transient failures.
    async fn run<T, A>(&self, what: &str, script: &Script, args: &[A]) -> Result<T, BrokerError>
    where
        T: FromRedisValue,
        A: redis::ToRedisArgs,
    {
        let mut invocation = script.prepare_invoke();
        invocation.key(&self.due_key).key(&self.state_key);
        for arg in args {
            invocation.arg(arg);
        }
        self.connection
            .retry(what, || async {
                self.connection
                    .invoke(&invocation)
                    .await
                    .map_err(|e| BrokerError::redis(what, e))
            })
            .await
    }

    /// Removes the entry stored under `member` (a fingerprint's string).
    async fn remove_member(&self, member: &[u8]) -> Result<(), BrokerError> {
        self.run("remove revisit entry", &self.scripts.remove, &[member])
            .await
    }

    /// Turns the claim script's reply into entries due at `until`; an entry
    /// that cannot be read is removed.
    async fn claimed(
        &self,
        reply: Vec<Vec<u8>>,
        until: u64,
    ) -> Result<Vec<(u64, Revisit)>, BrokerError> {
        let pairs = reply.chunks_exact(2);
        if !pairs.remainder().is_empty() {
            // Not our script's reply; what it leased is due again later.
            return Err(BrokerError::redis(
                "claim due revisits",
                unexpected("the claim script's reply is not pairs"),
            ));
        }
        let mut claimed = Vec::with_capacity(reply.len() / 2);
        for pair in pairs {
            let [member, state] = pair else { continue };
            match parse_member(member).zip(decode(member, state)) {
                Some((fp, mut revisit)) => {
                    revisit.due_ms = until;
                    claimed.push((fp, revisit));
                }
                None => self.remove_member(member).await?,
            }
        }
        Ok(claimed)
    }
}

/// A sorted-set member or hash field as a fingerprint, when it is one.
fn parse_member(member: &[u8]) -> Option<u64> {
    std::str::from_utf8(member).ok()?.parse().ok()
}

/// Decodes a stored entry; one that does not decode reads as absent, with a
/// warning.
fn decode(member: &[u8], state: &[u8]) -> Option<Revisit> {
    match codec::decode(state) {
        Ok(revisit) => Some(revisit),
        Err(e) => {
            let member = String::from_utf8_lossy(member);
            tracing::warn!(%member, error = %e, "Undecodable revisit entry");
            None
        }
    }
}

/// What [`RevisitSchedule::claim_due`] does, for its errors.
const CLAIMING: &str = "claiming due revisits";

/// What [`RevisitSchedule::upcoming`] does, for its errors.
const UPCOMING: &str = "reading the upcoming revisits";

#[async_trait]
impl RevisitSchedule for RedisRevisitSchedule {
    async fn put(&self, entries: Vec<(u64, Revisit)>) -> Result<(), BackendError> {
        for chunk in entries.chunks(PUT_CHUNK) {
            let mut args: Vec<Vec<u8>> = Vec::with_capacity(chunk.len() * 3);
            for (fp, revisit) in chunk {
                let state = codec::encode(revisit)
                    .map_err(|e| BackendError::failed("encoding a revisit entry", e))?;
                args.push(fp.to_string().into_bytes());
                args.push(revisit.due_ms.to_string().into_bytes());
                args.push(state);
            }
            let () = self
                .run("put revisit entries", &self.scripts.put, &args)
                .await
                .map_err(|e| e.into_backend("storing revisit entries"))?;
        }
        Ok(())
    }

    async fn get(&self, fingerprint: u64) -> Result<Option<Revisit>, BackendError> {
        let member = fingerprint.to_string();
        let (state, score): (Option<Vec<u8>>, Option<f64>) = self
            .run("get revisit entry", &self.scripts.get, &[&member])
            .await
            .map_err(|e| e.into_backend("reading a revisit entry"))?;
        let Some(mut revisit) = state.and_then(|s| decode(member.as_bytes(), &s)) else {
            return Ok(None);
        };
        if let Some(score) = score {
            // Scores are whole milliseconds, exact below 2^53.
            revisit.due_ms = score as u64;
        }
        Ok(Some(revisit))
    }

    async fn remove(&self, fingerprint: u64) -> Result<(), BackendError> {
        self.remove_member(fingerprint.to_string().as_bytes())
            .await
            .map_err(|e| e.into_backend("removing a revisit entry"))
    }

    async fn claim_due(
        &self,
        now_ms: u64,
        lease_ms: u64,
        max: usize,
    ) -> Result<Vec<(u64, Revisit)>, BackendError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let until = now_ms.saturating_add(lease_ms);
        let args = [now_ms, until, max as u64];
        let reply: Vec<Vec<u8>> = self
            .run("claim due revisits", &self.scripts.claim, &args)
            .await
            .map_err(|e| e.into_backend(CLAIMING))?;
        self.claimed(reply, until)
            .await
            .map_err(|e| e.into_backend(CLAIMING))
    }

    async fn count(&self) -> Result<u64, BackendError> {
        let count = self
            .connection
            .retry("revisit schedule count", || async {
                self.connection
                    .query(redis::cmd("ZCARD").arg(&self.due_key))
                    .await
                    .map_err(|e| BrokerError::redis("ZCARD revisit schedule", e))
            })
            .await
            .map_err(|e| e.into_backend("counting the revisit schedule"))?;
        Ok(count)
    }

    async fn upcoming(&self, max: usize) -> Result<Vec<Revisit>, BackendError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let members: Vec<Vec<u8>> = self
            .connection
            .retry("upcoming revisits", || async {
                self.connection
                    .query(redis::cmd("ZRANGE").arg(&self.due_key).arg(0).arg(max - 1))
                    .await
                    .map_err(|e| BrokerError::redis("ZRANGE revisit schedule", e))
            })
            .await
            .map_err(|e| e.into_backend(UPCOMING))?;
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let states: Vec<Option<Vec<u8>>> = self
            .connection
            .retry("upcoming revisits", || async {
                self.connection
                    .query(redis::cmd("HMGET").arg(&self.state_key).arg(&members))
                    .await
                    .map_err(|e| BrokerError::redis("HMGET revisit schedule", e))
            })
            .await
            .map_err(|e| e.into_backend(UPCOMING))?;
        Ok(members
            .iter()
            .zip(states)
            .filter_map(|(member, state)| decode(member, &state?))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fingerprint_members() {
        assert_eq!(parse_member(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_member(b"-1"), None);
        assert_eq!(parse_member(b"\xff"), None);
    }
}
