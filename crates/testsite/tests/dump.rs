//! `dump_site` against the live server: every dumped file is what the server answers for its URL (body and
//! `Content-Type`), found by the lookup a web server is configured with (`PATH@QUERY.EXT`, extensions in the
//! order of `types.txt`), and every article is in the dump.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use newshound_testsite::{
    Origin, ServeOptions, Site, SiteOptions, TruthArticle, dump_site, file_stem, host_dir, serve,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A live response: status, `Content-Type`, body.
struct Live {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// A minimal HTTP/1.1 GET of `path` on `host` (`HOST:PORT`).
async fn get(host: &str, path: &str) -> Live {
    let mut stream = TcpStream::connect(host).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("receive");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let content_type = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_default();
    Live {
        status,
        content_type,
        body: raw[end + 4..].to_vec(),
    }
}

/// `types.txt`: (extension, content type), in lookup order.
fn types(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("types.txt"))
        .expect("types.txt")
        .lines()
        .map(|l| {
            let (ext, content_type) = l.split_once('\t').expect("EXT<TAB>TYPE");
            (ext.to_string(), content_type.to_string())
        })
        .collect()
}

/// What a web server configured as `serve.sh` does finds for `path_and_query` under `root`: the first
/// `STEM.EXT` that exists, with its content type.
fn lookup(
    root: &Path,
    types: &[(String, String)],
    path_and_query: &str,
) -> Option<(Vec<u8>, String)> {
    let stem = file_stem(path_and_query)?;
    types.iter().find_map(|(ext, content_type)| {
        let file = root.join(format!("{stem}.{ext}"));
        let body = std::fs::read(file).ok()?;
        Some((body, content_type.clone()))
    })
}

/// Every file under `dir`, relative to it.
fn files(dir: &Path, under: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            files(&path, under, out);
        } else {
            out.push(path.strip_prefix(under).expect("under").to_path_buf());
        }
    }
}

#[tokio::test]
async fn dumped_files_are_what_the_server_serves() {
    // Two hosts on ports of their own: the dump takes any base URLs.
    let mut listeners = Vec::new();
    for address in ["127.0.0.11:0", "127.0.0.12:0"] {
        listeners.push(TcpListener::bind(address).await.expect("bind"));
    }
    let hosts: Vec<String> = listeners
        .iter()
        .map(|l| l.local_addr().expect("address").to_string())
        .collect();
    let bases: Vec<String> = hosts.iter().map(|h| format!("http://{h}")).collect();
    let site = Arc::new(Site::generate(SiteOptions {
        articles: 400,
        seed: 2,
        hosts: 2,
    }));
    let dir = tempfile::tempdir().expect("temp dir");
    let written = dump_site(&site, &bases, dir.path()).expect("dump");
    assert_eq!(written.articles, 400);
    assert!(written.disallowed > 0, "robots.txt disallows /search links");

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listeners,
        site.clone(),
        ServeOptions::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let types = types(dir.path());
    assert!(types[0].1.starts_with("text/html"), "{types:?}");

    // Every file is the live response to its URL, and the lookup finds it.
    let mut checked = 0;
    let mut seen_query_page = false;
    let mut seen_feed = false;
    for (host, base) in hosts.iter().zip(&bases) {
        let root = host_dir(dir.path(), base);
        let mut names = Vec::new();
        files(&root, &root, &mut names);
        assert!(names.len() > 20, "{host}: {} files", names.len());
        for name in names {
            let name = name.to_string_lossy().to_string();
            if name == "__404.html" {
                let live = get(host, "/no/such/page").await;
                assert_eq!(live.status, 404);
                assert_eq!(
                    std::fs::read(root.join(&name)).expect("404 page"),
                    live.body
                );
                continue;
            }
            let (path, query) = name.split_once('@').expect("PATH@QUERY.EXT");
            let (ext, _) = types
                .iter()
                .find(|(ext, _)| query.ends_with(&format!(".{ext}")))
                .expect("a listed extension");
            let query = &query[..query.len() - ext.len() - 1];
            let url = match query {
                "" => format!("/{path}"),
                query => format!("/{path}?{query}"),
            };
            let live = get(host, &url).await;
            assert_eq!(live.status, 200, "{host}{url}");
            let (body, content_type) = lookup(&root, &types, &url).expect("found");
            assert_eq!(content_type, live.content_type, "{host}{url}");
            assert!(body == live.body, "{host}{url}: the body differs");
            seen_query_page |= url.contains("?page=2");
            if url == "/rss.xml" {
                assert_eq!(content_type, "application/rss+xml; charset=utf-8");
                seen_feed = true;
            }
            checked += 1;
        }
    }
    assert!(
        seen_query_page && seen_feed,
        "a ?page=2 listing and the feed"
    );
    assert!(checked > 300, "{checked} files checked");

    // Every article, on its own host, and nothing for a URL the site does not serve.
    let truth: Vec<TruthArticle> = std::fs::read_to_string(dir.path().join("truth.jsonl"))
        .expect("truth.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("truth line"))
        .collect();
    assert_eq!(truth, site.truth_from(&Origin::host(&bases, 0)));
    for article in &truth {
        let (base, path) = bases
            .iter()
            .find_map(|b| Some((b, article.url.strip_prefix(b.as_str())?)))
            .expect("an article URL on one of the hosts");
        let (_, content_type) =
            lookup(&host_dir(dir.path(), base), &types, path).expect("article dumped");
        assert!(content_type.starts_with("text/html"));
    }
    let root = host_dir(dir.path(), &bases[0]);
    assert!(lookup(&root, &types, "/no/such/page").is_none());
    assert!(lookup(&root, &types, "/search?q=x").is_none());

    stop.send(()).expect("server running");
    server.await.expect("server task").expect("serve result");
}
