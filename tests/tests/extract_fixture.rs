//! Extraction of fixture pages (rendered in-process, no network) against the
//! fixture site's truth, including the page built from the real seed page.

use newshound_core::canon::CanonRules;
use newshound_e2e::score::{score, token_f1};
use newshound_extract::{ExtractOptions, PageKind};
use newshound_testsite::{Site, SiteOptions};

const BASE: &str = "http://127.0.0.1:8311";

fn options() -> ExtractOptions {
    ExtractOptions {
        default_timezone: Some(chrono_tz::Asia::Seoul),
        ..ExtractOptions::default()
    }
}

/// Extracts the page at `url` of `site` into a record, as the parser does.
fn record(site: &Site, url: &str) -> anyhow::Result<Option<serde_json::Value>> {
    let page = url::Url::parse(url)?;
    let path = &url[BASE.len()..];
    let response = site.render(BASE, path);
    anyhow::ensure!(response.status == 200, "{url}: {}", response.status);
    let extraction = newshound_extract::extract(
        &response.body,
        Some(response.content_type),
        &page,
        &options(),
    )?;
    let article = newshound_parser::to_article(
        &extraction,
        &page,
        &CanonRules::default(),
        chrono::Utc::now(),
    );
    Ok(article.map(serde_json::to_value).transpose()?)
}

#[test]
fn fixture_articles_match_truth() -> anyhow::Result<()> {
    let site = Site::generate(SiteOptions {
        articles: 300,
        seed: 7,
        hosts: 1,
    });
    let truth = site.truth(BASE);
    let mut records = Vec::new();
    for t in &truth {
        records.push(
            record(&site, &t.url)?
                .ok_or_else(|| anyhow::anyhow!("{}: not taken for an article", t.url))?,
        );
    }
    let s = score(&records, &truth);
    println!("{s}");
    assert_eq!(s.found_once, truth.len());
    assert_eq!(s.rate(s.title_equal), 1.0, "{s}");
    assert_eq!(s.rate(s.authors_equal), 1.0, "{s}");
    assert_eq!(s.rate(s.published_equal), 1.0, "{s}");
    assert!(s.rate(s.updated_equal) >= 0.99, "{s}");
    assert!(s.rate(s.section_equal) >= 0.99, "{s}");
    assert!(s.body_f1_mean() >= 0.97, "{s}");
    Ok(())
}

#[test]
fn hub_pages_give_no_article() -> anyhow::Result<()> {
    let site = Site::generate(SiteOptions {
        articles: 400,
        seed: 7,
        hosts: 1,
    });
    for path in [
        "/",
        "/section/politics",
        "/section/national?page=2",
        "/section/business/tech",
    ] {
        let response = site.render(BASE, path);
        assert_eq!(response.status, 200, "{path}");
        let page = url::Url::parse(&format!("{BASE}{path}"))?;
        let extraction = newshound_extract::extract(
            &response.body,
            Some(response.content_type),
            &page,
            &options(),
        )?;
        assert_eq!(extraction.kind, PageKind::Hub, "{path}");
        assert!(
            extraction.links.len() > 20,
            "{path}: {} links",
            extraction.links.len()
        );
    }
    Ok(())
}

/// The article built from the real news page in `../shared/seed/`.
#[test]
fn seed_based_article_matches_truth() -> anyhow::Result<()> {
    let site = Site::generate(SiteOptions {
        articles: 20,
        seed: 1,
        hosts: 1,
    });
    let truth = site
        .truth(BASE)
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no articles"))?;
    let r = record(&site, &truth.url)?
        .ok_or_else(|| anyhow::anyhow!("seed page not taken for an article"))?;
    assert_eq!(r["title"], truth.title);
    assert_eq!(r["authors"], serde_json::json!(truth.authors));
    assert_eq!(r["published"], truth.published);
    assert_eq!(r["updated"], serde_json::json!(truth.updated));
    let body = r["body"].as_str().unwrap_or_default();
    let f1 = token_f1(body, &truth.body);
    assert!(f1 >= 0.98, "body F1 {f1}:\n{body}");
    assert!(!body.contains("Top 10"), "{body}");
    Ok(())
}
