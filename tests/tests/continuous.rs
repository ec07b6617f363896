//! End-to-end: a continuous `newshound run` (embedded) against a fixture site
//! that publishes a new article every two seconds and updates a recent one
//! every second.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use newshound_e2e::{Crawl, FAST_RECRAWL, FixtureSite};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn sigterm(child: &std::process::Child) -> anyhow::Result<()> {
    let pid = i32::try_from(child.id())?;
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    Ok(())
}

/// Every article published while the crawl runs is found, every update is
/// written as a new revision, and unchanged hubs are revisited with
/// conditional requests answered 304, at growing intervals.
#[test]
fn continuous_crawl_catches_new_articles_and_updates() -> anyhow::Result<()> {
    let site =
        FixtureSite::start_publishing(60, 1, Duration::from_secs(2), Some(Duration::from_secs(1)))?;
    let crawl = Crawl::new(&format!("{}{FAST_RECRAWL}", site.config(200.0)))?;
    let mut child = crawl.spawn_continuous(1)?;
    std::thread::sleep(Duration::from_secs(24));
    // On a loaded machine the first crawl takes longer: give the hubs time
    // to be revisited a few times.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while steady_hub(&site.requests_by_path()?).is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(2));
    }
    let stopped_ms = now_ms();
    sigterm(&child)?;
    let status = child.wait()?;
    assert!(
        status.success(),
        "newshound run: {status}\n{}",
        crawl.stderr(1)
    );

    let truth = site.truth();
    let records = crawl.records()?;
    let mut by_url: HashMap<&str, Vec<&serde_json::Value>> = HashMap::new();
    for r in &records {
        if let Some(url) = r["canonical_url"].as_str() {
            by_url.entry(url).or_default().push(r);
        }
    }
    // Revisions of one story are 1, 2, ... in the order written, each a
    // different version.
    for (url, versions) in &by_url {
        let revisions: Vec<u64> = versions
            .iter()
            .filter_map(|r| r["revision"].as_u64())
            .collect();
        let expected: Vec<u64> = (1..=versions.len() as u64).collect();
        assert_eq!(revisions, expected, "{url}");
    }
    let published_live = truth.iter().filter(|t| t.published_at_ms.is_some()).count();
    assert!(
        published_live >= 10,
        "only {published_live} articles published"
    );
    let mut updates_checked = 0;
    for t in &truth {
        let Some(versions) = by_url.get(t.url.as_str()) else {
            // Published in the last seconds: not required yet.
            assert!(
                t.published_at_ms.is_some_and(|p| p > stopped_ms - 5000),
                "never found: {} (published at {:?}, stopped at {stopped_ms})",
                t.url,
                t.published_at_ms
            );
            continue;
        };
        let latest = versions
            .last()
            .map_or("", |r| r["body"].as_str().unwrap_or(""));
        let Some(updated) = t.updated_at_ms.filter(|u| *u < stopped_ms - 6000) else {
            continue;
        };
        // The extracted body may open with the standfirst, which the truth
        // keeps apart; the update appends a paragraph at the end.
        assert!(
            latest.ends_with(&t.body),
            "update of {} not caught:\n{latest}\n--- truth:\n{}",
            t.url,
            t.body
        );
        let first_fetched = versions[0]["fetched_at"]
            .as_str()
            .and_then(|f| chrono::DateTime::parse_from_rfc3339(f).ok())
            .map_or(i64::MAX, |f| f.timestamp_millis());
        if first_fetched < updated {
            // Found before its update: the update is a new revision.
            updates_checked += 1;
            assert!(versions.len() >= 2, "{}: no revision record", t.url);
        }
    }
    assert!(
        updates_checked >= 3,
        "only {updates_checked} updates old enough to check"
    );

    // Conditional revisits: per path, the status of each request in order.
    let by_path = site.requests_by_path()?;
    let not_modified: usize = by_path
        .values()
        .map(|v| v.iter().filter(|(_, s)| *s == "304").count())
        .sum();
    assert!(not_modified >= 10, "only {not_modified} 304 answers");
    // A section page that stayed unchanged: the gaps between its visits grow.
    let steady = steady_hub(&by_path);
    let (path, gaps) = steady.ok_or_else(|| anyhow::anyhow!("no hub stayed unchanged"))?;
    println!(
        "{} records, {updates_checked} updates checked, {not_modified} answers 304; {path}: gaps between visits {gaps:?} ms",
        records.len()
    );
    // The first gap also holds the initial crawl's backlog.
    let (first, last) = (gaps[1], gaps[gaps.len() - 1]);
    assert!(
        last > first + 500,
        "{path}: interval did not grow: {gaps:?}"
    );
    Ok(())
}

/// A section page visited at least five times and answered 304 after the
/// first visit, with the gaps between its visits (ms).
fn steady_hub(by_path: &BTreeMap<String, Vec<(u64, String)>>) -> Option<(String, Vec<u64>)> {
    by_path
        .iter()
        .filter(|(path, visits)| {
            path.starts_with("/section/")
                && visits.len() >= 5
                && visits.iter().skip(1).all(|(_, s)| *s == "304")
        })
        .map(|(path, visits)| {
            let gaps: Vec<u64> = visits.windows(2).map(|w| w[1].0 - w[0].0).collect();
            (path.clone(), gaps)
        })
        .next()
}
