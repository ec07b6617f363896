//! End-to-end discovery through feeds and sitemaps: `newshound run --once`
//! seeded with nothing but a sitemap, a feed, or a page that links nowhere,
//! with `max_depth` set so that only what the sitemap or feed lists (or the
//! sitemap robots.txt names) can be reached.

use std::collections::BTreeSet;
use std::time::Duration;

use newshound_e2e::{Crawl, FixtureSite, score::score};

/// The fixture site's config with `seed` as its only seed and `max_depth`.
fn config(site: &FixtureSite, seed: &str, max_depth: u16) -> String {
    let config = site.config(1000.0);
    let home_seed = format!("seeds = [\"{}/\"]", site.base);
    assert!(
        config.contains(&home_seed),
        "the fixture config no longer seeds the home page:\n{config}"
    );
    let seeded = config.replace(&home_seed, &format!("seeds = [\"{}{seed}\"]", site.base));
    let limited = set_max_depth(&seeded, max_depth);
    assert_ne!(limited, seeded, "no max_depth line in the fixture config");
    limited
}

/// Replaces the `max_depth = N` line.
fn set_max_depth(config: &str, max_depth: u16) -> String {
    config
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("max_depth") {
                format!("max_depth = {max_depth}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Record URLs of a crawl.
fn record_urls(crawl: &Crawl) -> anyhow::Result<BTreeSet<String>> {
    Ok(crawl
        .records()?
        .iter()
        .filter_map(|r| r["url"].as_str().map(str::to_string))
        .collect())
}

/// A crawl seeded with `/sitemap.xml` alone, one step deep: every article is
/// found once, and only through the sitemap (links on the pages it lists are
/// one step too deep).
#[test]
fn a_sitemap_seed_finds_every_article() -> anyhow::Result<()> {
    let site = FixtureSite::start(150)?;
    let crawl = Crawl::new(&config(&site, "/sitemap.xml", 1))?;
    crawl.run_to_end(1, Duration::from_secs(300))?;
    let s = score(&crawl.records()?, &site.truth());
    println!("{s}");
    assert!(s.missing.is_empty(), "missing: {:?}", s.missing);
    assert!(s.duplicated.is_empty(), "duplicated: {:?}", s.duplicated);
    assert!(s.unexpected.is_empty(), "unexpected: {:?}", s.unexpected);
    assert_eq!(s.found_once, 150);
    let paths = site.requested_paths()?;
    assert_eq!(paths.iter().filter(|p| *p == "/sitemap.xml").count(), 1);
    // Nothing beyond what the sitemap lists: no section or tag pages.
    assert!(
        !paths.iter().any(|p| p.starts_with("/section")),
        "fetched pages the sitemap does not list"
    );
    Ok(())
}

/// A crawl seeded with `/rss.xml` alone, one step deep: exactly the feed's
/// items are found.
#[test]
fn a_feed_seed_finds_the_feed_items() -> anyhow::Result<()> {
    let site = FixtureSite::start(120)?;
    let crawl = Crawl::new(&config(&site, "/rss.xml", 1))?;
    crawl.run_to_end(1, Duration::from_secs(300))?;
    let feed = fetch_text(&format!("{}/rss.xml", site.base))?;
    let items: BTreeSet<String> = feed
        .split("<item>")
        .skip(1)
        .filter_map(|item| {
            let start = item.find("<link>")? + "<link>".len();
            let end = item[start..].find("</link>")? + start;
            Some(item[start..end].to_string())
        })
        .collect();
    assert_eq!(items.len(), 50, "the fixture feed lists 50 items");
    let found = record_urls(&crawl)?;
    assert_eq!(found, items);
    let s = score(&crawl.records()?, &site.truth());
    assert!(s.duplicated.is_empty(), "duplicated: {:?}", s.duplicated);
    assert!(s.unexpected.is_empty(), "unexpected: {:?}", s.unexpected);
    Ok(())
}

/// A crawl seeded with a page that does not exist, two steps deep: the only
/// way to the articles is the `Sitemap:` line of robots.txt (the sitemap at
/// depth 1, its articles at depth 2), and every article is found once.
#[test]
fn robots_txt_sitemaps_are_discovery_sources() -> anyhow::Result<()> {
    let site = FixtureSite::start(100)?;
    let crawl = Crawl::new(&config(&site, "/no-such-page", 2))?;
    crawl.run_to_end(1, Duration::from_secs(300))?;
    let s = score(&crawl.records()?, &site.truth());
    println!("{s}");
    assert!(s.missing.is_empty(), "missing: {:?}", s.missing);
    assert!(s.duplicated.is_empty(), "duplicated: {:?}", s.duplicated);
    assert_eq!(s.found_once, 100);
    let paths = site.requested_paths()?;
    assert_eq!(paths.iter().filter(|p| *p == "/robots.txt").count(), 1);
    assert_eq!(paths.iter().filter(|p| *p == "/sitemap.xml").count(), 1);
    Ok(())
}

/// GETs a page of the fixture site.
fn fetch_text(url: &str) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let response = reqwest::get(url).await?.error_for_status()?;
        Ok(response.text().await?)
    })
}
