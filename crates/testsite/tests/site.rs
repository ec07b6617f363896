//! In-process checks of the generated site through `Site::render` (no network).

use std::collections::{HashSet, VecDeque};

use newshound_testsite::{Origin, Site, SiteOptions, TruthArticle};

const BASE: &str = "http://127.0.0.1:8311";

fn small_site() -> Site {
    Site::generate(SiteOptions {
        articles: 300,
        seed: 7,
        hosts: 1,
    })
}

fn html(site: &Site, path: &str) -> String {
    let response = site.render(BASE, path);
    assert_eq!(response.status, 200, "{path}");
    String::from_utf8(response.body).unwrap_or_default()
}

/// Every `href="..."` value, HTML-unescaped.
fn hrefs(page: &str) -> Vec<String> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .collect()
}

/// The site path a link points at (no fragment), if it stays on the site.
fn on_site(href: &str) -> Option<String> {
    let href = href.split('#').next().unwrap_or("");
    let path = match href.strip_prefix(BASE) {
        Some(rest) => rest,
        None if href.starts_with('/') && !href.starts_with("//") => href,
        None => return None,
    };
    (!path.is_empty()).then(|| path.to_string())
}

fn path_of(url: &str) -> &str {
    url.strip_prefix(BASE).unwrap_or(url)
}

#[test]
fn generation_is_deterministic() {
    let options = SiteOptions {
        articles: 200,
        seed: 42,
        hosts: 1,
    };
    let (a, b) = (Site::generate(options), Site::generate(options));
    assert_eq!(a.truth(BASE), b.truth(BASE));
    for path in [
        "/",
        "/section/politics?page=2",
        "/sitemap.xml",
        "/rss.xml",
        "/__truth.jsonl",
    ] {
        assert_eq!(a.render(BASE, path), b.render(BASE, path), "{path}");
    }
    let url = &a.truth(BASE)[17].url;
    assert_eq!(a.render(BASE, path_of(url)), b.render(BASE, path_of(url)));
    let other = Site::generate(SiteOptions {
        articles: 200,
        seed: 43,
        hosts: 1,
    });
    assert_ne!(a.truth(BASE)[1..], other.truth(BASE)[1..]);
}

#[test]
fn every_article_renders_with_its_title_and_truth() {
    let site = small_site();
    let truth = site.truth(BASE);
    assert_eq!(truth.len(), 300);
    assert_eq!(site.article_count(), 300);
    let urls: HashSet<&str> = truth.iter().map(|t| t.url.as_str()).collect();
    assert_eq!(urls.len(), truth.len(), "article URLs are unique");
    for t in &truth {
        let page = html(&site, path_of(&t.url));
        let title = t.title.replace('&', "&amp;").replace('\'', "&#39;");
        assert!(
            page.contains(&format!("<title>{title} - The Seoul Courier</title>")),
            "{}",
            t.url
        );
        assert!(page.contains(&format!("<link rel=\"canonical\" href=\"{}\">", t.url)));
        assert!(page.contains(&format!("\"datePublished\":\"{}\"", t.published)));
        assert!((1..=3).contains(&t.authors.len()));
        let words = t.title.split_whitespace().count();
        assert!(
            (6..=14).contains(&words),
            "{}: {words}-word headline",
            t.url
        );
        let paragraphs = t.body.split("\n\n").count();
        assert!(paragraphs >= 4, "{} has {paragraphs} paragraphs", t.url);
        assert!((4..=8).contains(&t.related.len()), "{}", t.url);
        for related in &t.related {
            assert!(urls.contains(related.as_str()) && related != &t.url);
            let related_path = path_of(related);
            assert!(
                hrefs(&page)
                    .iter()
                    .any(|h| on_site(h).is_some_and(|p| p.starts_with(related_path)))
            );
        }
        if let Some(updated) = &t.updated {
            assert!(updated > &t.published);
            let shown = format!("Updated : {} {}", &updated[..10], &updated[11..16]);
            assert!(page.contains(&shown), "{}", t.url);
        }
    }
    let with_subtitle = truth.iter().filter(|t| t.subtitle.is_some()).count();
    assert!(
        (150..=260).contains(&with_subtitle),
        "{with_subtitle} of 300 have a sub-headline"
    );
    assert!(
        truth.iter().any(|t| t.authors.len() == 2) && truth.iter().any(|t| t.authors.len() == 3)
    );
    let updated = truth.iter().filter(|t| t.updated.is_some()).count();
    assert!((100..=200).contains(&updated), "{updated} of 300 updated");
    let ld_authors = truth
        .iter()
        .filter(|t| html(&site, path_of(&t.url)).contains("\"author\":["))
        .count();
    assert!(
        (60..=240).contains(&ld_authors),
        "JSON-LD names the authors on {ld_authors} of 300"
    );
}

#[test]
fn seed_article_truth_comes_from_the_seed_page() {
    let site = small_site();
    let seed: &TruthArticle = &site.truth(BASE)[0];
    assert_eq!(
        seed.title,
        "NK slams NATO chief's Seoul visit as 'prelude to war'"
    );
    assert_eq!(
        seed.subtitle.as_deref(),
        Some("Security grouping becoming conspicuous in Northeast Asia")
    );
    assert_eq!(seed.authors, vec!["Nam Hyun-woo".to_string()]);
    assert_eq!(seed.published, "2023-01-30T16:30:00+09:00");
    assert_eq!(seed.updated.as_deref(), Some("2023-01-31T16:31:00+09:00"));
    assert_eq!(seed.section, "North Korea");
    assert_eq!(seed.body.split("\n\n").count(), 16);
    assert!(
        seed.body
            .starts_with("North Korea criticized North Atlantic Treaty Organization (NATO)")
    );
    assert!(
        seed.body
            .ends_with("which are relying on the U.S.' nuclear capability,\" Tae said.")
    );
    assert!(
        !seed.body.contains("Courtesy of presidential office"),
        "captions are not body text"
    );
    let page = html(&site, path_of(&seed.url));
    for visible in [
        "Posted : 2023-01-30 16:30",
        "Updated : 2023-01-31 16:31",
        "By Nam Hyun-woo",
        "namhw@",
        "Top 10 Stories",
        "Top 5 Entertainment News",
        "DARKROOM",
    ] {
        assert!(page.contains(visible), "{visible}");
    }
}

#[test]
fn page_weights_are_like_real_pages() {
    let site = Site::generate(SiteOptions::default());
    let truth = site.truth(BASE);
    let mut paths: Vec<String> = truth
        .iter()
        .step_by(37)
        .map(|t| path_of(&t.url).to_string())
        .collect();
    paths.extend(
        [
            "/",
            "/section/national",
            "/section/world?page=3",
            "/section/business/tech",
        ]
        .map(String::from),
    );
    for path in &paths {
        let size = site.render(BASE, path).body.len();
        assert!((60_000..=120_000).contains(&size), "{path}: {size} bytes");
    }
}

#[test]
fn every_article_is_reachable_from_home() {
    let site = small_site();
    let mut seen: HashSet<String> = HashSet::from(["/".to_string()]);
    let mut queue: VecDeque<String> = VecDeque::from(["/".to_string()]);
    let articles: HashSet<String> = site
        .truth(BASE)
        .iter()
        .map(|t| path_of(&t.url).to_string())
        .collect();
    let mut reached = HashSet::new();
    while let Some(path) = queue.pop_front() {
        let response = site.render(BASE, &path);
        if response.status != 200 || !response.content_type.starts_with("text/html") {
            continue;
        }
        let page = String::from_utf8(response.body).unwrap_or_default();
        for link in hrefs(&page).iter().filter_map(|h| on_site(h)) {
            // Canonicalize as a crawler would: drop tracking parameters; skip robots-disallowed paths.
            let link = if link.contains("utm_") {
                link.split('?').next().unwrap_or("").to_string()
            } else {
                link
            };
            if link.starts_with("/search")
                || link.starts_with("/member/")
                || link.starts_with("/static/")
            {
                continue;
            }
            if articles.contains(&link) {
                reached.insert(link.clone());
            }
            if seen.insert(link.clone()) {
                queue.push_back(link);
            }
        }
    }
    let missing: Vec<&String> = articles.iter().filter(|a| !reached.contains(*a)).collect();
    assert!(
        missing.is_empty(),
        "{} articles unreachable, e.g. {:?}",
        missing.len(),
        missing.first()
    );
}

#[test]
fn robots_and_feeds() {
    let site = small_site();
    let robots = html(&site, "/robots.txt");
    assert!(robots.contains("User-agent: *\nDisallow: /search\nDisallow: /member/\n"));
    assert!(robots.contains(&format!("Sitemap: {BASE}/sitemap.xml")));
    let home = html(&site, "/");
    assert!(
        home.contains("href=\"/search?q=") && home.contains("href=\"/member/login\""),
        "pages link to disallowed paths"
    );
    let sitemap = html(&site, "/sitemap.xml");
    assert_eq!(sitemap.matches("<lastmod>").count(), 300);
    let rss = html(&site, "/rss.xml");
    assert_eq!(rss.matches("<item>").count(), 50);
    let lines = html(&site, "/__truth.jsonl");
    let parsed: Vec<TruthArticle> = lines
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(parsed, site.truth(BASE));
    for missing in [
        "/nope",
        "/section/nope",
        "/section/politics?page=999",
        "/section/politics?page=x",
    ] {
        assert_eq!(site.render(BASE, missing).status, 404, "{missing}");
    }
}

/// A site spread over three hosts: each article is served by its own host only, pages link across hosts,
/// every article is reachable from the first host's home page, and each host's sitemap lists its own articles.
#[test]
fn a_site_spread_over_hosts_links_across_them() {
    let bases: Vec<String> = (11..14)
        .map(|n| format!("http://127.0.0.{n}:8311"))
        .collect();
    let site = Site::generate(SiteOptions {
        articles: 300,
        seed: 7,
        hosts: 3,
    });
    let truth = site.truth_from(&Origin::host(&bases, 0));
    let host_of = |url: &str| bases.iter().position(|b| url.starts_with(&format!("{b}/")));
    let mut per_host = [0_usize; 3];
    for t in &truth {
        let home = host_of(&t.url).expect("truth URL on one of the hosts");
        per_host[home] += 1;
        for (k, _) in bases.iter().enumerate() {
            let path = &t.url[bases[home].len()..];
            let status = site.render_from(&Origin::host(&bases, k), path).status;
            assert_eq!(
                status,
                if k == home { 200 } else { 404 },
                "{} on host {k}",
                t.url
            );
        }
        assert!(t.related.iter().all(|r| host_of(r).is_some()));
    }
    assert!(per_host.iter().all(|&n| n > 60), "{per_host:?}");

    // Crawl from host 0's home page, following absolute links to the other hosts.
    let articles: HashSet<&str> = truth.iter().map(|t| t.url.as_str()).collect();
    let start = format!("{}/", bases[0]);
    let mut seen = HashSet::from([start.clone()]);
    let mut queue = VecDeque::from([start]);
    let mut reached = HashSet::new();
    while let Some(url) = queue.pop_front() {
        let Some(host) = host_of(&url) else { continue };
        let response = site.render_from(&Origin::host(&bases, host), &url[bases[host].len()..]);
        if response.status != 200 || !response.content_type.starts_with("text/html") {
            continue;
        }
        let page = String::from_utf8(response.body).unwrap_or_default();
        for href in hrefs(&page) {
            let href = href.split(['?', '#']).next().unwrap_or("");
            let absolute = if href.starts_with('/') {
                format!("{}{href}", bases[host])
            } else {
                href.to_string()
            };
            if host_of(&absolute).is_none()
                || ["/search", "/member/", "/static/", "/images/"]
                    .iter()
                    .any(|p| absolute.contains(p))
            {
                continue;
            }
            if articles.contains(absolute.as_str()) {
                reached.insert(absolute.clone());
            }
            if seen.insert(absolute.clone()) {
                queue.push_back(absolute);
            }
        }
    }
    assert_eq!(reached.len(), truth.len());

    for (k, base) in bases.iter().enumerate() {
        let origin = Origin::host(&bases, k);
        let sitemap =
            String::from_utf8(site.render_from(&origin, "/sitemap.xml").body).unwrap_or_default();
        assert_eq!(sitemap.matches("<lastmod>").count(), per_host[k]);
        assert!(!sitemap.contains(&bases[(k + 1) % 3]));
        let robots =
            String::from_utf8(site.render_from(&origin, "/robots.txt").body).unwrap_or_default();
        assert!(robots.contains(&format!("Sitemap: {base}/sitemap.xml")));
    }
}
