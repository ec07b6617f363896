//! The WARC output: every fetched page as WARC/1.1 records, each record a
//! gzip member of its own, in files rotated at a configured size.
//!
//! Per capture (one fetched page), in this order:
//! - per redirect hop and for the final answer: a `request` record (the
//!   request line and headers as sent) and a `response` record (the status
//!   line, headers and body as received: a `Content-Encoding` body is kept
//!   encoded; a chunked body is kept dechunked, its `Transfer-Encoding`
//!   dropped and said so in a `WARC-Newshound-Note` field);
//! - a `revisit` instead of the final `response` for a `304` answer
//!   (profile `server-not-modified`) and for a body already archived for
//!   the same URL (profile `identical-payload-digest`, as Heritrix
//!   deduplicates), pointing at the earlier response when it is known;
//! - a `metadata` record (`application/warc-fields`) referring to the final
//!   response: the job's URL, the redirects, the depth and, for an article,
//!   the record's canonical URL and `content_hash`.
//!
//! Each file opens with a `warcinfo` record. Record IDs are UUIDs derived
//! from the exchange (URL and time), so a capture delivered again has the
//! same IDs and is written once: the IDs of the captures in the directory
//! are read back at open, as the JSONL sink reads its keys.
//!
//! Writes go through one thread that appends whatever is waiting and syncs
//! once per batch. A process killed mid-write leaves the file it was
//! writing named `.open`, possibly ending in a torn record or a capture
//! whose last records are missing: the next open cuts it back to its last
//! complete capture and closes it.

mod files;
mod record;

pub use files::{CLOSED, OPEN, Reader, file_name, list, serial_of};
pub use record::{Record, WARC_VERSION, parse_record_id, read_record, sha1_digest, warc_date};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use newshound_core::message::{Capture, Exchange, FetchedPage};
use newshound_core::report::error_chain;
use newshound_core::{BackendError, CaptureSink};

/// The namespace of the record IDs newshound derives (UUID v5).
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6e65_7773_686f_756e_642d_7761_7263_0001);

/// Largest body read back from a capture (the fetcher's cap is at most 1 GiB).
const MAX_BODY: u64 = 1 << 30;

/// The WARC output could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("WARC output {path}: {source}")]
pub struct WarcError {
    /// The directory or file.
    pub path: PathBuf,
    /// What failed.
    #[source]
    pub source: std::io::Error,
}

/// Why the WARC writer failed a batch or a close: every write of the batch
/// fails with it, shared as an `Arc<WarcWriteError>`, the source of the
/// caller's [`BackendError`].
#[derive(Debug, thiserror::Error)]
pub enum WarcWriteError {
    /// A file could not be opened, written, synced or renamed.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// A capture's body as received (before decoding) could not be read
    /// back.
    #[error("{uri}: the captured body as received: {source}")]
    WireBody {
        /// The exchange's URL.
        uri: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// A record could not be compressed.
    #[error("{url}: compressing a record: {source}")]
    Compress {
        /// The page's URL.
        url: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
}

impl WarcWriteError {
    /// An I/O error on `path`.
    fn file(path: &Path) -> impl FnOnce(std::io::Error) -> WarcWriteError + '_ {
        move |source| WarcWriteError::File {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// How the WARC output is set up.
#[derive(Clone, Debug)]
pub struct WarcSettings {
    /// The directory of the files.
    pub dir: PathBuf,
    /// File name prefix.
    pub prefix: String,
    /// Size past which a file is closed and the next opened.
    pub max_file_bytes: u64,
    /// What the `warcinfo` record says about the crawl (`name: value`
    /// fields besides the software and format).
    pub info: Vec<(String, String)>,
}

/// Where a write's outcome goes (new captures, or why it failed).
type Reply = oneshot::Sender<Result<usize, Arc<WarcWriteError>>>;

enum Request {
    Write {
        captures: Vec<Capture>,
        reply: Reply,
    },
    Close {
        reply: oneshot::Sender<Result<(), Arc<WarcWriteError>>>,
    },
}

/// Writes captures to WARC files in a directory (see the module docs).
#[derive(Clone)]
pub struct WarcSink {
    requests: mpsc::Sender<Request>,
    written: Arc<AtomicU64>,
    dir: PathBuf,
}

impl WarcSink {
    /// Opens the output in `settings.dir` (created if missing): repairs and
    /// closes a file a killed process left open, and reads back which
    /// captures the directory holds.
    ///
    /// # Errors
    /// Fails when the directory cannot be created or read, or a file
    /// cannot be read or repaired.
    pub fn open(settings: WarcSettings) -> Result<WarcSink, WarcError> {
        let dir = settings.dir.clone();
        let fail = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WarcError { path, source }
        };
        std::fs::create_dir_all(&dir).map_err(fail(&dir))?;
        let mut known = Known::default();
        let mut serial = 0;
        for path in files::list(&dir).map_err(fail(&dir))? {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if let Some(s) = files::serial_of(&settings.prefix, name) {
                serial = serial.max(s + 1);
            }
            let scan = files::scan(&path).map_err(fail(&path))?;
            if name.ends_with(files::OPEN) {
                let (closed, cut) = files::repair_open(&path, &scan).map_err(fail(&path))?;
                tracing::warn!(
                    file = %path.display(),
                    closed = %closed.display(),
                    bytes_cut = cut,
                    "WARC file left open by a stopped run: cut back to its last complete capture and closed"
                );
            } else if let Some(e) = &scan.error {
                tracing::warn!(file = %path.display(), error = %e, "WARC file unreadable past a point; its later records are not known");
            }
            known.learn(&scan.records);
        }
        let written = Arc::new(AtomicU64::new(known.captures.len() as u64));
        let (requests, rx) = mpsc::channel(256);
        let writer = Writer {
            settings,
            serial,
            host: files::host_name(),
            current: None,
            known,
        };
        std::thread::Builder::new()
            .name("warc-sink".into())
            .spawn(move || writer.run(rx))
            .map_err(fail(&dir))?;
        Ok(WarcSink {
            requests,
            written,
            dir,
        })
    }

    /// Captures in the directory (those of earlier runs included).
    pub fn captures(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Closes the file being written (renamed without `.open`); a later
    /// write opens the next one.
    ///
    /// # Errors
    /// Fails when the file cannot be synced or renamed.
    pub async fn close(&self) -> Result<(), BackendError> {
        let (reply, rx) = oneshot::channel();
        self.requests
            .send(Request::Close { reply })
            .await
            .map_err(|_| BackendError::Closed)?;
        rx.await
            .map_err(|_| BackendError::Closed)?
            .map_err(|e| BackendError::failed("closing the WARC file", e))
    }
}

#[async_trait]
impl CaptureSink for WarcSink {
    async fn write(&self, captures: Vec<Capture>) -> Result<usize, BackendError> {
        if captures.is_empty() {
            return Ok(0);
        }
        let (reply, rx) = oneshot::channel();
        self.requests
            .send(Request::Write { captures, reply })
            .await
            .map_err(|_| BackendError::Closed)?;
        let new = rx
            .await
            .map_err(|_| BackendError::Closed)?
            .map_err(|e| BackendError::failed("writing WARC captures", e))?;
        self.written.fetch_add(new as u64, Ordering::Relaxed);
        Ok(new)
    }
}

/// An earlier response: its ID and date.
#[derive(Clone, Copy)]
struct Earlier {
    id: Uuid,
    date: DateTime<Utc>,
}

/// What the directory holds.
#[derive(Default)]
struct Known {
    /// The `metadata` record ID of every complete capture.
    captures: HashSet<Uuid>,
    /// The first response per (URL, payload digest).
    payloads: HashMap<u128, Earlier>,
    /// The latest response per URL.
    latest: HashMap<u64, Earlier>,
}

impl Known {
    /// Learns the records of a file's complete captures.
    fn learn(&mut self, records: &[Record]) {
        for record in records {
            let id = record.get("WARC-Record-ID").and_then(parse_record_id);
            let Some(id) = id else { continue };
            match record.get("WARC-Type") {
                Some("metadata") => {
                    self.captures.insert(id);
                }
                Some("response") => {
                    let (Some(uri), Some(date)) = (
                        record.get("WARC-Target-URI"),
                        record
                            .get("WARC-Date")
                            .and_then(|d| DateTime::parse_from_rfc3339(d).ok()),
                    ) else {
                        continue;
                    };
                    let earlier = Earlier {
                        id,
                        date: date.with_timezone(&Utc),
                    };
                    if let Some(digest) = record.get("WARC-Payload-Digest") {
                        self.payloads
                            .entry(payload_key(uri, digest))
                            .or_insert(earlier);
                    }
                    self.latest.insert(url_key(uri), earlier);
                }
                _ => {}
            }
        }
    }
}

fn payload_key(uri: &str, digest: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(format!("{uri}\n{digest}").as_bytes())
}

fn url_key(uri: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(uri.as_bytes())
}

/// The ID of record `kind` of an exchange of the job for `job_url`.
fn derived_id(kind: &str, job_url: &str, exchange: &Exchange) -> Uuid {
    let name = format!(
        "{kind} {job_url} {} {}",
        exchange.url,
        warc_date(exchange.fetched_at)
    );
    Uuid::new_v5(&ID_NAMESPACE, name.as_bytes())
}

/// The file being written.
struct OpenFile {
    file: File,
    path: PathBuf,
    size: u64,
    /// Its size when the batch being written first appended to it.
    batch_start: Option<u64>,
}

struct Writer {
    settings: WarcSettings,
    serial: u32,
    host: String,
    current: Option<OpenFile>,
    known: Known,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Request>) {
        while let Some(first) = rx.blocking_recv() {
            let mut batch = vec![first];
            while let Ok(next) = rx.try_recv() {
                batch.push(next);
            }
            let mut writes = Vec::new();
            let mut closes = Vec::new();
            for request in batch {
                match request {
                    Request::Write { captures, reply } => writes.push((captures, reply)),
                    Request::Close { reply } => closes.push(reply),
                }
            }
            if !writes.is_empty() {
                self.write_batch(writes);
            }
            if !closes.is_empty() {
                let result = self.close().map_err(Arc::new);
                for reply in closes {
                    drop(reply.send(result.clone()));
                }
            }
        }
        if let Err(e) = self.close() {
            tracing::error!(error = %error_chain(&e), "WARC file not closed");
        }
    }

    /// Writes the captures of every request, syncs, then answers each.
    fn write_batch(&mut self, writes: Vec<(Vec<Capture>, Reply)>) {
        let mut counts = Vec::with_capacity(writes.len());
        let mut result = Ok(());
        let mut added = Vec::new();
        for (captures, _) in &writes {
            let mut new = 0;
            for capture in captures {
                if result.is_err() {
                    break;
                }
                match self.write_capture(capture, &mut added) {
                    Ok(true) => new += 1,
                    Ok(false) => {}
                    Err(e) => result = Err(e),
                }
            }
            counts.push(new);
        }
        let result = result.and_then(|()| match &mut self.current {
            Some(open) => open
                .file
                .sync_data()
                .map_err(WarcWriteError::file(&open.path)),
            None => Ok(()),
        });
        match result {
            Ok(()) => {
                self.learn(added);
                if let Some(open) = self.current.as_mut() {
                    open.batch_start = None;
                }
                for ((_, reply), new) in writes.into_iter().zip(counts) {
                    drop(reply.send(Ok(new)));
                }
            }
            Err(e) => {
                // What the batch wrote to the current file is cut off; the
                // callers write again.
                tracing::error!(error = %error_chain(&e), "WARC write failed");
                self.undo_batch();
                let e = Arc::new(e);
                for (_, reply) in writes {
                    drop(reply.send(Err(e.clone())));
                }
            }
        }
    }

    /// Appends one capture's records unless the directory holds it already
    /// (`Ok(false)`). What it adds to [`Known`] is pushed to `added`, applied
    /// once the batch is synced.
    fn write_capture(
        &mut self,
        capture: &Capture,
        added: &mut Vec<Added>,
    ) -> Result<bool, WarcWriteError> {
        let page = &capture.page;
        let Some(last) = page.exchanges.last() else {
            // Captured without its exchanges (the fetcher did not keep them).
            return Ok(false);
        };
        let job_url = page.job.url.as_str();
        let metadata_id = derived_id("metadata", job_url, last);
        if self.known.captures.contains(&metadata_id)
            || added.iter().any(|(id, _, _)| *id == metadata_id)
        {
            return Ok(false);
        }
        let body = &page.body;
        let pending = |key: u128| {
            added
                .iter()
                .find_map(|(_, p, _)| p.filter(|(k, _)| *k == key).map(|(_, e)| e))
        };
        let mut records = Vec::new();
        let mut final_response = None;
        let mut new_payload = None;
        for (i, exchange) in page.exchanges.iter().enumerate() {
            let is_final = i + 1 == page.exchanges.len();
            let response_id = derived_id("response", job_url, exchange);
            let request_id = derived_id("request", job_url, exchange);
            let uri = exchange.url.as_str();
            let wire_body = match (&exchange.body_on_wire_zstd, is_final) {
                (Some(raw), _) => decompress(raw).map_err(|source| WarcWriteError::WireBody {
                    uri: uri.to_string(),
                    source,
                })?,
                (None, true) if page.status != 304 => body.clone(),
                (None, _) => Vec::new(),
            };
            let mut record = Record::new("response", response_id, exchange.fetched_at)
                .header("WARC-Target-URI", uri);
            if let Some(ip) = exchange.ip {
                record = record.header("WARC-IP-Address", ip.to_string());
            }
            for note in &exchange.notes {
                record = record.header("WARC-Newshound-Note", note.clone());
            }
            let digest = sha1_digest(&wire_body);
            let key = payload_key(uri, &digest);
            let earlier_payload = self
                .known
                .payloads
                .get(&key)
                .copied()
                .or_else(|| pending(key));
            let record = if is_final && page.status == 304 {
                let mut revisit = retype(record, "revisit")
                    .header(
                        "WARC-Profile",
                        "http://netpreserve.org/warc/1.1/revisit/server-not-modified",
                    )
                    .header("WARC-Refers-To-Target-URI", uri);
                if let Some(earlier) = self.known.latest.get(&url_key(uri)) {
                    revisit = revisit
                        .header("WARC-Refers-To", record::record_id(earlier.id))
                        .header("WARC-Refers-To-Date", warc_date(earlier.date));
                }
                revisit.block(
                    "application/http;msgtype=response",
                    exchange.response_head.clone(),
                )
            } else if let (true, Some(earlier)) =
                (is_final && !wire_body.is_empty(), earlier_payload)
            {
                retype(record, "revisit")
                    .header(
                        "WARC-Profile",
                        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
                    )
                    .header("WARC-Refers-To-Target-URI", uri)
                    .header("WARC-Refers-To", record::record_id(earlier.id))
                    .header("WARC-Refers-To-Date", warc_date(earlier.date))
                    .header("WARC-Payload-Digest", digest)
                    .block(
                        "application/http;msgtype=response",
                        exchange.response_head.clone(),
                    )
            } else {
                let mut block = exchange.response_head.clone();
                block.extend_from_slice(&wire_body);
                if is_final {
                    new_payload = Some((
                        key,
                        Earlier {
                            id: response_id,
                            date: exchange.fetched_at,
                        },
                    ));
                }
                record
                    .header("WARC-Payload-Digest", digest)
                    .block("application/http;msgtype=response", block)
            };
            if is_final {
                final_response = Some(response_id);
            }
            let mut request = Record::new("request", request_id, exchange.fetched_at)
                .header("WARC-Target-URI", uri)
                .header("WARC-Concurrent-To", record::record_id(response_id));
            if let Some(ip) = exchange.ip {
                request = request.header("WARC-IP-Address", ip.to_string());
            }
            records
                .push(request.block("application/http;msgtype=request", exchange.request.clone()));
            records.push(record);
        }
        let response_id = final_response.unwrap_or(metadata_id);
        records.push(
            Record::new("metadata", metadata_id, last.fetched_at)
                .header("WARC-Target-URI", last.url.as_str())
                .header("WARC-Refers-To", record::record_id(response_id))
                .block("application/warc-fields", metadata_fields(capture)),
        );
        let mut bytes = Vec::new();
        for record in &records {
            bytes.extend(
                record
                    .to_gzip_member()
                    .map_err(|source| WarcWriteError::Compress {
                        url: page.final_url.to_string(),
                        source,
                    })?,
            );
        }
        self.append(&bytes, added)?;
        let latest = (page.status != 304 && final_response.is_some()).then(|| {
            (
                url_key(last.url.as_str()),
                Earlier {
                    id: response_id,
                    date: last.fetched_at,
                },
            )
        });
        added.push((metadata_id, new_payload, latest));
        Ok(true)
    }

    /// Appends one capture's members to the current file, first rotating
    /// when they would take it past the size limit (the closed file is
    /// synced, so what `added` holds so far is durable and learned).
    fn append(&mut self, bytes: &[u8], added: &mut Vec<Added>) -> Result<(), WarcWriteError> {
        let rotate = self
            .current
            .as_ref()
            .is_some_and(|open| open.size + bytes.len() as u64 > self.settings.max_file_bytes);
        if rotate {
            self.close()?;
            self.learn(std::mem::take(added));
        }
        let open = match self.current.take() {
            Some(open) => open,
            None => self.open_next()?,
        };
        let open = self.current.insert(open);
        open.batch_start.get_or_insert(open.size);
        open.file
            .write_all(bytes)
            .map_err(WarcWriteError::file(&open.path))?;
        open.size += bytes.len() as u64;
        Ok(())
    }

    /// What a synced batch (or the part of it in a closed file) added.
    fn learn(&mut self, added: Vec<Added>) {
        for (id, payload, latest) in added {
            self.known.captures.insert(id);
            if let Some((key, earlier)) = payload {
                self.known.payloads.entry(key).or_insert(earlier);
            }
            if let Some((key, earlier)) = latest {
                self.known.latest.insert(key, earlier);
            }
        }
    }

    /// After a failed batch: cuts the current file back to where the batch
    /// began in it, or, if that fails too, leaves it (open, to be repaired
    /// at the next start) and writes on in a new one.
    fn undo_batch(&mut self) {
        let Some(open) = self.current.as_mut() else {
            return;
        };
        let Some(start) = open.batch_start.take() else {
            return;
        };
        match open.file.set_len(start) {
            Ok(()) => open.size = start,
            Err(e) => {
                tracing::error!(file = %open.path.display(), error = %e, "WARC file not cut back after a failed write; left open for the next start to repair");
                self.current = None;
            }
        }
    }

    /// Opens the next file, its `warcinfo` written and synced.
    fn open_next(&mut self) -> Result<OpenFile, WarcWriteError> {
        let opened = Utc::now();
        let name = file_name(&self.settings.prefix, opened, self.serial, &self.host);
        self.serial += 1;
        let path = self.settings.dir.join(format!("{name}.open"));
        let mut file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(WarcWriteError::file(&path))?;
        let mut fields = format!(
            "software: newshound/{}\r\nformat: WARC File Format 1.1\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\nhostname: {}\r\n",
            env!("CARGO_PKG_VERSION"),
            self.host
        );
        for (name, value) in &self.settings.info {
            fields.push_str(&format!("{name}: {value}\r\n"));
        }
        let info_id = Uuid::new_v5(&ID_NAMESPACE, format!("warcinfo {name}").as_bytes());
        let info = Record::new("warcinfo", info_id, opened)
            .header("WARC-Filename", name)
            .block("application/warc-fields", fields.into_bytes());
        let bytes = info.to_gzip_member().map_err(WarcWriteError::file(&path))?;
        file.write_all(&bytes)
            .map_err(WarcWriteError::file(&path))?;
        file.sync_data().map_err(WarcWriteError::file(&path))?;
        files::sync_dir(&path).map_err(WarcWriteError::file(&path))?;
        Ok(OpenFile {
            file,
            path,
            size: bytes.len() as u64,
            batch_start: None,
        })
    }

    /// Syncs and renames the current file, if any.
    fn close(&mut self) -> Result<(), WarcWriteError> {
        let Some(open) = self.current.take() else {
            return Ok(());
        };
        open.file
            .sync_all()
            .map_err(WarcWriteError::file(&open.path))?;
        let closed = files::closed_path(&open.path);
        std::fs::rename(&open.path, &closed).map_err(WarcWriteError::file(&open.path))?;
        files::sync_dir(&closed).map_err(WarcWriteError::file(&closed))
    }
}

/// What a synced capture adds to [`Known`]: its metadata ID, its payload
/// and its URL's latest response.
type Added = (Uuid, Option<(u128, Earlier)>, Option<(u64, Earlier)>);

/// A record with another `WARC-Type`.
fn retype(mut record: Record, kind: &str) -> Record {
    if let Some(field) = record.headers.iter_mut().find(|(n, _)| n == "WARC-Type") {
        field.1 = kind.into();
    }
    record
}

/// The `metadata` record's fields.
fn metadata_fields(capture: &Capture) -> Vec<u8> {
    let page: &FetchedPage = &capture.page;
    let mut fields = format!(
        "via: {}\r\nhops-from-seed: {}\r\n",
        page.job.url, page.job.depth
    );
    for from in &page.redirected_from {
        fields.push_str(&format!("redirected-from: {from}\r\n"));
    }
    if let Some(article) = &capture.article {
        fields.push_str(&format!(
            "canonical-url: {}\r\ncontent-hash: {}\r\n",
            article.canonical_url, article.content_hash
        ));
    }
    fields.into_bytes()
}

fn decompress(zstd_bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    zstd::stream::read::Decoder::new(zstd_bytes)?
        .take(MAX_BODY + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 > MAX_BODY {
        return Err(std::io::Error::other("the body inflates past 1 GiB"));
    }
    Ok(out)
}
