//! Serves the site over real loopback HTTP and checks responses and the access log.

use std::sync::Arc;
use std::time::Duration;

use newshound_testsite::{ServeOptions, Site, SiteOptions, TruthArticle, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A minimal HTTP/1.1 GET: returns the status and the body.
async fn get(host: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(host).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("receive");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
    );
    (status, body.to_string())
}

#[tokio::test]
async fn serves_pages_truth_and_access_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log_path = dir.path().join("access.log");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let host = listener.local_addr().expect("address").to_string();
    let site = Arc::new(Site::generate(SiteOptions {
        articles: 120,
        seed: 3,
        hosts: 1,
    }));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = ServeOptions {
        access_log: Some(log_path.clone()),
        ..ServeOptions::default()
    };
    let server = tokio::spawn(serve(vec![listener], site, options, async {
        let _ = stopped.await;
    }));

    let (status, home) = get(&host, "/").await;
    assert_eq!(status, 200);
    assert!(home.contains(&format!("<link rel=\"canonical\" href=\"http://{host}/\">")));

    let (status, truth) = get(&host, "/__truth.jsonl").await;
    assert_eq!(status, 200);
    let truth: Vec<TruthArticle> = truth
        .lines()
        .map(|l| serde_json::from_str(l).expect("truth line"))
        .collect();
    assert_eq!(truth.len(), 120);
    let article = &truth[5];
    let path = article
        .url
        .strip_prefix(&format!("http://{host}"))
        .expect("truth URLs use the request's host");
    let tracked = format!("{path}?utm_source=test&utm_medium=web");
    let (status, page) = get(&host, &tracked).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!(
        "<meta property=\"og:url\" content=\"{}\">",
        article.url
    )));
    assert!(page.contains("Related stories"));
    assert_eq!(get(&host, "/no/such/page").await.0, 404);

    // The log is readable while the server runs.
    let expected = [
        ("/", 200),
        ("/__truth.jsonl", 200),
        (tracked.as_str(), 200),
        ("/no/such/page", 404),
    ];
    let mut lines = Vec::new();
    for _ in 0..50 {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        lines = text.lines().map(str::to_string).collect();
        if lines.len() >= expected.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(lines.len(), expected.len(), "{lines:?}");
    for (line, (path, status)) in lines.iter().zip(expected) {
        let fields: Vec<&str> = line.split(' ').collect();
        assert_eq!(fields.len(), 4, "{line}");
        assert!(fields[0].parse::<u64>().expect("unix ms") > 1_600_000_000_000);
        assert_eq!(fields[1], host);
        assert_eq!(fields[2], path);
        assert_eq!(fields[3], status.to_string());
    }

    stop.send(()).expect("server running");
    server.await.expect("server task").expect("serve result");
}
