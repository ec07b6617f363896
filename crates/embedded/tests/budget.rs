//! The embedded per-host page budget against a real redb file in a temp dir.

use newshound_core::HostBudget;
use newshound_embedded::EmbeddedStore;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

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
    assert_eq!(store.used("a.org").await.expect("used"), 5);
    assert_eq!(store.used("b.org").await.expect("used"), 5);
    assert_eq!(store.used("c.org").await.expect("used"), 0);
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
    assert_eq!(store.used("a.org").await.expect("used"), 40);
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
    assert_eq!(store.used("a.org").await.expect("used"), 200);
    assert_eq!(store.used("b.org").await.expect("used"), 200);
}
