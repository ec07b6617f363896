//! The article sink: appends article records to `articles.jsonl`, each
//! (canonical URL, content hash) once, across restarts.
//!
//! Layout:
//! - [`JsonlSink`]: the [`ArticleSink`] over one JSONL file;
//! - [`CountingSink`]: counts the records a sink writes;
//! - [`FanOutSink`]: writes to several sinks (the file and PostgreSQL);
//! - [`postgres`]: the [`ArticleSink`] over PostgreSQL tables;
//! - `recover`: reading back the file at open (dedup keys, torn last line);
//! - [`warc`]: the [`CaptureSink`](newshound_core::CaptureSink) over WARC files;
//! - [`role::QueueCaptureSink`]: hands captures to the sink role over the captures queue;
//! - [`role::run`]: the sink role of the distributed mode (articles queue → file,
//!   captures queue → WARC).
//!
//! The file itself is the dedup state: at open it is scanned for the keys it
//! holds, and a torn last line (the process died mid-write) is cut off. So a
//! record is either in the file or will be written again; never twice.
//!
//! The sink also numbers each story's versions: a record's `revision` is 1
//! for the first version of its canonical URL in the file, 2 for the next
//! different one, and so on, whatever order (or repeats) the parsers send.
#![deny(missing_docs)]

pub mod postgres;
mod recover;
pub mod role;
pub mod warc;

pub use postgres::{PostgresError, PostgresSettings, PostgresSink};
pub use warc::{WarcError, WarcSettings, WarcSink, WarcWriteError};

use async_trait::async_trait;
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

use newshound_core::message::Article;
use newshound_core::report::error_chain;
use newshound_core::{ArticleSink, BackendError, CrawlStats};

/// The output file name inside the output directory.
pub const ARTICLES_FILE: &str = "articles.jsonl";

/// The sink could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("article output {path}: {source}")]
pub struct SinkError {
    /// The file.
    pub path: PathBuf,
    /// What failed.
    pub source: std::io::Error,
}

struct WriteRequest {
    articles: Vec<Article>,
    reply: oneshot::Sender<Result<usize, Arc<std::io::Error>>>,
}

/// Writes articles to `<dir>/articles.jsonl`, one JSON object per line.
///
/// Writes from all tasks go through one writer thread that appends whatever
/// is waiting and syncs the file once per batch (group commit); a `write`
/// returns after the sync.
#[derive(Clone)]
pub struct JsonlSink {
    requests: mpsc::Sender<WriteRequest>,
    written: Arc<AtomicU64>,
    path: PathBuf,
}

impl JsonlSink {
    /// Opens (or creates) the output in `dir`, recovering its dedup keys.
    ///
    /// # Errors
    /// Fails when the directory or file cannot be created, read or repaired.
    pub fn open(dir: &Path) -> Result<JsonlSink, SinkError> {
        let path = dir.join(ARTICLES_FILE);
        let fail = |source| SinkError {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(fail)?;
        let (known, records) = recover::recover(&path).map_err(fail)?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(fail)?;
        let (requests, rx) = mpsc::channel(1024);
        let written = Arc::new(AtomicU64::new(records));
        std::thread::Builder::new()
            .name("jsonl-sink".into())
            .spawn(move || writer(file, known, rx))
            .map_err(fail)?;
        Ok(JsonlSink {
            requests,
            written,
            path,
        })
    }

    /// Records in the file (those from earlier runs included).
    pub fn records(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[async_trait]
impl ArticleSink for JsonlSink {
    async fn write(&self, articles: Vec<Article>) -> Result<usize, BackendError> {
        if articles.is_empty() {
            return Ok(0);
        }
        let (reply, rx) = oneshot::channel();
        self.requests
            .send(WriteRequest { articles, reply })
            .await
            .map_err(|_| BackendError::Closed)?;
        let new = rx.await.map_err(|_| BackendError::Closed)?.map_err(|e| {
            BackendError::failed(format!("writing articles to {}", self.path.display()), e)
        })?;
        self.written.fetch_add(new as u64, Ordering::Relaxed);
        Ok(new)
    }
}

/// An [`ArticleSink`] that counts the records its inner sink writes (new
/// ones, not repeats it drops) in [`CrawlStats::articles_written`].
pub struct CountingSink {
    inner: Arc<dyn ArticleSink>,
    stats: Arc<CrawlStats>,
}

impl CountingSink {
    /// Counts what `inner` writes in `stats`.
    pub fn new(inner: Arc<dyn ArticleSink>, stats: Arc<CrawlStats>) -> CountingSink {
        CountingSink { inner, stats }
    }
}

#[async_trait]
impl ArticleSink for CountingSink {
    async fn write(&self, articles: Vec<Article>) -> Result<usize, BackendError> {
        let new = self.inner.write(articles).await?;
        CrawlStats::add(&self.stats.articles_written, new as u64);
        Ok(new)
    }
}

/// An [`ArticleSink`] that writes each batch to all of its sinks at once
/// and succeeds only when every one did: a failed batch is written again as
/// a whole, and each sink drops the records it already holds.
///
/// The count returned is the largest any sink reported: a record written to
/// one sink in an attempt that failed on another is counted when the retry
/// writes it to the other.
pub struct FanOutSink {
    sinks: Vec<Arc<dyn ArticleSink>>,
}

impl FanOutSink {
    /// Writes to every sink of `sinks`.
    pub fn new(sinks: Vec<Arc<dyn ArticleSink>>) -> FanOutSink {
        FanOutSink { sinks }
    }
}

#[async_trait]
impl ArticleSink for FanOutSink {
    async fn write(&self, articles: Vec<Article>) -> Result<usize, BackendError> {
        let writes = self.sinks.iter().map(|sink| sink.write(articles.clone()));
        let mut new = 0;
        for result in futures::future::join_all(writes).await {
            new = new.max(result?);
        }
        Ok(new)
    }
}

/// The dedup key of a record.
pub(crate) fn record_key(canonical_url: &str, content_hash: &str) -> u128 {
    let mut bytes = Vec::with_capacity(canonical_url.len() + content_hash.len() + 1);
    bytes.extend_from_slice(canonical_url.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(content_hash.as_bytes());
    xxhash_rust::xxh3::xxh3_128(&bytes)
}

/// The key of a story: its canonical URL.
pub(crate) fn story_key(canonical_url: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(canonical_url.as_bytes())
}

/// What the file holds: its records' keys, and each story's last revision.
#[derive(Default)]
pub(crate) struct Known {
    /// [`record_key`] of every record.
    pub keys: HashSet<u128>,
    /// Versions written per [`story_key`].
    pub revisions: HashMap<u64, u32>,
}

fn writer(mut file: File, mut known: Known, mut rx: mpsc::Receiver<WriteRequest>) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while let Ok(next) = rx.try_recv() {
            batch.push(next);
        }
        let mut buffer = Vec::new();
        let mut added = Vec::new();
        let mut revised: HashMap<u64, u32> = HashMap::new();
        let mut counts = Vec::with_capacity(batch.len());
        for request in &mut batch {
            let mut new = 0;
            for article in &mut request.articles {
                let key = record_key(&article.canonical_url, &article.content_hash);
                if known.keys.contains(&key) || added.contains(&key) {
                    continue;
                }
                let story = story_key(&article.canonical_url);
                let last = revised
                    .get(&story)
                    .or_else(|| known.revisions.get(&story))
                    .copied()
                    .unwrap_or(0);
                article.revision = last + 1;
                // Serializing our own record type to JSON cannot fail.
                if serde_json::to_writer(&mut buffer, &*article).is_ok() {
                    buffer.push(b'\n');
                    added.push(key);
                    revised.insert(story, article.revision);
                    new += 1;
                }
            }
            counts.push(new);
        }
        let result = file.write_all(&buffer).and_then(|()| file.sync_data());
        match result {
            Ok(()) => {
                known.keys.extend(added);
                known.revisions.extend(revised);
                for (request, new) in batch.into_iter().zip(counts) {
                    drop(request.reply.send(Ok(new)));
                }
            }
            Err(e) => {
                // The file may now end in a partial line; it is repaired at
                // the next open, and the callers will write again.
                tracing::error!(error = %error_chain(&e), "Article output write failed");
                let e = Arc::new(e);
                for request in batch {
                    drop(request.reply.send(Err(e.clone())));
                }
            }
        }
    }
}
