//! The JSONL sink writes each record once, across restarts and torn writes.

mod common;

use common::article;
use newshound_core::ArticleSink;
use newshound_core::message::Article;
use newshound_sink::JsonlSink;
use std::io::Write;
use std::time::Duration;

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

/// Each new version of a story gets the next revision number, in the order
/// written, whatever the parsers put in the field; repeats change nothing,
/// and the numbering goes on after a reopen.
#[tokio::test]
async fn numbers_the_versions_of_a_story() {
    let dir = tempfile::tempdir().expect("temp dir");
    let revisions = |dir: &std::path::Path| -> Vec<(String, u64)> {
        let text = std::fs::read_to_string(dir.join("articles.jsonl")).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|r| {
                let url = r["canonical_url"].as_str().unwrap_or("").to_string();
                (url, r["revision"].as_u64().unwrap_or(0))
            })
            .collect()
    };
    {
        let sink = JsonlSink::open(dir.path()).expect("sink opens");
        let mut claimed_two = article("http://a/1", "first version");
        claimed_two.revision = 2;
        sink.write(vec![claimed_two, article("http://a/2", "other story")])
            .await
            .expect("write");
        // The same version again, from a second parser: not written.
        sink.write(vec![article("http://a/1", "first version")])
            .await
            .expect("write");
        sink.write(vec![article("http://a/1", "corrected version")])
            .await
            .expect("write");
    }
    let sink = reopen(dir.path()).await;
    sink.write(vec![article("http://a/1", "second correction")])
        .await
        .expect("write");
    let expected = [
        ("http://a/1", 1),
        ("http://a/2", 1),
        ("http://a/1", 2),
        ("http://a/1", 3),
    ];
    let expected: Vec<(String, u64)> = expected.iter().map(|(u, r)| (u.to_string(), *r)).collect();
    assert_eq!(revisions(dir.path()), expected);
}
