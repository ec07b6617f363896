//! [`SeenSet`] on the embedded store.

use async_trait::async_trait;

use crate::store::EmbeddedStore;
use crate::writer::Op;
use newshound_core::{BackendError, SeenSet};

#[async_trait]
impl SeenSet for EmbeddedStore {
    async fn insert_new(&self, fingerprints: &[u64]) -> Result<Vec<bool>, BackendError> {
        if fingerprints.is_empty() {
            return Ok(Vec::new());
        }
        let fingerprints = fingerprints.to_vec();
        self.call(|reply| Op::Seen {
            fingerprints,
            reply,
        })
        .await
    }

    async fn count(&self) -> Result<u64, BackendError> {
        Ok(self.shared.seen_count())
    }
}
