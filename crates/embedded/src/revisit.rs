//! [`RevisitSchedule`] on the embedded store.
//!
//! Two tables: [`REVISIT_STATE`] (fingerprint -> encoded [`Revisit`]) and
//! [`REVISIT_DUE`] ((due ms, fingerprint) -> ()), which holds one key per
//! entry, at the entry's `due_ms`, so that the due entries are a range scan in
//! due order. Writes (`put`, `remove`, `claim_due`) go through the writer
//! thread, so each is one durable, atomic step; `get` reads in its own read
//! transaction.
//!
//! A claim moves the entry's due key to the lease end and stores the entry
//! with `due_ms` = the lease end, so a claimed entry that is never reported
//! (the frontier died) is due again when the lease ends, also after a
//! restart.

use async_trait::async_trait;
use redb::{ReadableDatabase, ReadableTable, TableError, WriteTransaction};
use std::collections::HashSet;

use crate::store::EmbeddedStore;
use crate::tables::{REVISIT_DUE, REVISIT_STATE};
use crate::writer::{Delta, Op};
use newshound_core::{BackendError, Revisit, RevisitSchedule, codec};

#[async_trait]
impl RevisitSchedule for EmbeddedStore {
    async fn put(&self, entries: Vec<(u64, Revisit)>) -> Result<(), BackendError> {
        if entries.is_empty() {
            return Ok(());
        }
        let entries = entries
            .iter()
            .map(|(fp, revisit)| {
                let bytes = codec::encode(revisit)
                    .map_err(|e| BackendError::failed("encoding a revisit entry", e))?;
                Ok((*fp, revisit.due_ms, bytes))
            })
            .collect::<Result<Vec<_>, BackendError>>()?;
        self.call(|reply| Op::RevisitPut { entries, reply }).await
    }

    async fn get(&self, fingerprint: u64) -> Result<Option<Revisit>, BackendError> {
        let db = self.db.clone();
        let read = move || -> Result<Option<Vec<u8>>, redb::Error> {
            let txn = db.begin_read()?;
            let table = match txn.open_table(REVISIT_STATE) {
                Ok(table) => table,
                Err(TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            Ok(table.get(fingerprint)?.map(|v| v.value().to_vec()))
        };
        let bytes = tokio::task::spawn_blocking(read)
            .await
            .map_err(|e| BackendError::failed("reading the revisit schedule", e))?
            .map_err(|e| BackendError::failed("reading the revisit schedule", e))?;
        Ok(bytes.and_then(|bytes| decode(fingerprint, &bytes)))
    }

    async fn remove(&self, fingerprint: u64) -> Result<(), BackendError> {
        self.call(|reply| Op::RevisitRemove { fingerprint, reply })
            .await
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
        self.call(|reply| Op::RevisitClaim {
            now_ms,
            lease_ms,
            max,
            reply,
        })
        .await
    }

    async fn count(&self) -> Result<u64, BackendError> {
        Ok(self.shared.revisit_count())
    }

    async fn upcoming(&self, max: usize) -> Result<Vec<Revisit>, BackendError> {
        let db = self.db.clone();
        let read = move || -> Result<Vec<(u64, Vec<u8>)>, redb::Error> {
            let txn = db.begin_read()?;
            let (due, state) = match (txn.open_table(REVISIT_DUE), txn.open_table(REVISIT_STATE)) {
                (Ok(due), Ok(state)) => (due, state),
                (Err(TableError::TableDoesNotExist(_)), _)
                | (_, Err(TableError::TableDoesNotExist(_))) => return Ok(Vec::new()),
                (Err(e), _) | (_, Err(e)) => return Err(e.into()),
            };
            let mut entries = Vec::new();
            for key in due.iter()?.take(max) {
                let (_, fingerprint) = key?.0.value();
                if let Some(bytes) = state.get(fingerprint)? {
                    entries.push((fingerprint, bytes.value().to_vec()));
                }
            }
            Ok(entries)
        };
        let entries = tokio::task::spawn_blocking(read)
            .await
            .map_err(|e| BackendError::failed("reading the revisit schedule", e))?
            .map_err(|e| BackendError::failed("reading the revisit schedule", e))?;
        Ok(entries
            .iter()
            .filter_map(|(fp, bytes)| decode(*fp, bytes))
            .collect())
    }
}

/// Decodes a stored entry; one that does not decode (written by an
/// incompatible version) reads as absent, with a warning.
fn decode(fingerprint: u64, bytes: &[u8]) -> Option<Revisit> {
    match codec::decode(bytes) {
        Ok(revisit) => Some(revisit),
        Err(e) => {
            tracing::warn!(fingerprint, error = %e, "Undecodable revisit entry ignored");
            None
        }
    }
}

/// The due time recorded in a stored entry, when it decodes.
fn stored_due(bytes: &[u8]) -> Option<u64> {
    codec::decode::<Revisit>(bytes).ok().map(|r| r.due_ms)
}

/// Inserts or replaces `entries` (fingerprint, due ms, encoded entry), moving
/// each replaced entry's due key.
pub(crate) fn put(
    txn: &WriteTransaction,
    entries: Vec<(u64, u64, Vec<u8>)>,
    delta: &mut Delta,
) -> Result<(), redb::Error> {
    let mut due = txn.open_table(REVISIT_DUE)?;
    let mut state = txn.open_table(REVISIT_STATE)?;
    for (fp, due_ms, bytes) in entries {
        let replaced = state
            .insert(fp, bytes.as_slice())?
            .map(|old| stored_due(old.value()));
        match replaced {
            None => delta.revisits += 1,
            Some(Some(old_due)) => {
                due.remove((old_due, fp))?;
            }
            // Its due key cannot be found; `claim` drops it when it comes up.
            Some(None) => {}
        }
        due.insert((due_ms, fp), ())?;
    }
    Ok(())
}

/// Removes the entry of `fingerprint` and its due key.
pub(crate) fn remove(
    txn: &WriteTransaction,
    fingerprint: u64,
    delta: &mut Delta,
) -> Result<(), redb::Error> {
    let mut state = txn.open_table(REVISIT_STATE)?;
    let removed = state
        .remove(fingerprint)?
        .map(|old| stored_due(old.value()));
    if let Some(old_due) = removed {
        delta.revisits -= 1;
        if let Some(old_due) = old_due {
            txn.open_table(REVISIT_DUE)?
                .remove((old_due, fingerprint))?;
        }
    }
    Ok(())
}

/// Claims up to `max` entries due at `now_ms`, earliest first: each one's
/// `due_ms` becomes `now_ms + lease_ms`, in the table and in the returned
/// entry. A due key without a matching entry (left by an undecodable one) is
/// dropped; an undecodable entry is removed.
pub(crate) fn claim(
    txn: &WriteTransaction,
    now_ms: u64,
    lease_ms: u64,
    max: usize,
    delta: &mut Delta,
) -> Result<Vec<(u64, Revisit)>, redb::Error> {
    let until = now_ms.saturating_add(lease_ms);
    let mut due = txn.open_table(REVISIT_DUE)?;
    let mut state = txn.open_table(REVISIT_STATE)?;
    let mut claimed = Vec::new();
    // With no lease, a claimed entry's new key is still in range: skip it.
    let mut taken = HashSet::new();
    let mut from = (0u64, 0u64);
    while claimed.len() < max {
        let keys: Vec<(u64, u64)> = due
            .range(from..=(now_ms, u64::MAX))?
            .take(max - claimed.len())
            .map(|entry| entry.map(|(k, _)| k.value()))
            .collect::<Result<_, _>>()?;
        let Some(&(last_due, last_fp)) = keys.last() else {
            break;
        };
        for (at, fp) in keys {
            if taken.contains(&fp) {
                continue;
            }
            due.remove((at, fp))?;
            let entry = state.get(fp)?.map(|v| codec::decode::<Revisit>(v.value()));
            match entry {
                Some(Ok(mut revisit)) if revisit.due_ms == at => {
                    revisit.due_ms = until;
                    match codec::encode(&revisit) {
                        Ok(bytes) => {
                            state.insert(fp, bytes.as_slice())?;
                            due.insert((until, fp), ())?;
                            taken.insert(fp);
                            claimed.push((fp, revisit));
                        }
                        Err(e) => {
                            tracing::warn!(fingerprint = fp, error = %e, "Unencodable revisit entry removed");
                            state.remove(fp)?;
                            delta.revisits -= 1;
                        }
                    }
                }
                // A stale key: the entry is due at another time.
                Some(Ok(_)) | None => {}
                Some(Err(e)) => {
                    tracing::warn!(fingerprint = fp, error = %e, "Undecodable revisit entry removed");
                    state.remove(fp)?;
                    delta.revisits -= 1;
                }
            }
        }
        from = match last_fp.checked_add(1) {
            Some(fp) => (last_due, fp),
            None => match last_due.checked_add(1) {
                Some(due) => (due, 0),
                None => break,
            },
        };
        if from.0 > now_ms {
            break;
        }
    }
    Ok(claimed)
}
