//! Table definitions and the stored form of a message.

use redb::TableDefinition;
use serde::{Deserialize, Serialize};

/// Ready messages: (queue, 255 - priority, sequence) -> message.
pub(crate) const READY: TableDefinition<(u8, u8, u64), &[u8]> = TableDefinition::new("ready");
/// Messages waiting for a retry: (queue, due unix ms, sequence) -> message.
pub(crate) const DELAYED: TableDefinition<(u8, u64, u64), &[u8]> = TableDefinition::new("delayed");
/// Delivered, not yet settled: (queue, sequence) -> message.
pub(crate) const IN_FLIGHT: TableDefinition<(u8, u64), &[u8]> = TableDefinition::new("in_flight");
/// Dead letters: (queue, sequence) -> message with its reason.
pub(crate) const DEAD: TableDefinition<(u8, u64), &[u8]> = TableDefinition::new("dead");
/// The seen-set: URL fingerprint -> ().
pub(crate) const SEEN: TableDefinition<u64, ()> = TableDefinition::new("seen");
/// The revisit schedule in due order: (due unix ms, URL fingerprint) -> ().
/// Holds exactly one key per entry of [`REVISIT_STATE`], at its `due_ms`.
pub(crate) const REVISIT_DUE: TableDefinition<(u64, u64), ()> = TableDefinition::new("revisit_due");
/// The revisit schedule's entries: URL fingerprint -> encoded
/// [`Revisit`](newshound_core::Revisit) (see `newshound_core::codec`).
pub(crate) const REVISIT_STATE: TableDefinition<u64, &[u8]> = TableDefinition::new("revisit_state");
/// The per-host page budget: host key -> pages granted so far.
pub(crate) const HOST_PAGES: TableDefinition<&str, u64> = TableDefinition::new("host_pages");
/// Counters: name -> value.
pub(crate) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// A message as stored in any of the queue tables.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Stored {
    pub priority: u8,
    pub attempt: u32,
    pub redelivered: bool,
    pub partition_key: Option<String>,
    pub dead_reason: Option<String>,
    #[serde(with = "serde_bytes")]
    pub payload: Vec<u8>,
}

impl Stored {
    pub(crate) fn encode(&self) -> Vec<u8> {
        // Encoding our own plain struct into a Vec cannot fail.
        postcard::to_stdvec(self).unwrap_or_default()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}
