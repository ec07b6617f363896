//! End-to-end: the WARC output of `newshound run`, read back with warcio
//! (`warcio index`, `warcio check` with its digests) and with
//! `newshound reextract`, which must give the crawl's own articles.

use anyhow::Context;
use axum::Router;
use axum::routing::get;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use newshound_e2e::hostile::{Server, article_page, config, html, reply};
use newshound_e2e::{Crawl, FixtureSite, newshound_binary, records, run_warcio};
use newshound_sink::warc::{Reader, Record};

/// The closed WARC files of a directory, in name order; none may be left open.
fn warc_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(!name.ends_with(".open"), "{name} left open");
        if name.ends_with(".warc.gz") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// `newshound reextract DIR --out OUT --config CONFIG`; returns its records.
fn reextract(warc: &Path, out: &Path, config: &Path) -> anyhow::Result<Vec<serde_json::Value>> {
    let output = Command::new(newshound_binary()?)
        .arg("reextract")
        .arg(warc)
        .arg("--out")
        .arg(out)
        .arg("--config")
        .arg(config)
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "reextract failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    records(out)
}

/// The records, in a stable order, for comparing two outputs.
fn sorted(mut records: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    records.sort_by_key(|r| {
        (
            r["canonical_url"].to_string(),
            r["content_hash"].to_string(),
        )
    });
    records
}

/// An RFC 3339 time in one spelling (to the microsecond), for comparing.
fn instant(text: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(text).map_or_else(
        |_| text.to_string(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    )
}

/// Fails naming the first record (and its fields) that differs.
fn assert_same(got: Vec<serde_json::Value>, want: Vec<serde_json::Value>) {
    assert_same_refetched(got, want, &BTreeMap::new());
}

/// As [`assert_same`], except that a page captured more than once (its
/// dates in `refetched`: fetched again after a crash, the repeat archived as
/// a revisit) may be re-extracted with the time of another of its captures.
fn assert_same_refetched(
    mut got: Vec<serde_json::Value>,
    want: Vec<serde_json::Value>,
    refetched: &BTreeMap<String, BTreeSet<String>>,
) {
    for record in &mut got {
        let url = record["url"].as_str().unwrap_or("").to_string();
        let Some(dates) = refetched.get(&url).filter(|d| d.len() > 1) else {
            continue;
        };
        let at = instant(record["fetched_at"].as_str().unwrap_or(""));
        assert!(
            dates.contains(&at),
            "{url}: fetched at {at}, captured at {dates:?}"
        );
        if let Some(crawled) = want.iter().find(|w| w["url"] == url.as_str()) {
            let crawled_at = instant(crawled["fetched_at"].as_str().unwrap_or(""));
            assert!(
                dates.contains(&crawled_at),
                "{url}: the crawl's {crawled_at} not captured"
            );
            record["fetched_at"] = crawled["fetched_at"].clone();
        }
    }
    let (got, want) = (sorted(got), sorted(want));
    for (g, w) in got.iter().zip(&want) {
        if g != w {
            let fields: Vec<String> = w
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, v)| g.get(k.as_str()) != Some(*v))
                .map(|(k, v)| format!("{k}: {v} / re-extracted {}", g[k.as_str()]))
                .collect();
            panic!("{} differs: {fields:?}", w["url"]);
        }
    }
    assert_eq!(got.len(), want.len(), "as many records re-extracted");
}

/// Every record of the files, blocks included, with our own reader.
fn read_all(files: &[PathBuf]) -> anyhow::Result<Vec<Record>> {
    let mut out = Vec::new();
    for file in files {
        for record in Reader::open(file, 1 << 30)? {
            out.push(record?);
        }
    }
    Ok(out)
}

/// A crawl of the fixture site with WARC on: the files are rotated and named
/// as Heritrix names them, warcio indexes them and passes every digest, each
/// article's metadata record carries its content hash, and re-extracting the
/// files gives the crawl's articles.
#[test]
fn a_crawls_warc_files_pass_warcio_and_reextract_to_its_articles() -> anyhow::Result<()> {
    let site = FixtureSite::start(150)?;
    let config = format!(
        "{}\n[output]\nwarc = true\nwarc_max_file_bytes = 1048576\n",
        site.config(1000.0)
    );
    let crawl = Crawl::new(&config)?;
    crawl.run_to_end(1, Duration::from_secs(300))?;
    let articles = crawl.records()?;
    assert_eq!(articles.len(), 150);
    let files = warc_files(&crawl.out.join("warc"))?;
    assert!(files.len() >= 2, "rotated at 1 MiB: {files:?}");
    for (serial, file) in files.iter().enumerate() {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let parts: Vec<&str> = name.trim_end_matches(".warc.gz").splitn(4, '-').collect();
        assert_eq!(parts.len(), 4, "{name}");
        assert_eq!(parts[0], "newshound", "{name}");
        assert!(
            parts[1].len() == 17 && parts[1].bytes().all(|b| b.is_ascii_digit()),
            "{name}"
        );
        assert_eq!(parts[2], format!("{serial:05}"), "{name}");
        assert!(!parts[3].is_empty(), "{name}");
        let size = std::fs::metadata(file)?.len();
        assert!(size < 2 * 1048576, "{name}: {size} bytes");
    }
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("index"),
        OsStr::new("-f"),
        OsStr::new("warc-type,warc-target-uri,http:status"),
    ];
    args.extend(files.iter().map(|f| f.as_os_str()));
    let index: Vec<serde_json::Value> = run_warcio(&args)?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let count = |kind: &str| index.iter().filter(|r| r["warc-type"] == kind).count();
    assert_eq!(count("warcinfo"), files.len(), "one warcinfo per file");
    assert_eq!(count("request"), count("response") + count("revisit"));
    assert!(count("metadata") >= 150 && count("metadata") <= count("request"));
    assert_eq!(
        index.len(),
        count("warcinfo") + count("request") * 2 + count("metadata")
    );
    for record in index.iter().filter(|r| r["warc-type"] != "warcinfo") {
        let uri = record["warc-target-uri"].as_str().unwrap_or("");
        assert!(
            uri.starts_with(&site.base),
            "not the loopback site: {record}"
        );
    }
    let fetched: BTreeSet<&str> = index
        .iter()
        .filter(|r| r["warc-type"] == "response" && r["http:status"] == "200")
        .filter_map(|r| r["warc-target-uri"].as_str())
        .collect();
    for article in &articles {
        let url = article["url"].as_str().unwrap_or("");
        assert!(fetched.contains(url), "no 200 response for {url}");
    }
    let mut args: Vec<&OsStr> = vec![OsStr::new("check"), OsStr::new("-v")];
    args.extend(files.iter().map(|f| f.as_os_str()));
    let check = run_warcio(&args)?;
    let passed = check.lines().filter(|l| l.trim() == "digest pass").count();
    assert_eq!(passed, index.len(), "every record's digests pass:\n{check}");

    let linked = metadata_links(&read_all(&files)?);
    let expected: BTreeSet<(String, String)> = articles
        .iter()
        .map(|a| {
            (
                a["canonical_url"].as_str().unwrap_or("").to_string(),
                a["content_hash"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        linked, expected,
        "a metadata record per article, with its content hash"
    );

    let again = reextract(
        &crawl.out.join("warc"),
        &crawl.out.with_file_name("reextracted"),
        crawl.config_path(),
    )?;
    assert_same(again, articles);
    Ok(())
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

/// A page served gzip'd through a redirect: the response record keeps the
/// gzip bytes and their `content-encoding` as received, the redirect hop has
/// its own request and response, warcio passes the digests, and the article
/// (decoded by the fetcher) re-extracts from the record the same.
#[test]
fn a_gzip_body_is_archived_as_received() -> anyhow::Result<()> {
    let story = "/news/2026/11/27/a-story-kept-as-it-came-over-the-wire";
    let page = gzip(article_page("A story kept as it came over the wire", &[]).as_bytes());
    let served = page.clone();
    let app = Router::new()
        .route(
            "/",
            get(|| async { html(r#"<html><body><a href="/old-story">Story</a></body></html>"#) }),
        )
        .route(
            "/old-story",
            get(move || async move { reply(301, &[("location", story)], "") }),
        )
        .route(
            story,
            get(move || {
                let body = served.clone();
                async move {
                    reply(
                        200,
                        &[
                            ("content-type", "text/html; charset=utf-8"),
                            ("content-encoding", "gzip"),
                        ],
                        body,
                    )
                }
            }),
        );
    let server = Server::start(Ipv4Addr::LOCALHOST, app)?;
    let seed = format!("{}/", server.base);
    let config = format!(
        "{}\n[output]\nwarc = true\n",
        config(&[seed], &[server.host()], &["127.0.0.0/8"], "")
    );
    let crawl = Crawl::new(&config)?;
    crawl.run_to_end(1, Duration::from_secs(60))?;
    let url = format!("{}{story}", server.base);
    let articles: Vec<serde_json::Value> = crawl
        .records()?
        .into_iter()
        .filter(|r| r["url"] == url.as_str())
        .collect();
    assert_eq!(articles.len(), 1, "the story's record");
    assert_eq!(
        articles[0]["title"],
        "A story kept as it came over the wire"
    );
    let old = format!("{}/old-story", server.base);
    assert_eq!(articles[0]["redirected_from"], serde_json::json!([old]));

    let files = warc_files(&crawl.out.join("warc"))?;
    let all = read_all(&files)?;
    let of = |kind: &str, uri: &str| -> Vec<&Record> {
        all.iter()
            .filter(|r| r.get("WARC-Type") == Some(kind) && r.get("WARC-Target-URI") == Some(uri))
            .collect()
    };
    let [response] = of("response", &url)[..] else {
        panic!("one response record for {url}");
    };
    let block = &response.block;
    let head_end = block
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("an HTTP head")?
        + 4;
    let head = String::from_utf8_lossy(&block[..head_end]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    assert!(head.contains("\r\ncontent-encoding: gzip\r\n"), "{head}");
    assert_eq!(
        &block[head_end..],
        &page[..],
        "the body as received, gzip'd"
    );
    let [request] = of("request", &url)[..] else {
        panic!("one request record for {url}");
    };
    let sent = String::from_utf8_lossy(&request.block);
    assert!(
        sent.starts_with(&format!("GET {story} HTTP/1.1\r\n")),
        "{sent}"
    );
    assert!(
        sent.contains("\r\naccept-encoding: gzip, deflate\r\n"),
        "{sent}"
    );
    let [hop] = of("response", &old)[..] else {
        panic!("one response record for the redirect");
    };
    assert!(String::from_utf8_lossy(&hop.block).starts_with("HTTP/1.1 301"));
    assert_eq!(of("request", &old).len(), 1);

    let mut args: Vec<&OsStr> = vec![OsStr::new("check"), OsStr::new("-v")];
    args.extend(files.iter().map(|f| f.as_os_str()));
    let check = run_warcio(&args)?;
    assert_eq!(
        check.lines().filter(|l| l.trim() == "digest pass").count(),
        all.len(),
        "{check}"
    );
    let again: Vec<serde_json::Value> = reextract(
        &crawl.out.join("warc"),
        &crawl.out.with_file_name("reextracted"),
        crawl.config_path(),
    )?
    .into_iter()
    .filter(|r| r["url"] == url.as_str())
    .collect();
    assert_eq!(again, articles);
    Ok(())
}

/// The `metadata` records' links to articles, and checks that hold for any
/// crawl's WARC files: no record twice, one `200` response per URL (a page
/// fetched again with the same body is a revisit), warcio passes every digest.
fn check_files(files: &[PathBuf]) -> anyhow::Result<BTreeSet<(String, String)>> {
    let all = read_all(files)?;
    let mut ids = BTreeSet::new();
    for record in &all {
        let id = record.get("WARC-Record-ID").unwrap_or("").to_string();
        assert!(ids.insert(id.clone()), "record {id} written twice");
    }
    let mut ok = BTreeSet::new();
    for record in all
        .iter()
        .filter(|r| r.get("WARC-Type") == Some("response"))
    {
        if record.block.starts_with(b"HTTP/1.1 200") {
            let uri = record.get("WARC-Target-URI").unwrap_or("");
            assert!(ok.insert(uri.to_string()), "two 200 responses for {uri}");
        }
    }
    let mut args: Vec<&OsStr> = vec![OsStr::new("check"), OsStr::new("-v")];
    args.extend(files.iter().map(|f| f.as_os_str()));
    let check = run_warcio(&args)?;
    let passed = check.lines().filter(|l| l.trim() == "digest pass").count();
    let revisits = all
        .iter()
        .filter(|r| r.get("WARC-Type") == Some("revisit"))
        .count();
    assert_eq!(passed + revisits, all.len(), "{check}");
    Ok(metadata_links(&all))
}

/// The (canonical URL, content hash) each metadata record links its response to.
fn metadata_links(records: &[Record]) -> BTreeSet<(String, String)> {
    records
        .iter()
        .filter(|r| r.get("WARC-Type") == Some("metadata"))
        .filter_map(|r| {
            let text = String::from_utf8_lossy(&r.block).into_owned();
            let field = |name: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_string())
            };
            Some((field("canonical-url:")?, field("content-hash:")?))
        })
        .collect()
}

/// The (canonical URL, content hash) of each record.
fn keys(records: &[serde_json::Value]) -> BTreeSet<(String, String)> {
    records
        .iter()
        .map(|a| {
            (
                a["canonical_url"].as_str().unwrap_or("").to_string(),
                a["content_hash"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// `kill -9` while the WARC file is being written, then the same command:
/// the file left open is cut back and closed, nothing is written twice, and
/// the files hold every article once.
#[test]
fn a_crawl_killed_mid_write_resumes_with_whole_warc_files() -> anyhow::Result<()> {
    let site = FixtureSite::start(200)?;
    let config = format!("{}\n[output]\nwarc = true\n", site.config(100.0));
    let crawl = Crawl::new(&config)?;
    let warc = crawl.out.join("warc");
    let mut child = crawl.spawn(1)?;
    let started = std::time::Instant::now();
    let open_size = || -> u64 {
        std::fs::read_dir(&warc)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".open"))
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    };
    while open_size() < 150_000 {
        if let Some(status) = child.try_wait()? {
            anyhow::bail!("ended before the kill ({status}):\n{}", crawl.stderr(1));
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(120),
            "no WARC written:\n{}",
            crawl.stderr(1)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    newshound_e2e::kill_hard(&mut child)?;
    assert!(open_size() > 0, "killed with a file open");
    assert!(crawl.records_written() < 200, "the kill came too late");
    crawl.run_to_end(2, Duration::from_secs(300))?;
    assert!(
        crawl
            .stderr(2)
            .contains("WARC file left open by a stopped run"),
        "{}",
        crawl.stderr(2)
    );
    let articles = crawl.records()?;
    assert_eq!(keys(&articles).len(), 200);
    assert_eq!(articles.len(), 200, "each article once");
    let files = warc_files(&warc)?;
    assert!(files.len() >= 2, "a file per run: {files:?}");
    assert_eq!(check_files(&files)?, keys(&articles));
    // A page fetched before the kill and again after it (its job not yet
    // acked) is archived twice, the repeat as a revisit; the crawl's record
    // and the re-extracted one may each carry either fetch time.
    let mut captured: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for record in read_all(&files)? {
        let answer = record.block.starts_with(b"HTTP/1.1 200");
        if answer && matches!(record.get("WARC-Type"), Some("response" | "revisit")) {
            captured
                .entry(record.get("WARC-Target-URI").unwrap_or("").to_string())
                .or_default()
                .insert(instant(record.get("WARC-Date").unwrap_or("")));
        }
    }
    let again = reextract(
        &warc,
        &crawl.out.with_file_name("reextracted"),
        crawl.config_path(),
    )?;
    assert_same_refetched(again, articles, &captured);
    Ok(())
}

/// Distributed, on the real RabbitMQ and Redis: the parsers publish the
/// captures and the sink role writes the WARC files; a parser killed with
/// SIGKILL mid-crawl (its pages delivered again) writes nothing twice.
#[test]
fn a_distributed_crawl_writes_warc_in_the_sink() -> anyhow::Result<()> {
    let site = FixtureSite::start(200)?;
    let config = format!("{}\n[output]\nwarc = true\n", site.config(150.0));
    let mut cluster = newshound_e2e::cluster::Cluster::new(&config, "warc")?;
    cluster.start_roles(2)?;
    cluster.wait_for_records(60, Duration::from_secs(300))?;
    let parser = cluster
        .processes
        .iter()
        .position(|p| p.role == "parser")
        .context("a parser")?;
    newshound_e2e::kill_hard(&mut cluster.processes[parser].child)?;
    cluster.start("parser")?;
    cluster.wait_for_records(200, Duration::from_secs(300))?;
    // The captures of the last pages may still be on their way to the sink.
    let warc = cluster.out.join("warc");
    let size = || -> u64 {
        std::fs::read_dir(&warc)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    };
    let mut last = (size(), std::time::Instant::now());
    while last.1.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(200));
        if size() != last.0 {
            last = (size(), std::time::Instant::now());
        }
    }
    cluster.stop()?;
    let articles = cluster.records()?;
    assert_eq!(articles.len(), 200);
    let files = warc_files(&warc)?;
    assert_eq!(check_files(&files)?, keys(&articles));
    let again = reextract(
        &warc,
        &cluster.out.with_file_name("reextracted"),
        cluster.config_path(),
    )?;
    assert_same(again, articles);
    Ok(())
}
