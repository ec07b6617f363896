//! The embedded backends: durable queues, the seen-set, the revisit
//! schedule and the per-host page budget in one redb file in the state directory, so that `newshound run`
//! needs no RabbitMQ or Redis and a killed run resumes where it stopped.
//!
//! Layout:
//! - [`store`]: opening the database, recovery of unacked messages, depth counters;
//! - `writer`: the single writer thread that applies operations in batches
//!   (one durable commit for many operations: group commit), and
//!   [`StoreError`], why it failed one (the source of the
//!   [`BackendError`](newshound_core::BackendError) its caller gets);
//! - `queue`: [`JobQueue`](newshound_core::JobQueue) and its consumers;
//! - `seen`: [`SeenSet`](newshound_core::SeenSet);
//! - `revisit`: [`RevisitSchedule`](newshound_core::RevisitSchedule);
//! - `budget`: [`HostBudget`](newshound_core::HostBudget).
#![deny(missing_docs)]

mod budget;
mod queue;
mod revisit;
mod seen;
pub mod store;
mod tables;
mod writer;

pub use store::EmbeddedStore;
pub use writer::StoreError;
