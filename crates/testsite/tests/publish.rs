//! A site that changes while served: publications and updates (in process and over real loopback HTTP),
//! conditional GET, and the discovery files (news sitemap, sitemap index, Atom feed).

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use newshound_testsite::{Origin, ServeOptions, Site, SiteOptions, TruthArticle, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BASE: &str = "http://127.0.0.1:8311";

fn site(articles: usize) -> Site {
    Site::generate(SiteOptions {
        articles,
        seed: 5,
        hosts: 1,
    })
}

fn text(site: &Site, path: &str) -> String {
    let response = site.render(BASE, path);
    assert_eq!(response.status, 200, "{path}");
    String::from_utf8(response.body).expect("utf-8 page")
}

/// The section listing an article path belongs to (`/politics/2026/...` → `/section/politics`).
fn section_of(path: &str) -> String {
    let slug = path.split('/').nth(1).expect("section segment");
    format!("/section/{slug}")
}

/// The news sitemap's `<loc>` values.
fn locs(xml: &str) -> Vec<String> {
    xml.split("<loc>")
        .skip(1)
        .filter_map(|rest| rest.split("</loc>").next())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_published_article_appears_everywhere() {
    let site = site(200);
    let before = site.truth(BASE);
    let path = site.upcoming_path();
    let url = format!("{BASE}{path}");
    assert_eq!(site.render(BASE, &path).status, 404, "not published yet");
    assert!(!text(&site, "/").contains(&path));

    let started = chrono::Utc::now().timestamp_millis();
    assert_eq!(site.publish(), path);
    assert_eq!(site.article_count(), 201);
    let page = text(&site, &path);
    assert!(page.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")));

    let home = text(&site, "/");
    let top = home
        .split("class=\"top-stories\"")
        .nth(1)
        .expect("top stories");
    let first_headline = top
        .split("class=\"card-title\"><a href=\"")
        .nth(1)
        .expect("a headline");
    assert!(
        first_headline.starts_with(&path),
        "the new article leads the home page"
    );
    assert!(text(&site, &section_of(&path)).contains(&path));
    let rss = text(&site, "/rss.xml");
    assert!(rss.split("<item>").nth(1).expect("item").contains(&url));
    assert_eq!(rss.matches("<item>").count(), 50);
    let atom = text(&site, "/atom.xml");
    assert!(atom.split("<entry>").nth(1).expect("entry").contains(&url));
    assert_eq!(atom.matches("<entry>").count(), 50);
    assert!(text(&site, "/sitemap.xml").contains(&url));
    assert_eq!(locs(&text(&site, "/sitemap-news.xml")), vec![url.clone()]);

    let truth = site.truth(BASE);
    assert_eq!(truth[..200], before[..]);
    let fresh = &truth[200];
    assert_eq!(fresh.url, url);
    assert_eq!(fresh.revision, 1);
    assert_eq!(fresh.updated, None);
    let at = fresh.published_at_ms.expect("publication instant");
    assert!(at >= started && at <= chrono::Utc::now().timestamp_millis());
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&fresh.published)
            .expect("RFC 3339")
            .timestamp(),
        at.div_euclid(1000),
        "the publication time is the real time"
    );
    assert!(truth[..200].iter().all(|t| t.published < fresh.published));
    assert!(page.contains(&format!("\"datePublished\":\"{}\"", fresh.published)));
    for related in &fresh.related {
        assert!(page.contains(related.strip_prefix(BASE).expect("on the site")));
    }
    let next = site.upcoming_path();
    assert_ne!(next, path);
    assert_eq!(site.publish(), next);
    assert_eq!(
        locs(&text(&site, "/sitemap-news.xml")),
        vec![format!("{BASE}{next}"), url],
        "newest first"
    );
}

#[test]
fn publishing_is_deterministic_but_for_the_times() {
    let (a, b) = (site(120), site(120));
    for _ in 0..5 {
        assert_eq!(a.upcoming_path(), b.upcoming_path());
        assert_eq!(a.publish(), b.publish());
    }
    assert_eq!(a.update(), b.update());
    let strip = |t: TruthArticle| TruthArticle {
        published: String::new(),
        updated: None,
        published_at_ms: None,
        updated_at_ms: None,
        ..t
    };
    let (ta, tb) = (a.truth(BASE), b.truth(BASE));
    assert_eq!(
        ta.into_iter().map(strip).collect::<Vec<_>>(),
        tb.into_iter().map(strip).collect::<Vec<_>>()
    );
}

#[test]
fn an_update_changes_the_page_and_its_revision() {
    let site = site(150);
    for _ in 0..3 {
        site.publish();
    }
    let truth = |site: &Site, path: &str| {
        site.truth(BASE)
            .into_iter()
            .find(|t| t.url == format!("{BASE}{path}"))
            .expect("in the truth")
    };
    let mut revisions = HashMap::new();
    for n in 1..=12 {
        let path = site.update().expect("an article to update");
        let old = truth(&site, &path);
        let revision = revisions.entry(path.clone()).or_insert(1);
        *revision += 1;
        assert_eq!(old.revision, *revision, "{path}, update {n}");
    }
    // Updates go round the ten articles after the newest.
    assert_eq!(revisions.len(), 10);
    assert_eq!(revisions.values().filter(|&&r| r == 3).count(), 2);

    let newest = site.truth(BASE);
    let path = site.upcoming_path();
    site.publish();
    let before_page = site.render(BASE, &path);
    let before = truth(&site, &path);
    // The article just published is not updated before nine others are; publish one more so it can be.
    site.publish();
    let mut updated = None;
    for _ in 0..10 {
        if site.update().as_deref() == Some(path.as_str()) {
            updated = Some(truth(&site, &path));
            break;
        }
    }
    let after = updated.expect("the article was updated");
    assert_eq!(newest.len() + 2, site.truth(BASE).len());
    assert_eq!(after.revision, before.revision + 1);
    assert!(after.body.starts_with(&before.body) && after.body.len() > before.body.len());
    assert_eq!(
        after.body.split("\n\n").count(),
        before.body.split("\n\n").count() + 1,
        "one more paragraph"
    );
    let updated = after.updated.clone().expect("an update time");
    assert!(updated > after.published);
    assert!(after.updated_at_ms.is_some());
    let after_page = site.render(BASE, &path);
    assert_ne!(after_page.body, before_page.body);
    assert_ne!(after_page.header("ETag"), before_page.header("ETag"));
    let page = String::from_utf8(after_page.body).expect("utf-8 page");
    let shown = format!("Updated : {} {}", &updated[..10], &updated[11..16]);
    assert!(page.contains(&shown), "{shown}");
    assert!(page.contains(&format!("\"dateModified\":\"{updated}\"")));
    assert!(page.contains(&format!(
        "<meta property=\"article:modified_time\" content=\"{updated}\">"
    )));
    let sitemap = text(&site, "/sitemap.xml");
    assert!(sitemap.contains(&format!(
        "<loc>{BASE}{path}</loc><lastmod>{updated}</lastmod>"
    )));
    // The truth file tells the revisions; a first version leaves the field out.
    let lines = text(&site, "/__truth.jsonl");
    assert!(lines.contains(&format!("\"revision\":{}", after.revision)));
    let parsed: Vec<TruthArticle> = lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("truth line"))
        .collect();
    assert_eq!(parsed, site.truth(BASE));
}

#[test]
fn a_site_that_does_not_change_keeps_its_truth_format() {
    let site = site(60);
    let lines = text(&site, "/__truth.jsonl");
    for absent in ["revision", "published_at_ms", "updated_at_ms"] {
        assert!(!lines.contains(absent), "{absent}");
    }
    assert!(site.truth(BASE).iter().all(|t| t.revision == 1));
}

#[test]
fn news_sitemap_index_robots_and_atom() {
    let site = site(1000);
    let truth = site.truth(BASE);
    let newest = truth
        .iter()
        .map(|t| chrono::DateTime::parse_from_rfc3339(&t.published).expect("RFC 3339"))
        .max()
        .expect("articles");
    let window = newest
        .max(chrono::DateTime::parse_from_rfc3339("2024-12-31T18:00:00+09:00").expect("base time"))
        - chrono::Duration::hours(48);
    let expected = truth
        .iter()
        .filter(|t| chrono::DateTime::parse_from_rfc3339(&t.published).expect("RFC 3339") >= window)
        .count();
    let news = text(&site, "/sitemap-news.xml");
    assert!(news.contains("xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\""));
    assert_eq!(locs(&news).len(), expected);
    assert_eq!(news.matches("<news:publication_date>").count(), expected);
    assert!(expected > 0, "some articles are from the last two days");

    let index = text(&site, "/sitemap-index.xml");
    assert!(index.contains("<sitemapindex"));
    assert_eq!(
        locs(&index),
        vec![
            format!("{BASE}/sitemap.xml"),
            format!("{BASE}/sitemap-news.xml")
        ]
    );
    let robots = text(&site, "/robots.txt");
    assert!(robots.contains(&format!(
        "Sitemap: {BASE}/sitemap.xml\nSitemap: {BASE}/sitemap-index.xml\n"
    )));

    let atom = site.render(BASE, "/atom.xml");
    assert_eq!(atom.content_type, "application/atom+xml; charset=utf-8");
    let atom = String::from_utf8(atom.body).expect("utf-8");
    assert!(atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    let first = atom.split("<entry>").nth(1).expect("an entry");
    assert!(first.contains("<published>") && first.contains("<author><name>"));
    for page in ["/", "/section/world"] {
        assert!(text(&site, page).contains(&format!(
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"The Seoul Courier Atom\" href=\"{BASE}/atom.xml\">"
        )));
    }
}

#[test]
fn validators_and_conditional_responses() {
    let site = site(100);
    let truth = site.truth(BASE);
    let path = truth[3].url.strip_prefix(BASE).expect("on the site");
    for page in [
        "/",
        "/section/politics",
        "/rss.xml",
        "/atom.xml",
        "/sitemap.xml",
        "/sitemap-news.xml",
        "/sitemap-index.xml",
        path,
    ] {
        let response = site.render(BASE, page);
        let tag = response.header("ETag").expect("an ETag").to_string();
        assert!(tag.starts_with('"') && tag.ends_with('"'), "strong: {tag}");
        assert_eq!(site.render(BASE, page).header("ETag"), Some(tag.as_str()));
        let modified = response
            .header("Last-Modified")
            .expect("Last-Modified")
            .to_string();
        assert!(modified.ends_with(" GMT"), "{modified}");

        let again = |inm: Option<&str>, ims: Option<&str>| {
            site.render(BASE, page).conditional(inm, ims).status
        };
        assert_eq!(again(Some(&tag), None), 304, "{page}");
        assert_eq!(again(Some(&format!("W/{tag}")), None), 304);
        assert_eq!(again(Some(&format!("\"other\", {tag}")), None), 304);
        assert_eq!(again(Some("*"), None), 304);
        assert_eq!(again(Some("\"other\""), None), 200);
        assert_eq!(again(None, Some(&modified)), 304);
        assert_eq!(again(None, Some("Mon, 01 Jan 2024 00:00:00 GMT")), 200);
        assert_eq!(again(None, Some("yesterday")), 200);
        assert_eq!(
            again(Some("\"other\""), Some(&modified)),
            200,
            "If-None-Match wins"
        );
        let not_modified = site.render(BASE, page).conditional(Some(&tag), None);
        assert!(not_modified.body.is_empty());
        assert_eq!(not_modified.header("ETag"), Some(tag.as_str()));
    }
    let home = site.render(BASE, "/");
    site.publish();
    let changed = site.render(BASE, "/");
    assert_ne!(home.header("ETag"), changed.header("ETag"));
    assert_eq!(
        changed.conditional(home.header("ETag"), None).status,
        200,
        "a changed page is sent again"
    );
    let missing = site.render(BASE, "/no/such/page");
    assert!(missing.header("ETag").is_none());
    assert_eq!(missing.conditional(Some("*"), None).status, 404);
}

/// A reply: status, headers (lower-case names) and body.
struct Reply {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// A minimal HTTP/1.1 GET with extra request headers.
async fn get(host: &str, path: &str, extra: &[(&str, &str)]) -> Reply {
    let mut stream = TcpStream::connect(host).await.expect("connect");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("receive");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// Polls `check` every 50 ms until it gives a value, for at most `limit`.
async fn wait_for<T, F: Future<Output = Option<T>>>(
    limit: Duration,
    mut check: impl FnMut() -> F,
) -> Option<T> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(value) = check().await {
            return Some(value);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

async fn truth_over_http(host: &str) -> Vec<TruthArticle> {
    get(host, "/__truth.jsonl", &[])
        .await
        .body
        .lines()
        .map(|l| serde_json::from_str(l).expect("truth line"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_site_publishes_updates_and_answers_conditional_gets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log_path = dir.path().join("access.log");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let host = listener.local_addr().expect("address").to_string();
    let base = format!("http://{host}");
    let site = Arc::new(site(150));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = ServeOptions {
        access_log: Some(log_path.clone()),
        publish_every: Some(Duration::from_millis(200)),
        update_every: Some(Duration::from_millis(300)),
    };
    let server = tokio::spawn(serve(vec![listener], site.clone(), options, async {
        let _ = stopped.await;
    }));

    // The next article is "not found" until it is published (retried if it got published meanwhile).
    let upcoming = wait_for(Duration::from_secs(5), || {
        let site = site.clone();
        let host = host.clone();
        async move {
            let path = site.upcoming_path();
            let status = get(&host, &path, &[]).await.status;
            (status == 404 && site.upcoming_path() == path).then_some(path)
        }
    })
    .await
    .expect("an unpublished article answered 404");
    let url = format!("{base}{upcoming}");
    let home = wait_for(Duration::from_secs(10), || {
        let (host, upcoming) = (host.clone(), upcoming.clone());
        async move {
            let home = get(&host, "/", &[]).await;
            home.body.contains(&upcoming).then_some(home)
        }
    })
    .await
    .expect("the article reached the home page");
    let page = get(&host, &upcoming, &[]).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(&format!("<link rel=\"canonical\" href=\"{url}\">"))
    );
    for listing in ["/rss.xml", "/atom.xml", "/sitemap.xml", "/sitemap-news.xml"] {
        assert!(
            get(&host, listing, &[]).await.body.contains(&url),
            "{listing}"
        );
    }
    let fresh = truth_over_http(&host)
        .await
        .into_iter()
        .find(|t| t.url == url)
        .expect("in the truth");
    assert!(fresh.published_at_ms.is_some());

    // The home page changes as articles are published: its old ETag no longer matches.
    let home_tag = home.header("etag").expect("home ETag").to_string();
    let changed = wait_for(Duration::from_secs(10), || {
        let (host, home_tag) = (host.clone(), home_tag.clone());
        async move {
            let again = get(&host, "/", &[("If-None-Match", &home_tag)]).await;
            (again.status == 200).then_some(again)
        }
    })
    .await
    .expect("the home page changed");
    assert_ne!(changed.header("etag"), Some(home_tag.as_str()));
    assert!(!changed.body.is_empty());

    // Updates: remember the newest articles' pages, then wait for one of them to get a new revision.
    let mut newest = truth_over_http(&host).await;
    newest.sort_by(|a, b| b.published.cmp(&a.published));
    let mut pages = Vec::new();
    for t in newest.iter().take(12) {
        let path = t.url.strip_prefix(&base).expect("on the site").to_string();
        pages.push((t.url.clone(), path.clone(), get(&host, &path, &[]).await));
    }
    // Revisions as of after the pages were fetched: an update in between is in both.
    let revisions: HashMap<String, u32> = truth_over_http(&host)
        .await
        .into_iter()
        .map(|t| (t.url, t.revision))
        .collect();
    let seen: HashMap<String, (String, u32, Reply)> = pages
        .into_iter()
        .map(|(url, path, reply)| {
            let revision = revisions[&url];
            (url, (path, revision, reply))
        })
        .collect();
    let updated = wait_for(Duration::from_secs(10), || {
        let host = host.clone();
        let seen = &seen;
        async move {
            truth_over_http(&host)
                .await
                .into_iter()
                .find(|t| seen.get(&t.url).is_some_and(|(_, r, _)| t.revision > *r))
        }
    })
    .await
    .expect("a recent article was updated");
    let (path, revision, before) = &seen[&updated.url];
    assert_eq!(updated.revision, revision + 1);
    assert!(updated.updated_at_ms.is_some());
    let after = get(&host, path, &[]).await;
    assert_ne!(after.body, before.body);
    assert_ne!(after.header("etag"), before.header("etag"));
    let old_tag = before.header("etag").expect("ETag");
    assert_eq!(
        get(&host, path, &[("If-None-Match", old_tag)]).await.status,
        200
    );
    let updated_shown = updated.updated.as_deref().expect("update time");
    assert!(after.body.contains(&format!(
        "Updated : {} {}",
        &updated_shown[..10],
        &updated_shown[11..16]
    )));

    // An article nobody changes: 304 on its ETag and on its Last-Modified.
    let still = newest.last().expect("articles");
    let still_path = still.url.strip_prefix(&base).expect("on the site");
    let first = get(&host, still_path, &[]).await;
    let tag = first.header("etag").expect("ETag");
    let modified = first.header("last-modified").expect("Last-Modified");
    let by_tag = get(&host, still_path, &[("If-None-Match", tag)]).await;
    assert_eq!(by_tag.status, 304);
    assert!(by_tag.body.is_empty());
    assert_eq!(by_tag.header("etag"), Some(tag));
    assert_eq!(by_tag.header("content-length").unwrap_or("0"), "0");
    let by_date = get(&host, still_path, &[("If-Modified-Since", modified)]).await;
    assert_eq!(by_date.status, 304);
    let earlier = chrono::DateTime::parse_from_rfc2822(modified).expect("HTTP date")
        - chrono::Duration::seconds(1);
    let earlier = earlier.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    assert_eq!(
        get(&host, still_path, &[("If-Modified-Since", &earlier)])
            .await
            .status,
        200
    );

    stop.send(()).expect("server running");
    server.await.expect("server task").expect("serve result");
    let log = std::fs::read_to_string(&log_path).expect("access log");
    assert!(log.contains(&format!(" {upcoming} 404\n")), "{log}");
    assert!(log.contains(&format!(" {upcoming} 200\n")));
    let not_modified = log
        .lines()
        .filter(|l| l.ends_with(&format!(" {still_path} 304")))
        .count();
    assert_eq!(not_modified, 2, "{log}");
}

#[test]
fn the_binary_publishes_with_publish_every() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newshound-testsite"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--articles",
            "40",
            "--publish-every",
            "0.1",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start newshound-testsite");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("a first line");
    let host = first
        .trim()
        .strip_prefix("listening on http://")
        .expect("listening line")
        .to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let truth = runtime.block_on(wait_for(Duration::from_secs(10), || {
        let host = host.clone();
        async move {
            let truth = truth_over_http(&host).await;
            let updated = truth.iter().any(|t| t.revision > 1);
            (truth.len() > 42 && updated).then_some(truth)
        }
    }));
    let _ = child.kill();
    let _ = child.wait();
    let truth = truth.expect("articles published and updated");
    assert!(truth[40..].iter().all(|t| t.published_at_ms.is_some()));
    let rejected = Command::new(env!("CARGO_BIN_EXE_newshound-testsite"))
        .args(["--publish-every", "0"])
        .output()
        .expect("run newshound-testsite");
    assert!(!rejected.status.success());
}

/// On a site spread over three hosts, a published article lives on one host, like the generated ones, and
/// only that host's news sitemap lists it; every host's home page links it.
#[test]
fn publishing_on_a_site_spread_over_hosts() {
    let bases: Vec<String> = (11..14)
        .map(|n| format!("http://127.0.0.{n}:8311"))
        .collect();
    let site = Site::generate(SiteOptions {
        articles: 90,
        seed: 5,
        hosts: 3,
    });
    let mut homes = [0_usize; 3];
    for _ in 0..9 {
        let path = site.publish();
        let serving: Vec<usize> = (0..3)
            .filter(|&k| site.render_from(&Origin::host(&bases, k), &path).status == 200)
            .collect();
        let [home] = serving[..] else {
            panic!("{path} is served by hosts {serving:?}");
        };
        homes[home] += 1;
        let url = format!("{}{path}", bases[home]);
        for (k, _) in bases.iter().enumerate() {
            let origin = Origin::host(&bases, k);
            let body = |page: &str| {
                String::from_utf8(site.render_from(&origin, page).body).expect("utf-8")
            };
            assert_eq!(body("/sitemap-news.xml").contains(&url), k == home);
            let link = if k == home { path.clone() } else { url.clone() };
            assert!(
                body("/").contains(&format!("href=\"{link}")),
                "host {k}: {link}"
            );
        }
        let truth = site.truth_from(&Origin::host(&bases, 0));
        assert_eq!(truth.last().map(|t| t.url.as_str()), Some(url.as_str()));
    }
    assert!(homes.iter().all(|&n| n > 0), "{homes:?}");
}
