//! [`HostBudget`] on the embedded store.
//!
//! One table, [`HOST_PAGES`] (host key -> pages granted so far). A `take`
//! goes through the writer thread, so it is one durable, atomic step, and
//! only what it grants is added; `used` reads in its own read transaction.

use async_trait::async_trait;
use redb::{ReadableDatabase, ReadableTable, TableError, WriteTransaction};

use crate::store::EmbeddedStore;
use crate::tables::HOST_PAGES;
use crate::writer::Op;
use newshound_core::{BackendError, HostBudget};

#[async_trait]
impl HostBudget for EmbeddedStore {
    async fn take(&self, requests: &[(String, u64)], limit: u64) -> Result<Vec<u64>, BackendError> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        let requests = requests.to_vec();
        self.call(|reply| Op::BudgetTake {
            requests,
            limit,
            reply,
        })
        .await
    }

    async fn used(&self, host: &str) -> Result<u64, BackendError> {
        let db = self.db.clone();
        let host = host.to_string();
        let read = move || -> Result<u64, redb::Error> {
            let txn = db.begin_read()?;
            let table = match txn.open_table(HOST_PAGES) {
                Ok(table) => table,
                Err(TableError::TableDoesNotExist(_)) => return Ok(0),
                Err(e) => return Err(e.into()),
            };
            Ok(table.get(host.as_str())?.map(|v| v.value()).unwrap_or(0))
        };
        tokio::task::spawn_blocking(read)
            .await
            .map_err(|e| BackendError::failed("reading a host's page budget", e))?
            .map_err(|e| BackendError::failed("reading a host's page budget", e))
    }
}

/// Grants each request what is left of its host's `limit` (at most what it
/// asks for) and adds the grant to the host's count.
pub(crate) fn take(
    txn: &WriteTransaction,
    requests: &[(String, u64)],
    limit: u64,
) -> Result<Vec<u64>, redb::Error> {
    let mut table = txn.open_table(HOST_PAGES)?;
    let mut granted = Vec::with_capacity(requests.len());
    for (host, wanted) in requests {
        let used = table.get(host.as_str())?.map(|v| v.value()).unwrap_or(0);
        let grant = limit.saturating_sub(used).min(*wanted);
        if grant > 0 {
            table.insert(host.as_str(), used + grant)?;
        }
        granted.push(grant);
    }
    Ok(granted)
}
