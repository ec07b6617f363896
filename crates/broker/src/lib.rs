//! The distributed backends: [`JobQueue`](newshound_core::JobQueue) on
//! RabbitMQ ([`AmqpQueue`]), [`SeenSet`](newshound_core::SeenSet) on Redis
//! ([`RedisSeenSet`]), [`RevisitSchedule`](newshound_core::RevisitSchedule)
//! on Redis ([`RedisRevisitSchedule`]), [`HostBudget`](newshound_core::HostBudget)
//! on Redis ([`RedisHostBudget`]) and an
//! [`ArticleSink`](newshound_core::ArticleSink) that publishes to the
//! `articles` fanout exchange ([`AmqpArticlePublisher`]). Roles see only the
//! traits; the semantics are those of the embedded backends
//! (`newshound-embedded`).
//!
//! Layout:
//! - `error`: [`BrokerError`] and its mapping onto `BackendError`;
//! - [`amqp`]: [`AmqpConfig`] (built from core's validated `[backend]` by
//!   [`AmqpConfig::for_backend`], which owns the defaults); [`amqp::topology`] (names, arguments,
//!   declaration; [`Topology`] renders the deploy definitions);
//!   `amqp::definitions` (the topology as a RabbitMQ definitions document);
//!   `amqp::connection` (the reconnecting supervisor, confirmed publishing);
//!   `amqp::queue` ([`AmqpQueue`]); `amqp::consumer` (consumers, spreading
//!   fetch partitions); `amqp::settle` (ack, requeue, retry, dead-letter);
//!   `amqp::management` (unacked counts over HTTP);
//! - `articles`: [`AmqpArticlePublisher`];
//! - `control_plane`: [`DistributedControl`], operators' commands and the
//!   processes' status (control exchange, Redis keys);
//! - `redis_connection`: the Redis connection both Redis backends run on
//!   (one server or a cluster; retry after a lost connection, rebuilding a
//!   cluster connection);
//! - `redis_budget`: [`RedisHostBudget`];
//! - `redis_schedule`: [`RedisRevisitSchedule`];
//! - `redis_seen`: [`RedisConfig`] (from `[backend]` by
//!   [`RedisConfig::for_backend`]), [`RedisTarget`], [`RedisSeenSet`].
//!
//! # RabbitMQ
//!
//! Every process declares the whole [`Topology`] when it connects (and again
//! after each reconnection): durable queues, persistent messages,
//! `x-max-priority` 10. The fetch queue is `N` partition queues
//! `<prefix>.fetch.<i>` (`i = xxh3(partition_key) % N`; a message without a
//! key is placed by the hash of its payload). Each partition is held by one
//! fetcher at a time, through an exclusive consumer, so one process paces a
//! host. Fetchers count themselves by subscribing to `<prefix>.fetchers`,
//! and each holds ⌈N / fetchers⌉ partitions: one above its share releases
//! the excess, one below claims free partitions (see `amqp::consumer`).
//! [`Topology::definitions`] renders the same topology as a RabbitMQ
//! definitions document.
//!
//! Publishing waits for every publisher confirm (a Nack or an unroutable
//! message is an error). Consumers ack manually under `basic.qos(prefetch)`
//! per channel (a fetcher has one channel per partition it holds).
//! `retry_after` publishes a copy (attempt header `x-newshound-attempt` + 1) to `<prefix>.retry.<bucket>`, whose
//! `<prefix>.<queue>.retry.<bucket>` queue holds it for the bucket's TTL and
//! dead-letters it back to the work queue it came from; the delay is rounded
//! up to 1 s, 5 s, 30 s, 5 min or 1 h. `dead_letter` publishes a copy with
//! `x-newshound-reason` to `<prefix>.dead`, routed to
//! `<prefix>.<queue>.dead`. Both then ack the original.
//!
//! A lost connection is rebuilt by an application-level supervisor with
//! exponential backoff (lapin's auto-recovery is not used); publish, consume
//! and depth wait for it. Deliveries from the dead connection cannot be
//! settled any more; RabbitMQ redelivers them.
//!
//! `depth()`: `waiting` sums the ready counts (passive declares) of the work
//! and delay queues, `dead` is the dead queue's count. `in_flight` (unacked)
//! is not available over AMQP: it comes from the management HTTP API
//! ([`AmqpConfig::management_url`], by default port 15672 of the AMQP host;
//! plugin `rabbitmq_management`; http or https, a path prefix kept, 5 s timeout, answers
//! capped at 16 MiB). When that does not answer, `in_flight` is 0 with
//! `in_flight_unknown` set, and the depth is not idle (a `--once` run waits
//! rather than ending with work in flight). The API samples its counts every 5 s
//! (`collect_statistics_interval`), so a `--once` idle check must see idle
//! for longer than that.
//!
//! # Redis seen-set layout
//!
//! A URL's 64-bit fingerprint is stored whole as an integer member of one of
//! `B` bucket sets `<prefix>:seen:<b>` (`b` = the fingerprint's high bits,
//! multiply-shift onto `0..B`), with `B = ⌈expected_urls / 320⌉` recorded in
//! `<prefix>:seen:buckets` by the first process (later ones adopt it).
//! `SADD` of a member that parses as an integer keeps the set in Redis's
//! compact *intset* encoding while it has at most `set-max-intset-entries`
//! (512 by default) members; full 64-bit values make it 8 bytes per member.
//!
//! - Memory: at the expected count a bucket holds 320 members on average
//!   (σ ≈ 18; the fullest of 31 250 buckets ≈ 400 < 512, so every bucket
//!   stays an intset until ≈ 1.4 × the expected count). Per URL:
//!   8 bytes, plus jemalloc size-class rounding of the intset allocation
//!   (≈ 10 % at 2.5 KiB), plus ≈ 100 bytes of per-key overhead (key string,
//!   dict entry, object header) / 320 ≈ 0.3 bytes: ≈ 9.2 bytes per URL,
//!   measured 9.13 at 1 M and 9.20 at 10 M (see the `measure_bytes_per_url`
//!   ignored test).
//!   At 10 million expected URLs: 31 250 keys.
//! - Exactness: the whole 64-bit fingerprint is compared, so a new URL is
//!   falsely "seen" only on a fingerprint collision: with n URLs stored,
//!   p = n / 2⁶⁴ = 5.4 × 10⁻¹² per URL at n = 10⁸ (bound: 10⁻⁹).
//! - The bucket count, not exactness, depends on `expected_urls`: beyond
//!   ≈ 1.4 × that, buckets turn into hashtables (≈ 50 bytes/URL) but the
//!   answers stay exact.
//!
//! Each `SADD` is atomic (its reply says whether the fingerprint was new).
//! A batch (duplicates within it sent once) goes in chunks of 5000, each
//! followed by `INCRBY <prefix>:seen:count` of the number reported new,
//! which `count()` reads. On one server a chunk is one pipeline.
//!
//! # Redis Cluster
//!
//! [`RedisTarget::Cluster`] names some nodes of a Redis Cluster (the rest are
//! discovered). The bucket keys carry no hash tag, so they spread over all
//! slots and primaries. redis-rs's async cluster pipelines must stay within
//! one slot, so a chunk's SADDs go as concurrent single-key commands (in
//! waves of 256), which the cluster connection routes by slot and pipelines
//! on each node's multiplexed connection; each answers for itself, so after
//! a lost reply only the unanswered ones are sent again. The cluster
//! connection is built with no retries of its own (it would resend a
//! command whose reply was lost, hiding the ambiguity below); MOVED, ASK,
//! TRYAGAIN and CLUSTERDOWN come back to the seen-set, which retries after
//! the connection refreshed its slot map. After a lost connection the
//! cluster connection is replaced by a new one (redis-rs's was seen to stall
//! after hundreds of commands failed at once on connections closed by the
//! nodes). `delete_all` SCANs every primary; the multi-key UNLINK is split
//! by slot by the connection. The revisit schedule runs on the same kind of
//! connection, with the same retries.
//!
//! At least once: a chunk whose replies were lost (dropped connection,
//! timeout) is sent again, and as the lost attempt may have been applied, a
//! 0 ("present") on a retry is ambiguous and reported as new: a harmless
//! duplicate fetch (the sink deduplicates), never a dropped URL. Only a 1, or
//! a 0 on a chunk's first, clean attempt, is certain. The counter is rough:
//! it counts what was reported new (so ambiguous fingerprints that were in
//! fact seen before count twice), and an `INCRBY` whose reply was lost is not
//! sent again (it could count twice), so it can also lag, as after a crash
//! between the two commands.
//!
//! # Redis revisit schedule layout
//!
//! A sorted set `{<prefix>}:revisit:due` (member: the fingerprint in
//! decimal, score: due time in ms) and a hash `{<prefix>}:revisit:state`
//! (field: the same fingerprint, value: the encoded entry), in one Redis
//! Cluster slot through the hash tag `{<prefix>}`. Every write is one Lua
//! script; `claim_due` takes the due members and moves them to the lease end
//! in one script, so frontiers never claim the same entry for one lease (see
//! [`RedisRevisitSchedule`]).
#![deny(missing_docs)]

pub mod amqp;
mod articles;
mod control_plane;
mod error;
mod redis_budget;
mod redis_connection;
mod redis_schedule;
mod redis_seen;

pub use amqp::topology::Topology;
pub use amqp::{AmqpConfig, AmqpQueue, DEFAULT_FETCH_PARTITIONS};
pub use articles::AmqpArticlePublisher;
pub use control_plane::{DistributedControl, STALE_AFTER};
pub use error::{BrokerError, ManagementError, redact_url};
pub use redis_budget::RedisHostBudget;
pub use redis_schedule::RedisRevisitSchedule;
pub use redis_seen::{RedisConfig, RedisSeenSet, RedisTarget, TARGET_BUCKET_FILL};

/// Prefix of every queue, exchange and Redis key of a crawl when
/// `[backend] prefix` is not set.
pub const DEFAULT_PREFIX: &str = "newshound";

#[cfg(test)]
mod tests {
    use super::*;
    use newshound_core::config::{Backend, Config};
    use std::path::Path;

    /// `KEY = VALUE` as `config/default.toml` gives it, commented out, in
    /// `[backend]`.
    fn documented(key: &str) -> String {
        let text = include_str!("../../../config/default.toml");
        let section = text
            .split("\n[backend]\n")
            .nth(1)
            .and_then(|rest| rest.split("\n[").next())
            .expect("config/default.toml has a [backend] section");
        section
            .lines()
            .find_map(|line| {
                line.strip_prefix("# ")
                    .filter(|rest| rest.starts_with(&format!("{key} = ")))
            })
            .unwrap_or_else(|| panic!("config/default.toml documents no `# {key} = ...`"))
            .to_string()
    }

    /// The validated `[backend]` of a file with these lines in it.
    fn backend(lines: &[String]) -> Backend {
        let text = format!(
            "[site]\nname = \"t\"\nseeds = [\"http://127.0.0.1:8311/\"]\n[backend]\n{}\n",
            lines.join("\n")
        );
        Config::from_toml(Path::new("default.toml"), &text)
            .expect("valid")
            .backend
            .expect("names RabbitMQ and Redis")
    }

    /// The defaults `config/default.toml` gives for `[backend]` are the ones
    /// `AmqpConfig` and `RedisConfig` take when a key is left out.
    #[test]
    fn default_toml_documents_the_broker_defaults() {
        let urls = [documented("amqp_url"), documented("redis_url")];
        let defaults = backend(&urls);
        let mut lines = urls.to_vec();
        lines.extend(["prefix", "fetch_partitions", "expected_urls"].map(documented));
        let documented = backend(&lines);
        assert_eq!(
            format!("{:?}", AmqpConfig::for_backend(&documented)),
            format!("{:?}", AmqpConfig::for_backend(&defaults))
        );
        assert_eq!(
            format!("{:?}", RedisConfig::for_backend(&documented)),
            format!("{:?}", RedisConfig::for_backend(&defaults))
        );
    }

    /// What `[backend]` sets reaches both configs; the rest are the
    /// constructors' defaults.
    #[test]
    fn configs_take_the_backend_section_and_default_the_rest() {
        let unset = Backend {
            amqp_url: "amqp://127.0.0.1:5672/%2f".into(),
            redis: RedisTarget::Single("redis://127.0.0.1:6379/".into()),
            management_url: None,
            prefix: None,
            fetch_partitions: None,
            expected_urls: None,
        };
        assert_eq!(
            format!("{:?}", AmqpConfig::for_backend(&unset)),
            format!("{:?}", AmqpConfig::new("amqp://127.0.0.1:5672/%2f"))
        );
        assert_eq!(
            format!("{:?}", RedisConfig::for_backend(&unset)),
            format!("{:?}", RedisConfig::new("redis://127.0.0.1:6379/"))
        );
        let set = Backend {
            management_url: Some("http://127.0.0.1:15673".into()),
            prefix: Some("crawl-1".into()),
            fetch_partitions: Some(4),
            expected_urls: Some(1_000),
            ..unset
        };
        let amqp = AmqpConfig::for_backend(&set);
        assert_eq!(amqp.prefix, "crawl-1");
        assert_eq!(amqp.fetch_partitions, 4);
        assert_eq!(
            amqp.management_url.as_deref(),
            Some("http://127.0.0.1:15673")
        );
        let redis = RedisConfig::for_backend(&set);
        assert_eq!(
            (redis.prefix.as_str(), redis.expected_urls),
            ("crawl-1", 1_000)
        );
    }
}
