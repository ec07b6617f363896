//! The JSONL sink writes each record once, across restarts and torn writes.

use newshound_core::ArticleSink;
use newshound_core::message::Article;
use newshound_sink::JsonlSink;
use std::io::Write;
use std::time::Duration;

fn article(url: &str, body: &str) -> Article {
    let mut a = Article {
        url: url.into(),
        canonical_url: url.into(),
        title: "Title".into(),
        subtitle: None,
        authors: vec!["Kim Jae-won".into()],
        published: None,
        updated: None,
        section: None,
        tags: vec![],
        body: body.into(),
        images: vec![],
        related: vec![],
        language: Some("en".into()),
        fetched_at: chrono::Utc::now(),
        content_hash: String::new(),
        revision: 1,
    };
    a.content_hash = a.compute_content_hash();
    a
}

async fn reopen(dir: &std::path::Path) -> JsonlSink {
    // The previous sink's writer thread lets go of the file when dropped.
    tokio::time::sleep(Duration::from_millis(20)).await;
    JsonlSink::open(dir).expect("sink opens")
}

#[tokio::test]
async fn dedups_within_and_across_runs_and_repairs_torn_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let sink = JsonlSink::open(dir.path()).expect("sink opens");
        let n = sink
            .write(vec![
                article("http://a/1", "one"),
                article("http://a/1", "one"),
                article("http://a/2", "two"),
            ])
            .await
            .expect("write");
        assert_eq!(n, 2);
    }
    let path = dir.path().join("articles.jsonl");
    // A torn record, as left by a kill during a write.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open")
        .write_all(b"{\"url\":\"http://a/3\",\"canon")
        .expect("append");
    let sink = reopen(dir.path()).await;
    assert_eq!(sink.records(), 2);
    let n = sink
        .write(vec![
            article("http://a/2", "two"),
            article("http://a/3", "three"),
            article("http://a/2", "revised"),
        ])
        .await
        .expect("write");
    assert_eq!(n, 2, "a/3 and the revision of a/2 are new");
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    for line in lines {
        let a: Article = serde_json::from_str(line).expect("every line is a record");
        assert_eq!(a.content_hash, a.compute_content_hash());
    }
}
