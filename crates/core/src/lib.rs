//! Shared vocabulary of newshound: the messages that flow between roles, the
//! site configuration, URL canonicalization and scope rules, and the small
//! backend traits every role is written against.
//!
//! Layout:
//! - [`config`]: the typed, validated crawl configuration (one TOML file per site);
//! - [`canon`]: URL canonicalization, fingerprints and scope rules;
//! - [`message`]: fetch jobs, fetched pages, discovered links and article records;
//! - [`backend`]: the traits every backend implements: job queue (with its consumer and
//!   settling), seen-set, host budget, revisit schedule, article sink and capture sink;
//! - [`control`]: operator commands, the live control state and status reports;
//! - [`handoff`]: how fetched pages reach the parsers (the pages queue, or memory);
//! - [`codec`]: the wire encoding of messages;
//! - [`coding`]: decoding HTTP content codings (gzip, deflate, zstd), bounded;
//! - [`shutdown`]: the cancellation handle passed down to every role;
//! - [`worker`]: the consume loop every role runs;
//! - [`recrawl`]: when a hub, feed or article is due for its next visit;
//! - [`stats`]: live crawl counters;
//! - [`report`]: error chains for logs and dead letters.
#![deny(missing_docs)]

pub mod backend;
pub mod canon;
pub mod codec;
pub mod coding;
pub mod config;
pub mod control;
pub mod handoff;
pub mod message;
pub mod recrawl;
pub mod report;
pub mod shutdown;
pub mod stats;
pub mod worker;

pub use backend::{
    ArticleSink, BackendError, CaptureSink, Consumer, Delivery, HostBudget, JobQueue, Message,
    Queue, Revisit, RevisitSchedule, SeenSet,
};
pub use handoff::{MemoryPages, PageDelivery, PageHandoff, QueuePages};
pub use shutdown::Shutdown;
pub use stats::CrawlStats;
