//! End-to-end: `newshound run` against the fixture news site over loopback.

use std::time::Duration;

use newshound_e2e::scrape::{Scrape, free_address};
use newshound_e2e::{Crawl, FixtureSite, kill_hard, score::score};

/// A 500-article crawl with `--once` finds every article exactly once, with
/// its fields equal to the truth, and never fetches what robots.txt forbids.
#[test]
fn crawl_finds_every_article_once() -> anyhow::Result<()> {
    let site = FixtureSite::start(500)?;
    let crawl = Crawl::new(&site.config(1000.0))?;
    let stderr = crawl.run_to_end(1, Duration::from_secs(600))?;
    assert!(
        stderr.contains("crawl done:"),
        "no summary line in:\n{stderr}"
    );
    let s = score(&crawl.records()?, &site.truth());
    println!("{s}");
    assert!(s.missing.is_empty(), "missing: {:?}", s.missing);
    assert!(s.duplicated.is_empty(), "duplicated: {:?}", s.duplicated);
    assert!(
        s.unexpected.is_empty(),
        "records for non-articles: {:?}",
        s.unexpected
    );
    assert_eq!(s.found_once, 500);
    assert_eq!(s.rate(s.title_equal), 1.0, "{s}");
    assert_eq!(s.rate(s.authors_equal), 1.0, "{s}");
    assert_eq!(s.rate(s.published_equal), 1.0, "{s}");
    assert!(s.rate(s.updated_equal) >= 0.99, "{s}");
    assert!(s.rate(s.section_equal) >= 0.99, "{s}");
    assert!(s.rate(s.related_equal) >= 0.99, "{s}");
    assert!(s.body_f1_mean() >= 0.97, "{s}");
    let paths = site.requested_paths()?;
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("/search") || p.starts_with("/member/")),
        "fetched a path robots.txt disallows"
    );
    assert_eq!(
        paths.iter().filter(|p| *p == "/robots.txt").count(),
        1,
        "robots.txt is cached"
    );
    Ok(())
}

/// `kill -9` in the middle of a crawl, then the same command again: every
/// article ends up in the output exactly once.
#[test]
fn crawl_survives_sigkill() -> anyhow::Result<()> {
    let site = FixtureSite::start(500)?;
    // Slow enough that the kill lands mid-crawl.
    let crawl = Crawl::new(&site.config(100.0))?;
    let mut child = crawl.spawn(1)?;
    crawl.wait_while_running(&mut child, 1, Duration::from_secs(300), || {
        Ok(crawl.records_written() >= 150)
    })?;
    kill_hard(&mut child)?;
    let before = crawl.records_written();
    assert!(before < 500, "the kill came too late to test anything");
    crawl.run_to_end(2, Duration::from_secs(600))?;
    let s = score(&crawl.records()?, &site.truth());
    println!("killed after {before} records\n{s}");
    assert!(s.missing.is_empty(), "missing: {:?}", s.missing);
    assert!(s.duplicated.is_empty(), "duplicated: {:?}", s.duplicated);
    assert_eq!(s.found_once, 500);
    Ok(())
}

/// `kill -9` while fetched pages wait in memory for the parser (their fetch
/// jobs unacked, nothing of them on disk), seen on the metrics endpoint:
/// the same command again fetches them again, and every article ends up in
/// the output exactly once.
#[test]
fn a_crawl_killed_with_pages_between_fetch_and_parse_loses_nothing() -> anyhow::Result<()> {
    let site = FixtureSite::start(300)?;
    let address = free_address()?;
    let config = format!(
        "{}\n[metrics]\nlisten = \"{address}\"\n",
        site.config(1000.0)
    );
    let crawl = Crawl::new(&config)?;
    let mut child = crawl.spawn(1)?;
    let mut handed = 0.0;
    crawl.wait_while_running(&mut child, 1, Duration::from_secs(300), || {
        if crawl.records_written() < 30 {
            return Ok(false);
        }
        handed = Scrape::get(address)
            .and_then(|s| s.value("newshound_queue_waiting{queue=\"pages\"}"))
            .unwrap_or(0.0);
        Ok(handed >= 1.0)
    })?;
    kill_hard(&mut child)?;
    let before = crawl.records_written();
    assert!(before < 300, "the kill came too late to test anything");
    crawl.run_to_end(2, Duration::from_secs(600))?;
    let s = score(&crawl.records()?, &site.truth());
    println!("killed with {handed} pages waiting for the parser, after {before} records\n{s}");
    assert!(s.missing.is_empty(), "missing: {:?}", s.missing);
    assert!(s.duplicated.is_empty(), "duplicated: {:?}", s.duplicated);
    assert_eq!(s.found_once, 300);
    Ok(())
}

/// A second run over a finished crawl fetches nothing new and writes nothing.
#[test]
fn rerun_of_finished_crawl_writes_nothing() -> anyhow::Result<()> {
    let site = FixtureSite::start(50)?;
    let crawl = Crawl::new(&site.config(1000.0))?;
    crawl.run_to_end(1, Duration::from_secs(300))?;
    let first = crawl.records_written();
    assert_eq!(first, 50);
    let requests = site.requested_paths()?.len();
    let stderr = crawl.run_to_end(2, Duration::from_secs(300))?;
    assert_eq!(crawl.records_written(), first);
    assert!(stderr.contains("articles written  0 ("), "{stderr}");
    assert_eq!(
        site.requested_paths()?.len(),
        requests,
        "the rerun fetched pages again"
    );
    Ok(())
}
