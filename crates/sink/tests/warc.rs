//! The WARC output on real files: the records and their digests, one gzip
//! member per record, rotation, once-only writes under redelivery and
//! across restarts, revisits, the repair of a file a killed process left
//! open, and what a failed write reports.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use newshound_core::CaptureSink;
use newshound_core::message::{
    ArticleRef, Capture, Exchange, FetchJob, FetchedPage, LinkKind, compress,
};
use newshound_sink::warc::{Reader, Record, parse_record_id, sha1_digest};
use newshound_sink::{WarcSettings, WarcSink};
use url::Url;

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL")
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_796_000_000 + secs, 123_456_000)
        .single()
        .expect("time")
}

fn settings(dir: &Path, max_file_bytes: u64) -> WarcSettings {
    WarcSettings {
        dir: dir.to_path_buf(),
        prefix: "test".into(),
        max_file_bytes,
        info: vec![("isPartOf".into(), "unit".into())],
    }
}

fn exchange(target: &Url, when: DateTime<Utc>, head: &str) -> Exchange {
    Exchange {
        url: target.clone(),
        fetched_at: when,
        ip: Some("127.0.0.1".parse().expect("ip")),
        request: format!(
            "GET {} HTTP/1.1\r\nhost: 127.0.0.1:1\r\n\r\n",
            target.path()
        )
        .into_bytes(),
        response_head: head.as_bytes().to_vec(),
        body_on_wire_zstd: None,
        notes: Vec::new(),
    }
}

/// A capture of `path` answered `status` with `body` at `when`, reached
/// through the redirects `via` (each a 301 hop first).
fn capture(path: &str, when: DateTime<Utc>, status: u16, body: &[u8], via: &[&str]) -> Capture {
    let target = url(&format!("http://127.0.0.1:1{path}"));
    let mut exchanges = Vec::new();
    let mut chain = Vec::new();
    for hop in via {
        let from = url(&format!("http://127.0.0.1:1{hop}"));
        let mut e = exchange(
            &from,
            when - Duration::milliseconds(5),
            &format!("HTTP/1.1 301 Moved Permanently\r\nlocation: {path}\r\n\r\n"),
        );
        e.notes.push("the body of the redirect was not read".into());
        exchanges.push(e);
        chain.push(from);
    }
    let head = match status {
        304 => "HTTP/1.1 304 Not Modified\r\netag: \"v1\"\r\n\r\n".to_string(),
        _ => format!(
            "HTTP/1.1 {status} OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n",
            body.len()
        ),
    };
    exchanges.push(exchange(&target, when, &head));
    Capture {
        page: FetchedPage {
            job: FetchJob {
                url: chain.first().cloned().unwrap_or_else(|| target.clone()),
                depth: 2,
                kind: LinkKind::Article,
                related: false,
                revisit: None,
            },
            final_url: target,
            redirected_from: chain,
            status,
            content_type: Some("text/html".into()),
            fetched_at: when,
            etag: None,
            last_modified: None,
            body: body.to_vec(),
            exchanges,
        },
        article: Some(ArticleRef {
            canonical_url: format!("http://127.0.0.1:1{path}"),
            content_hash: format!("{:032x}", body.len()),
        }),
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

fn records(file: &Path) -> Vec<Record> {
    Reader::open(file, 1 << 30)
        .expect("open")
        .collect::<Result<_, _>>()
        .expect("every record reads")
}

fn all_records(dir: &Path) -> Vec<Record> {
    files(dir).iter().flat_map(|f| records(f)).collect()
}

fn kind(r: &Record) -> &str {
    r.get("WARC-Type").unwrap_or("")
}

/// Gzip members in a file.
fn members(file: &Path) -> usize {
    let mut reader = BufReader::new(std::fs::File::open(file).expect("open"));
    let mut n = 0;
    while !reader.fill_buf().expect("read").is_empty() {
        let mut decoder = flate2::bufread::GzDecoder::new(&mut reader);
        std::io::copy(&mut decoder, &mut std::io::sink()).expect("a whole member");
        n += 1;
    }
    n
}

/// Pseudo-random bytes (they do not compress), for sizing files.
fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8
        })
        .collect()
}

#[tokio::test]
async fn records_are_warc_1_1_with_their_digests_one_gzip_member_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = WarcSink::open(settings(dir.path(), 1 << 30)).expect("open");
    let body = b"<html><body><p>A story.</p></body></html>";
    let written = sink
        .write(vec![capture("/news/a", at(0), 200, body, &["/old-a"])])
        .await
        .expect("write");
    assert_eq!(written, 1);
    sink.close().await.expect("close");
    let [file] = &files(dir.path())[..] else {
        panic!("one file: {:?}", files(dir.path()));
    };
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    assert!(
        name.starts_with("test-") && name.ends_with(".warc.gz"),
        "{name}"
    );
    assert!(name.contains("-00000-"), "{name}");
    let mut raw = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(file).expect("open"))
        .read_to_end(&mut raw)
        .expect("gunzip");
    assert!(raw.starts_with(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n"));
    let records = records(file);
    let kinds: Vec<&str> = records.iter().map(kind).collect();
    assert_eq!(
        kinds,
        [
            "warcinfo", "request", "response", "request", "response", "metadata"
        ]
    );
    assert_eq!(members(file), records.len(), "one gzip member per record");
    for record in &records {
        assert_eq!(
            record.get("WARC-Block-Digest"),
            Some(sha1_digest(&record.block).as_str()),
            "{:?}",
            record.headers
        );
        assert!(parse_record_id(record.get("WARC-Record-ID").unwrap_or("")).is_some());
    }
    let info = String::from_utf8_lossy(&records[0].block).into_owned();
    assert!(
        info.contains("software: newshound/") && info.contains("isPartOf: unit"),
        "{info}"
    );
    assert_eq!(records[0].get("WARC-Filename"), Some(name));
    // The redirect hop: its own request and response, the note on its body.
    assert_eq!(
        records[2].get("WARC-Target-URI"),
        Some("http://127.0.0.1:1/old-a")
    );
    assert!(records[2].block.starts_with(b"HTTP/1.1 301"));
    assert_eq!(
        records[2].get("WARC-Newshound-Note"),
        Some("the body of the redirect was not read")
    );
    // The final response: head and body as received, payload digest of the body.
    let response = &records[4];
    assert_eq!(
        response.get("Content-Type"),
        Some("application/http;msgtype=response")
    );
    assert_eq!(
        response.get("WARC-Date"),
        Some("2026-11-30T00:53:20.123456Z")
    );
    assert_eq!(response.get("WARC-IP-Address"), Some("127.0.0.1"));
    assert!(response.block.ends_with(body));
    assert_eq!(
        response.get("WARC-Payload-Digest"),
        Some(sha1_digest(body).as_str())
    );
    let response_id = response.get("WARC-Record-ID");
    assert_eq!(records[3].get("WARC-Concurrent-To"), response_id);
    assert_eq!(
        records[3].get("Content-Type"),
        Some("application/http;msgtype=request")
    );
    let metadata = &records[5];
    assert_eq!(metadata.get("WARC-Refers-To"), response_id);
    let fields = String::from_utf8_lossy(&metadata.block).into_owned();
    assert_eq!(
        fields,
        format!(
            "via: http://127.0.0.1:1/old-a\r\nhops-from-seed: 2\r\nredirected-from: http://127.0.0.1:1/old-a\r\n\
             canonical-url: http://127.0.0.1:1/news/a\r\ncontent-hash: {:032x}\r\n",
            body.len()
        )
    );
}

#[tokio::test]
async fn a_body_kept_encoded_is_the_payload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = WarcSink::open(settings(dir.path(), 1 << 30)).expect("open");
    let mut c = capture("/news/gz", at(0), 200, b"<p>decoded</p>", &[]);
    let wire = b"\x1f\x8b pretend gzip".to_vec();
    if let Some(last) = c.page.exchanges.last_mut() {
        last.body_on_wire_zstd = Some(compress(&wire).expect("zstd"));
    }
    sink.write(vec![c]).await.expect("write");
    sink.close().await.expect("close");
    let response = all_records(dir.path())
        .into_iter()
        .find(|r| kind(r) == "response")
        .expect("a response");
    assert!(response.block.ends_with(&wire));
    assert_eq!(
        response.get("WARC-Payload-Digest"),
        Some(sha1_digest(&wire).as_str())
    );
}

#[tokio::test]
async fn files_rotate_at_the_size_limit_between_captures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = WarcSink::open(settings(dir.path(), 16 * 1024)).expect("open");
    for i in 0..12 {
        let body = noise(5000, i + 1);
        let c = capture(&format!("/news/{i}"), at(i64::from(i)), 200, &body, &[]);
        assert_eq!(sink.write(vec![c]).await.expect("write"), 1);
    }
    sink.close().await.expect("close");
    let files = files(dir.path());
    assert!(files.len() >= 3, "{files:?}");
    let mut captures = 0;
    for (serial, file) in files.iter().enumerate() {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(name.contains(&format!("-{serial:05}-")), "{name}");
        let size = std::fs::metadata(file).expect("size").len();
        let records = records(file);
        assert_eq!(kind(&records[0]), "warcinfo", "{name}");
        // Whole captures only: request, response, metadata.
        let kinds: Vec<&str> = records[1..].iter().map(kind).collect();
        for triple in kinds.chunks(3) {
            assert_eq!(triple, ["request", "response", "metadata"], "{name}");
        }
        assert!(
            size <= 16 * 1024 || kinds.len() == 3,
            "{name}: {size} bytes for {} captures",
            kinds.len() / 3
        );
        captures += kinds.len() / 3;
    }
    assert_eq!(captures, 12);
}

#[tokio::test]
async fn a_batch_across_a_rotation_is_written_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let batch: Vec<Capture> = (0..12)
        .map(|i| {
            capture(
                &format!("/news/{i}"),
                at(i),
                200,
                &noise(5000, i as u32 + 1),
                &[],
            )
        })
        .collect();
    let sink = WarcSink::open(settings(dir.path(), 16 * 1024)).expect("open");
    assert_eq!(sink.write(batch.clone()).await.expect("write"), 12);
    assert_eq!(sink.write(batch.clone()).await.expect("write"), 0);
    sink.close().await.expect("close");
    assert!(files(dir.path()).len() >= 3);
    let sink = WarcSink::open(settings(dir.path(), 16 * 1024)).expect("reopen");
    assert_eq!(sink.write(batch).await.expect("write"), 0);
    let metadata = all_records(dir.path())
        .iter()
        .filter(|r| kind(r) == "metadata")
        .count();
    assert_eq!(metadata, 12);
}

#[tokio::test]
async fn a_capture_is_written_once_under_redelivery_and_across_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = capture("/news/a", at(0), 200, b"<p>a</p>", &[]);
    let b = capture("/news/b", at(1), 200, b"<p>b</p>", &[]);
    {
        let sink = WarcSink::open(settings(dir.path(), 1 << 30)).expect("open");
        assert_eq!(
            sink.write(vec![a.clone(), a.clone()]).await.expect("write"),
            1
        );
        assert_eq!(sink.write(vec![a.clone()]).await.expect("write"), 0);
        // Concurrent repeats land in one batch or the next: once either way.
        let (x, y) = tokio::join!(sink.write(vec![b.clone()]), sink.write(vec![b.clone()]));
        assert_eq!(x.expect("write") + y.expect("write"), 1);
        assert_eq!(sink.captures(), 2);
        sink.close().await.expect("close");
    }
    let sink = WarcSink::open(settings(dir.path(), 1 << 30)).expect("reopen");
    assert_eq!(sink.captures(), 2, "read back at open");
    assert_eq!(
        sink.write(vec![a.clone(), b.clone()]).await.expect("write"),
        0
    );
    let c = capture("/news/a", at(2), 200, b"<p>a, changed</p>", &[]);
    assert_eq!(sink.write(vec![c]).await.expect("write"), 1);
    sink.close().await.expect("close");
    let records = all_records(dir.path());
    let responses = records.iter().filter(|r| kind(r) == "response").count();
    let metadata = records.iter().filter(|r| kind(r) == "metadata").count();
    assert_eq!((responses, metadata), (3, 3));
    assert_eq!(files(dir.path()).len(), 2, "a file per run that wrote");
}

#[tokio::test]
async fn a_304_and_an_unchanged_body_are_revisits_of_the_response_they_repeat() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = b"<p>the page</p>";
    let first = capture("/section/news", at(0), 200, body, &[]);
    {
        let sink = WarcSink::open(settings(dir.path(), 1 << 30)).expect("open");
        sink.write(vec![first]).await.expect("write");
        sink.write(vec![capture("/section/news", at(10), 304, b"", &[])])
            .await
            .expect("write");
        sink.write(vec![capture("/section/news", at(20), 200, body, &[])])
            .await
            .expect("write");
        sink.close().await.expect("close");
    }
    {
        // After a restart the earlier response is still known.
        let sink = WarcSink::open(settings(dir.path(), 1 << 30)).expect("reopen");
        sink.write(vec![capture("/section/news", at(30), 304, b"", &[])])
            .await
            .expect("write");
        sink.write(vec![capture(
            "/section/news",
            at(40),
            200,
            b"<p>changed</p>",
            &[],
        )])
        .await
        .expect("write");
        sink.close().await.expect("close");
    }
    let records = all_records(dir.path());
    let answers: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(kind(r), "response" | "revisit"))
        .collect();
    let kinds: Vec<&str> = answers.iter().map(|r| kind(r)).collect();
    assert_eq!(
        kinds,
        ["response", "revisit", "revisit", "revisit", "response"]
    );
    let original = answers[0].get("WARC-Record-ID");
    let not_modified = "http://netpreserve.org/warc/1.1/revisit/server-not-modified";
    let identical = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";
    for (revisit, profile) in [
        (answers[1], not_modified),
        (answers[2], identical),
        (answers[3], not_modified),
    ] {
        assert_eq!(revisit.get("WARC-Profile"), Some(profile));
        assert_eq!(revisit.get("WARC-Refers-To"), original);
        assert_eq!(
            revisit.get("WARC-Refers-To-Date"),
            Some("2026-11-30T00:53:20.123456Z")
        );
        assert_eq!(
            revisit.get("WARC-Refers-To-Target-URI"),
            Some("http://127.0.0.1:1/section/news")
        );
        // Headers only.
        assert!(revisit.block.ends_with(b"\r\n\r\n"));
        assert!(!revisit.block.ends_with(body));
    }
    assert_eq!(
        answers[1].block,
        b"HTTP/1.1 304 Not Modified\r\netag: \"v1\"\r\n\r\n"
    );
    assert_eq!(
        answers[2].get("WARC-Payload-Digest"),
        Some(sha1_digest(body).as_str())
    );
}

#[tokio::test]
async fn a_file_left_open_is_cut_back_to_its_last_whole_capture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kept: Vec<Capture> = (0..3)
        .map(|i| capture(&format!("/news/{i}"), at(i), 200, b"<p>kept</p>", &[]))
        .collect();
    let torn = capture("/news/torn", at(9), 200, &noise(3000, 7), &[]);
    let scratch = tempfile::tempdir().expect("tempdir");
    {
        let sink = WarcSink::open(settings(dir.path(), 1 << 30)).expect("open");
        sink.write(kept.clone()).await.expect("write");
        sink.close().await.expect("close");
        // The torn capture's members, written elsewhere to borrow its bytes.
        let other = WarcSink::open(settings(scratch.path(), 1 << 30)).expect("open");
        other.write(vec![torn.clone()]).await.expect("write");
        other.close().await.expect("close");
    }
    let [file] = &files(dir.path())[..] else {
        panic!("one file");
    };
    let good_len = std::fs::metadata(file).expect("len").len();
    let [donor] = &files(scratch.path())[..] else {
        panic!("one file");
    };
    let donor = std::fs::read(donor).expect("read");
    // As a killed process leaves it: named .open, ending in the torn
    // capture's warcinfo-less records, the last one cut in the middle.
    let open = file.with_file_name(format!(
        "{}.open",
        file.file_name().and_then(|n| n.to_str()).unwrap_or("")
    ));
    std::fs::rename(file, &open).expect("rename");
    let info_len = {
        let mut reader = BufReader::new(donor.as_slice());
        let mut decoder = flate2::bufread::GzDecoder::new(&mut reader);
        std::io::copy(&mut decoder, &mut std::io::sink()).expect("member");
        drop(decoder);
        donor.len() - reader.fill_buf().expect("rest").len()
    };
    let tail = &donor[info_len..donor.len() - 40];
    let mut bytes = std::fs::read(&open).expect("read");
    bytes.extend_from_slice(tail);
    std::fs::write(&open, &bytes).expect("write");

    let sink = WarcSink::open(settings(dir.path(), 1 << 30)).expect("reopen repairs");
    assert!(!open.exists(), "closed at open");
    assert_eq!(
        std::fs::metadata(file).expect("len").len(),
        good_len,
        "cut back"
    );
    assert_eq!(records(file).len(), 1 + 3 * 3);
    assert_eq!(
        sink.write(kept).await.expect("write"),
        0,
        "kept captures are known"
    );
    assert_eq!(
        sink.write(vec![torn]).await.expect("write"),
        1,
        "the torn capture is written again"
    );
    sink.close().await.expect("close");
    let records = all_records(dir.path());
    assert_eq!(records.iter().filter(|r| kind(r) == "metadata").count(), 4);
}

/// A write that fails says what failed, on which file, with the I/O error
/// as the source, and a later write into a usable directory goes through.
#[tokio::test]
async fn a_failed_write_names_the_file_and_keeps_the_cause() {
    use newshound_core::BackendError;
    use newshound_core::report::error_chain;
    use newshound_sink::WarcWriteError;
    use std::error::Error;
    use std::sync::Arc;

    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("warc");
    let sink = WarcSink::open(settings(&dir, 1 << 20)).expect("open");
    // The first write opens the first file: in a directory that is gone.
    std::fs::remove_dir(&dir).expect("remove the directory");
    let c = capture("/news/1", at(0), 200, b"<p>one</p>", &[]);
    let e = sink.write(vec![c.clone()]).await.expect_err("no directory");
    assert!(matches!(e, BackendError::Failed { .. }), "{e}");
    let source = e
        .source()
        .and_then(|s| s.downcast_ref::<Arc<WarcWriteError>>())
        .expect("a WarcWriteError source");
    let WarcWriteError::File { path, source: io } = &**source else {
        panic!("not a file error: {source}");
    };
    assert_eq!(path.parent(), Some(dir.as_path()));
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    let chain = error_chain(&e);
    assert!(
        chain.starts_with("backend failure: writing WARC captures: "),
        "{chain}"
    );
    assert!(chain.contains(&dir.display().to_string()), "{chain}");
    std::fs::create_dir(&dir).expect("the directory again");
    assert_eq!(sink.write(vec![c]).await.expect("write"), 1);
    sink.close().await.expect("close");
}
