//! The embedded revisit schedule against a real redb file in a temp dir.

use newshound_core::canon::fingerprint;
use newshound_core::message::{LinkKind, PageClass, PageVersion};
use newshound_core::{Revisit, RevisitSchedule, codec};
use newshound_embedded::EmbeddedStore;
use std::collections::HashMap;
use std::path::Path;
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

/// A hub entry for `https://example.com/<path>` due at `due_ms`, keyed by its
/// fingerprint.
fn hub(path: &str, due_ms: u64) -> (u64, Revisit) {
    // `Url` decodes from its string (the `url` crate is not a dependency of
    // this crate).
    let text = format!("https://example.com/{path}");
    let url = codec::decode(&codec::encode(&text).expect("encode")).expect("url");
    let revisit = Revisit {
        url,
        depth: 1,
        kind: LinkKind::Hub,
        class: PageClass::Hub,
        due_ms,
        interval_ms: 60_000,
        first_seen_ms: 1_000,
        refetches: 0,
        version: PageVersion {
            etag: Some(format!("\"{path}\"")),
            last_modified: None,
            content_hash: Some("abc".into()),
            revision: 0,
        },
    };
    (fingerprint(&revisit.url), revisit)
}

fn fps(entries: &[(u64, Revisit)]) -> Vec<u64> {
    entries.iter().map(|(fp, _)| *fp).collect()
}

/// Sorted, for entries due at the same time (their order is unspecified).
fn sorted(mut fps: Vec<u64>) -> Vec<u64> {
    fps.sort_unstable();
    fps
}

#[tokio::test]
async fn put_get_remove_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    let (a, b) = (hub("a", 100), hub("b", 200));
    assert_eq!(store.count().await.expect("count"), 0);
    assert_eq!(store.get(a.0).await.expect("get"), None);
    store.put(vec![a.clone(), b.clone()]).await.expect("put");
    assert_eq!(store.count().await.expect("count"), 2);
    assert_eq!(store.get(a.0).await.expect("get"), Some(a.1.clone()));
    assert_eq!(store.get(b.0).await.expect("get"), Some(b.1.clone()));

    // Replacing moves the entry to its new due time; the count stays.
    let mut later = a.1.clone();
    later.due_ms = 1_000;
    later.interval_ms = 120_000;
    store.put(vec![(a.0, later.clone())]).await.expect("put");
    assert_eq!(store.count().await.expect("count"), 2);
    assert_eq!(store.get(a.0).await.expect("get"), Some(later.clone()));
    let due = store.claim_due(500, 10, 10).await.expect("claim");
    assert_eq!(fps(&due), [b.0], "a is no longer due at 100");

    store.remove(b.0).await.expect("remove");
    store.remove(b.0).await.expect("removing twice is fine");
    assert_eq!(store.count().await.expect("count"), 1);
    assert_eq!(store.get(b.0).await.expect("get"), None);
    let due = store.claim_due(10_000, 10, 10).await.expect("claim");
    assert_eq!(fps(&due), [a.0], "a removed entry is never claimed");
    store.put(Vec::new()).await.expect("empty put");
}

#[tokio::test]
async fn claims_earliest_first_and_leases() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    let entries = vec![
        hub("c", 300),
        hub("a", 100),
        hub("later", 5_000),
        hub("b", 200),
    ];
    store.put(entries.clone()).await.expect("put");
    let [c, a, later, b] = [0, 1, 2, 3].map(|i| entries[i].0);

    assert!(
        store
            .claim_due(50, 1_000, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    assert!(
        store
            .claim_due(1_000, 1_000, 0)
            .await
            .expect("claim")
            .is_empty()
    );
    let first = store.claim_due(1_000, 1_000, 2).await.expect("claim");
    assert_eq!(fps(&first), [a, b]);
    assert!(
        first.iter().all(|(_, r)| r.due_ms == 2_000),
        "due at the lease end"
    );
    assert_eq!(first[0].1.url, entries[1].1.url);
    assert_eq!(
        store.get(a).await.expect("get").map(|r| r.due_ms),
        Some(2_000)
    );

    // Leased entries are not due again before the lease ends.
    let second = store.claim_due(1_500, 1_000, 10).await.expect("claim");
    assert_eq!(fps(&second), [c]);
    assert!(
        store
            .claim_due(1_999, 1_000, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    // a and b's lease ends at 2000, c's at 2500.
    let third = store.claim_due(2_000, 1_000, 10).await.expect("claim");
    assert_eq!(sorted(fps(&third)), sorted(vec![a, b]));
    // c is due at 2500, a and b at 3000, later at 5000.
    let fourth = fps(&store.claim_due(10_000, 1_000, 10).await.expect("claim"));
    assert_eq!(fourth.len(), 4);
    assert_eq!((fourth[0], fourth[3]), (c, later));
    assert_eq!(sorted(fourth[1..3].to_vec()), sorted(vec![a, b]));

    // The visit's report replaces the entry and ends the lease.
    let mut reported = entries[1].1.clone();
    reported.due_ms = 60_000;
    store.put(vec![(a, reported)]).await.expect("put");
    let fifth = store.claim_due(20_000, 1_000, 10).await.expect("claim");
    assert_eq!(sorted(fps(&fifth)), sorted(vec![c, b, later]));
    assert_eq!(store.count().await.expect("count"), 4);
}

#[tokio::test]
async fn a_claim_with_no_lease_returns_each_entry_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    let entries = vec![hub("a", 100), hub("b", 100), hub("c", 200)];
    store.put(entries.clone()).await.expect("put");
    let claimed = store.claim_due(1_000, 0, 10).await.expect("claim");
    assert_eq!(sorted(fps(&claimed)), sorted(fps(&entries)));
    assert!(claimed.iter().all(|(_, r)| r.due_ms == 1_000));
}

#[tokio::test]
async fn persists_across_reopen_and_a_lost_claim_comes_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let entries: Vec<(u64, Revisit)> = (0..50).map(|i| hub(&format!("p{i}"), 100 + i)).collect();
    {
        let store = open(dir.path()).await;
        store.put(entries.clone()).await.expect("put");
    }
    let store = open(dir.path()).await;
    assert_eq!(store.count().await.expect("count"), 50);
    for (fp, revisit) in &entries {
        assert_eq!(store.get(*fp).await.expect("get").as_ref(), Some(revisit));
    }
    // Claimed, never reported: the frontier died.
    let claimed = store.claim_due(1_000, 60_000, 10).await.expect("claim");
    assert_eq!(fps(&claimed), fps(&entries[..10]));
    drop(store);

    let store = open(dir.path()).await;
    assert_eq!(store.count().await.expect("count"), 50);
    let rest = store.claim_due(2_000, 60_000, 100).await.expect("claim");
    assert_eq!(
        fps(&rest),
        fps(&entries[10..]),
        "the leased ten are not due"
    );
    let again = store.claim_due(61_000, 60_000, 100).await.expect("claim");
    assert_eq!(
        sorted(fps(&again)),
        sorted(fps(&entries[..10])),
        "due again when the lease ends"
    );
}

#[tokio::test]
async fn concurrent_claims_take_each_entry_once_per_round() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).await;
    let entries: Vec<(u64, Revisit)> = (0..2_000).map(|i| hub(&format!("h{i}"), i)).collect();
    store.put(entries.clone()).await.expect("put");
    let lease = 1_000_000;
    for round in 0..2u64 {
        let now = 10_000 + round * lease;
        let claimers = (0..2).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch = store.claim_due(now, lease, 37).await.expect("claim");
                    if batch.is_empty() {
                        return got;
                    }
                    got.extend(fps(&batch));
                }
            })
        });
        let mut counts: HashMap<u64, u32> = HashMap::new();
        for claimer in claimers.collect::<Vec<_>>() {
            for fp in claimer.await.expect("claimer") {
                *counts.entry(fp).or_default() += 1;
            }
        }
        assert_eq!(counts.len(), entries.len(), "round {round}: none missed");
        assert!(
            counts.values().all(|&n| n == 1),
            "round {round}: no double claims"
        );
    }
}
