//! `newshound reextract WARC... --out DIR`: today's extractor over stored
//! captures, writing the article records a crawl writes (`DIR/articles.jsonl`,
//! deduplicated and numbered the same way).
//!
//! Every `response` record with a 2xx answer is read as the parser reads a
//! fetched page: its body decoded from its `Transfer-Encoding` and
//! `Content-Encoding`, its URL and date taken for the page's, and the job's
//! URL and redirects from the `metadata` record newshound writes after it
//! (WARC files of other crawlers have none: the response's URL is then the
//! job's). Files are read in the order given, a directory's files in name
//! order (which is the order they were written).

use anyhow::Context;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::cli::ReextractArgs;
use newshound_core::ArticleSink;
use newshound_core::coding::{self, Decoded};
use newshound_core::config::Config;
use newshound_core::message::{FetchJob, FetchedPage, LinkKind};
use newshound_parser::ParserConfig;
use newshound_sink::JsonlSink;
use newshound_sink::warc::{Reader, Record, parse_record_id};
use url::Url;

/// Largest record block read (a page body is at most 1 GiB, its head 64 KiB).
const MAX_BLOCK: u64 = (1 << 30) + (64 << 10);

/// Largest HTTP head parsed.
const MAX_HEADERS: usize = 256;

/// What a run read and wrote.
#[derive(Default)]
struct Counts {
    records: u64,
    pages: u64,
    articles: u64,
    written: u64,
}

pub async fn run(args: ReextractArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => crate::settings::parser(&Config::load(path)?)?,
        None => ParserConfig {
            extract: newshound_extract::ExtractOptions::default(),
            canon: newshound_core::canon::CanonRules::default(),
            max_body_bytes: 1 << 30,
            feeds: newshound_feeds::Limits::default(),
            concurrency: 1,
        },
    };
    let sink = JsonlSink::open(&args.out)?;
    let mut counts = Counts::default();
    let mut stories = HashSet::new();
    for path in files(&args.warcs)? {
        let mut pending: Option<Pending> = None;
        let reader = Reader::open(&path, MAX_BLOCK)
            .with_context(|| format!("opening {}", path.display()))?;
        for record in reader {
            let record = record.with_context(|| format!("reading {}", path.display()))?;
            counts.records += 1;
            match record.get("WARC-Type") {
                Some("response") => {
                    if let Some(done) = pending.take() {
                        emit(done, &config, &sink, &mut stories, &mut counts).await?;
                    }
                    pending = response(&record, &config)
                        .with_context(|| format!("{}: a response record", path.display()))?;
                }
                Some("metadata") => {
                    let refers = record.get("WARC-Refers-To").and_then(parse_record_id);
                    if let Some(mut done) = pending.take_if(|p| Some(p.id) == refers) {
                        described(&mut done.page, &record);
                        emit(done, &config, &sink, &mut stories, &mut counts).await?;
                    }
                }
                _ => {}
            }
        }
        if let Some(done) = pending.take() {
            emit(done, &config, &sink, &mut stories, &mut counts).await?;
        }
    }
    println!(
        "reextract done: {} records read, {} pages, {} articles, {} records written to {}",
        counts.records,
        counts.pages,
        counts.articles,
        counts.written,
        sink.path().display()
    );
    Ok(())
}

/// The WARC files named, directories expanded.
fn files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("reading the directory {}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_warc(p))
                .collect();
            inside.sort();
            out.extend(inside);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn is_warc(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".warc.gz") || name.ends_with(".warc")
}

/// A response read, waiting for its metadata record.
struct Pending {
    id: uuid::Uuid,
    page: FetchedPage,
}

/// The page of a 2xx response record (`None` for other answers and records
/// that are not HTTP).
fn response(record: &Record, config: &ParserConfig) -> anyhow::Result<Option<Pending>> {
    let Some(uri) = record.get("WARC-Target-URI") else {
        return Ok(None);
    };
    let url = Url::parse(uri.trim_matches(['<', '>']))
        .with_context(|| format!("WARC-Target-URI {uri:?}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Ok(None);
    }
    let fetched_at = record
        .get("WARC-Date")
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.with_timezone(&Utc))
        .with_context(|| format!("{url}: no readable WARC-Date"))?;
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut head = httparse::Response::new(&mut headers);
    let Ok(httparse::Status::Complete(head_len)) = head.parse(&record.block) else {
        tracing::warn!(%url, "Response record without a readable HTTP head; skipped");
        return Ok(None);
    };
    let status = head.code.unwrap_or(0);
    if !(200..300).contains(&status) {
        return Ok(None);
    }
    let header = |name: &str| {
        head.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    let mut body = record.block[head_len..].to_vec();
    if header("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked")) {
        body = dechunk(&body)
            .with_context(|| format!("{url}: a chunked body that does not decode"))?;
    }
    let body = match coding::decode(
        header("content-encoding").as_deref(),
        &body,
        config.max_body_bytes,
    )
    .with_context(|| format!("{url}: the body"))?
    {
        Decoded::Identity | Decoded::Unknown(_) => body,
        Decoded::Decoded(decoded) => decoded,
    };
    let page = FetchedPage {
        job: FetchJob {
            url: url.clone(),
            depth: 0,
            kind: LinkKind::Unknown,
            related: false,
            revisit: None,
        },
        final_url: url,
        redirected_from: Vec::new(),
        status,
        content_type: header("content-type"),
        fetched_at,
        etag: header("etag"),
        last_modified: header("last-modified"),
        body,
        exchanges: Vec::new(),
    };
    let id = record
        .get("WARC-Record-ID")
        .and_then(parse_record_id)
        .unwrap_or_default();
    Ok(Some(Pending { id, page }))
}

/// Takes the job's URL and the redirects from newshound's metadata record.
fn described(page: &mut FetchedPage, metadata: &Record) {
    let text = String::from_utf8_lossy(&metadata.block);
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let Ok(url) = Url::parse(value.trim()) else {
            continue;
        };
        match name.trim() {
            "via" => page.job.url = url,
            "redirected-from" => page.redirected_from.push(url),
            _ => {}
        }
    }
}

/// Extracts the page's article, if any, and writes it.
async fn emit(
    pending: Pending,
    config: &ParserConfig,
    sink: &JsonlSink,
    stories: &mut HashSet<String>,
    counts: &mut Counts,
) -> anyhow::Result<()> {
    counts.pages += 1;
    let Some(mut article) = newshound_parser::article_of(&pending.page, config) else {
        return Ok(());
    };
    counts.articles += 1;
    // As the parser does for a changed story the page does not date.
    if !stories.insert(article.canonical_url.clone()) && article.fields.updated.is_none() {
        article.fields.updated = Some(pending.page.fetched_at.fixed_offset());
    }
    let written = sink
        .write(vec![article])
        .await
        .with_context(|| format!("writing to {}", sink.path().display()))?;
    counts.written += written as u64;
    Ok(())
}

/// Decodes a chunked body (RFC 9112 7.1); trailers are dropped.
fn dechunk(mut bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    loop {
        let (skip, size) = match httparse::parse_chunk_size(bytes) {
            Ok(httparse::Status::Complete(found)) => found,
            Ok(httparse::Status::Partial) => anyhow::bail!("cut short in a chunk size"),
            Err(_) => anyhow::bail!("an unreadable chunk size"),
        };
        bytes = &bytes[skip..];
        if size == 0 {
            return Ok(out);
        }
        let size = usize::try_from(size).context("a chunk past the address space")?;
        anyhow::ensure!(bytes.len() >= size, "cut short in a chunk");
        out.extend_from_slice(&bytes[..size]);
        bytes = bytes[size..]
            .strip_prefix(b"\r\n")
            .context("a chunk not ended by CRLF")?;
    }
}
