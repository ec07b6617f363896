//! [`HostBudget`] on the embedded store.
//!
//! One table, [`HOST_PAGES`] (host key -> pages granted so far). A `take`
//! goes through the writer thread, so it is one durable, atomic step, and
//! only what it grants is added.

use async_trait::async_trait;
use redb::{ReadableTable, WriteTransaction};

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

#[cfg(test)]
mod tests {
    //! The budget against a real redb file in a temp dir.

    use super::*;
    use redb::{ReadableDatabase, TableError};
    use std::path::Path;
    use std::sync::Arc;
    use std::time::Duration;

    /// Pages granted to `host` so far, read in a transaction of its own.
    async fn used(store: &EmbeddedStore, host: &str) -> u64 {
        let db = store.db.clone();
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
            .expect("read task")
            .expect("budget readable")
    }

    /// Opens the store, waiting for a previous handle's writer thread to let go.
    async fn open(dir: &Path) -> EmbeddedStore {
        for _ in 0..100 {
            if let Ok(store) = EmbeddedStore::open(dir) {
                return store;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("store at {} did not reopen", dir.display());
    }

    fn req(host: &str, n: u64) -> (String, u64) {
        (host.to_string(), n)
    }

    #[tokio::test]
    async fn grants_up_to_the_limit_per_host() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = open(dir.path()).await;
        let granted = store
            .take(&[req("a.org", 3), req("b.org", 7), req("a.org", 4)], 5)
            .await
            .expect("take");
        assert_eq!(granted, vec![3, 5, 2]);
        assert_eq!(store.take(&[req("a.org", 1)], 5).await.expect("take"), [0]);
        // Only what was granted counts.
        assert_eq!(used(&store, "a.org").await, 5);
        assert_eq!(used(&store, "b.org").await, 5);
        assert_eq!(used(&store, "c.org").await, 0);
        // A larger limit (a changed config) grants the difference.
        assert_eq!(store.take(&[req("a.org", 9)], 8).await.expect("take"), [3]);
        assert!(store.take(&[], 8).await.expect("take").is_empty());
    }

    #[tokio::test]
    async fn counts_survive_reopen() {
        let dir = tempfile::tempdir().expect("temp dir");
        {
            let store = open(dir.path()).await;
            assert_eq!(
                store.take(&[req("a.org", 40)], 50).await.expect("take"),
                [40]
            );
        }
        let store = open(dir.path()).await;
        assert_eq!(used(&store, "a.org").await, 40);
        assert_eq!(
            store.take(&[req("a.org", 40)], 50).await.expect("take"),
            [10]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_takes_never_exceed_the_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(open(dir.path()).await);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut total = 0;
                for _ in 0..50 {
                    let granted = store
                        .take(&[req("a.org", 3), req("b.org", 1)], 200)
                        .await
                        .expect("take");
                    total += granted[0];
                }
                total
            }));
        }
        let mut total = 0;
        for task in tasks {
            total += task.await.expect("task");
        }
        // 8 x 50 x 3 = 1200 asked for, 200 available.
        assert_eq!(total, 200);
        assert_eq!(used(&store, "a.org").await, 200);
        assert_eq!(used(&store, "b.org").await, 200);
    }
}
