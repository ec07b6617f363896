//! End-to-end: `newshound run --once` against hostile loopback sites, one
//! test per way the open web misbehaves. Each asserts the outcome, that the
//! run ends within a time bound, and (where an input could bloat it) that
//! its peak memory stays within a bound above a benign crawl's.
//!
//! Every server is on a loopback address; the private-address test allows
//! one (`127.0.0.1`) and shows another (`127.0.0.2`) refused.

use axum::Router;
use axum::routing::get;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::time::{Duration, Instant};

use newshound_e2e::Crawl;
use newshound_e2e::hostile::{Measured, Server, article_page, config, html, reply};

/// Longest any of these runs may take (debug build, loaded machine).
const LIMIT: Duration = Duration::from_secs(90);

/// Peak memory a single hostile input may add to a benign crawl's (the bound the README states).
const MEMORY_BOUND: u64 = 128 << 20;

fn loopback(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, last)
}

/// A benign site: a hub linking to two articles.
fn benign() -> anyhow::Result<Server> {
    let app = Router::new()
        .route("/", get(|| async { html(hub(&["/a1", "/a2"])) }))
        .route(
            "/a1",
            get(|| async { html(article_page("First story", &[])) }),
        )
        .route(
            "/a2",
            get(|| async { html(article_page("Second story", &[])) }),
        );
    Server::start(loopback(1), app)
}

/// A hub page linking to `links`.
fn hub(links: &[&str]) -> String {
    let items: String = links
        .iter()
        .map(|l| format!("<li><a href=\"{l}\">Story at {l}</a></li>"))
        .collect();
    format!(
        "<!doctype html><html><head><title>Home</title></head><body><ul>{items}</ul></body></html>"
    )
}

/// Peak memory of a crawl of the benign site, the baseline of the bounds.
fn baseline_rss() -> anyhow::Result<u64> {
    let site = benign()?;
    let crawl = Crawl::new(&config(
        &[format!("{}/", site.base)],
        &[site.host()],
        &["127.0.0.0/8"],
        "",
    ))?;
    let run = crawl.run_measured(1, LIMIT)?;
    assert_eq!(crawl.records_written(), 2, "{}", run.stderr);
    Ok(run.peak_rss)
}

/// Asserts that `run` ended within `secs` seconds.
fn within_time(run: &Measured, secs: u64) {
    assert!(
        run.elapsed < Duration::from_secs(secs),
        "took {:?}:\n{}",
        run.elapsed,
        run.stderr
    );
}

/// Asserts that `run` peaked within [`MEMORY_BOUND`] above `baseline`, and
/// prints both for the record.
fn within_memory_bound(run: &Measured, baseline: u64) {
    eprintln!(
        "peak RSS {} MiB (baseline {} MiB), {:.1} s",
        run.peak_rss >> 20,
        baseline >> 20,
        run.elapsed.as_secs_f64()
    );
    assert!(
        run.peak_rss < baseline + MEMORY_BOUND,
        "peak {} MiB, baseline {} MiB",
        run.peak_rss >> 20,
        baseline >> 20
    );
}

fn record_urls(crawl: &Crawl) -> anyhow::Result<Vec<String>> {
    Ok(crawl
        .records()?
        .iter()
        .filter_map(|r| r["url"].as_str().map(str::to_string))
        .collect())
}

#[test]
fn redirects_never_leave_scope_or_pass_robots_txt() -> anyhow::Result<()> {
    // Out of scope (not in allowed_hosts) though its address is allowed.
    let outside = Server::start(
        loopback(3),
        Router::new().fallback(|| async { html(article_page("Elsewhere", &[])) }),
    )?;
    let away = format!("{}/page", outside.base);
    let app = Router::new()
        .route(
            "/robots.txt",
            get(|| async { "User-agent: *\nDisallow: /private/\n" }),
        )
        .route(
            "/",
            get(|| async {
                html(hub(&[
                    "/a1", "/away", "/hidden", "/moved", "/ftp", "/file", "/loop1", "/chain0",
                ]))
            }),
        )
        .route(
            "/a1",
            get(|| async { html(article_page("First story", &[])) }),
        )
        .route(
            "/a2",
            get(|| async { html(article_page("Moved story", &[])) }),
        )
        .route(
            "/away",
            get(move || async move { reply(302, &[("location", &away)], "") }),
        )
        .route(
            "/hidden",
            get(|| async { reply(307, &[("location", "/private/secret")], "") }),
        )
        .route(
            "/private/secret",
            get(|| async { html(article_page("Secret", &[])) }),
        )
        .route(
            "/moved",
            get(|| async { reply(301, &[("location", "/a2?utm_source=x")], "") }),
        )
        .route(
            "/ftp",
            get(|| async { reply(302, &[("location", "ftp://127.0.0.1/x")], "") }),
        )
        .route(
            "/file",
            get(|| async { reply(302, &[("location", "file:///etc/passwd")], "") }),
        )
        .route(
            "/loop1",
            get(|| async { reply(302, &[("location", "/loop2")], "") }),
        )
        .route(
            "/loop2",
            get(|| async { reply(302, &[("location", "/loop1")], "") }),
        )
        .route(
            "/chain{n}",
            get(
                |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                    reply(302, &[("location", &format!("/chain{}", n + 1))], "")
                },
            ),
        );
    let site = Server::start(loopback(1), app)?;
    let crawl = Crawl::new(&config(
        &[format!("{}/", site.base)],
        &[site.host()],
        &["127.0.0.0/8"],
        "",
    ))?;
    let run = crawl.run_measured(1, LIMIT)?;
    within_time(&run, 30);
    assert!(
        outside.requests().is_empty(),
        "out-of-scope host asked: {:?}",
        outside.requests()
    );
    let asked = site.requests();
    assert!(
        !asked.iter().any(|p| p.starts_with("/private/")),
        "disallowed path fetched: {asked:?}"
    );
    // The redirect chain stops at max_redirects (5): /chain0 .. /chain5.
    assert!(!asked.iter().any(|p| p == "/chain6"), "{asked:?}");
    let records = crawl.records()?;
    let urls: Vec<&str> = records.iter().filter_map(|r| r["url"].as_str()).collect();
    let a2 = format!("{}/a2", site.base);
    assert!(
        urls.contains(&format!("{}/a1", site.base).as_str()),
        "{urls:?}"
    );
    assert!(urls.contains(&a2.as_str()), "{urls:?}");
    assert_eq!(urls.len(), 2, "{urls:?}");
    let moved = records
        .iter()
        .find(|r| r["url"] == a2.as_str())
        .expect("a2 record");
    assert_eq!(
        moved["redirected_from"],
        serde_json::json!([format!("{}/moved", site.base)])
    );
    for said in [
        "redirect out of the crawl's scope",
        "redirect to a non-http URL ftp://",
        "redirect to a non-http URL file:///etc/passwd",
        "redirect loop",
        "too many redirects",
    ] {
        assert!(run.stderr.contains(said), "no {said:?} in:\n{}", run.stderr);
    }
    Ok(())
}

#[test]
fn private_addresses_are_refused_unless_allowed() -> anyhow::Result<()> {
    // 127.0.0.2 is in the crawl's scope, but only 127.0.0.1 is allowed.
    let refused = Server::start(
        loopback(2),
        Router::new().fallback(|| async { html(article_page("Internal", &[])) }),
    )?;
    let direct = format!("{}/linked", refused.base);
    let redirected = format!("{}/redirected", refused.base);
    let app = Router::new()
        .route(
            "/",
            get(move || async move { html(hub(&["/a1", "/jump", &direct])) }),
        )
        .route(
            "/a1",
            get(|| async { html(article_page("First story", &[])) }),
        )
        .route(
            "/jump",
            get(move || async move { reply(302, &[("location", &redirected)], "") }),
        );
    let site = Server::start(loopback(1), app)?;
    let crawl = Crawl::new(&config(
        &[format!("{}/", site.base)],
        &[site.host(), refused.host()],
        &["127.0.0.1/32"],
        "",
    ))?;
    let run = crawl.run_measured(1, LIMIT)?;
    within_time(&run, 30);
    assert!(
        refused.requests().is_empty(),
        "refused host asked: {:?}",
        refused.requests()
    );
    assert_eq!(record_urls(&crawl)?, [format!("{}/a1", site.base)]);
    assert!(
        run.stderr.contains("127.0.0.2 is a loopback address")
            && run.stderr.contains("allow_private_networks"),
        "{}",
        run.stderr
    );
    Ok(())
}

/// An article nested `depth` `<div>`s deep.
fn nested(depth: usize) -> String {
    format!(
        "<!doctype html><html><head><title>Deep</title></head><body><article><h1>Deep story</h1>{}<p>{}</p>{}</article></body></html>",
        "<div>".repeat(depth),
        "The deepest paragraph of the page, with enough words to be the body of a story. "
            .repeat(4),
        "</div>".repeat(depth)
    )
}

#[test]
fn deep_nesting_costs_bounded_time_and_memory() -> anyhow::Result<()> {
    let baseline = baseline_rss()?;
    let deep = nested(200_000);
    assert!(deep.len() > 2_000_000);
    let app = Router::new()
        .route("/", get(|| async { html(hub(&["/a1", "/deep"])) }))
        .route(
            "/a1",
            get(|| async { html(article_page("First story", &[])) }),
        )
        .route("/deep", get(move || async move { html(deep) }));
    let site = Server::start(loopback(1), app)?;
    let crawl = Crawl::new(&config(
        &[format!("{}/", site.base)],
        &[site.host()],
        &["127.0.0.0/8"],
        "",
    ))?;
    let run = crawl.run_measured(1, LIMIT)?;
    within_time(&run, 45);
    within_memory_bound(&run, baseline);
    let urls = record_urls(&crawl)?;
    assert!(urls.contains(&format!("{}/a1", site.base)), "{urls:?}");
    Ok(())
}

/// An RSS feed of `items` items linking to `base`.
fn rss(items: usize, base: &str) -> String {
    let mut feed =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed</title>");
    for n in 0..items {
        feed.push_str(&format!(
            "<item><title>Story number {n} of the feed</title><link>{base}/story/{n}</link><description>{}</description></item>",
            "A description of the story that goes on for a while. ".repeat(4)
        ));
    }
    feed.push_str("</channel></rss>");
    feed
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

#[test]
fn feeds_and_sitemaps_that_inflate_stay_bounded() -> anyhow::Result<()> {
    let baseline = baseline_rss()?;
    // Entries point off the site: the frontier drops them, so the test
    // measures reading the documents, not crawling what they list.
    let off = "http://127.0.0.9:9";
    let feed = gzip(rss(50_000, off).as_bytes());
    assert!(feed.len() < 2 << 20, "{}", feed.len());
    let mut sitemap = String::from(
        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
    );
    for n in 0..60_000 {
        sitemap.push_str(&format!(
            "<url><loc>{off}/page/{n}</loc><lastmod>2026-11-01</lastmod></url>"
        ));
    }
    sitemap.push_str("</urlset>");
    // A sitemap of nothing but empty unknown elements, 200 MiB inflated.
    let mut inflated =
        b"<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
            .to_vec();
    inflated.extend(b"<x/>".repeat(50 << 20));
    let bomb = gzip(&inflated);
    drop(inflated);
    let app = Router::new()
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        .route("/", get(|| async { html(hub(&["/a1"])) }))
        .route(
            "/a1",
            get(|| async { html(article_page("First story", &[])) }),
        )
        .route(
            "/feed.xml.gz",
            get(move || async move { reply(200, &[("content-type", "application/gzip")], feed) }),
        )
        .route(
            "/sitemap.xml",
            get(move || async move { reply(200, &[("content-type", "application/xml")], sitemap) }),
        )
        .route(
            "/bomb.xml.gz",
            get(move || async move { reply(200, &[("content-type", "application/gzip")], bomb) }),
        );
    let site = Server::start(loopback(1), app)?;
    // The documents are seeds (as feeds and sitemaps usually are).
    let seeds: Vec<String> = ["/", "/feed.xml.gz", "/sitemap.xml", "/bomb.xml.gz"]
        .iter()
        .map(|p| format!("{}{p}", site.base))
        .collect();
    let crawl = Crawl::new(&config(&seeds, &[site.host()], &["127.0.0.0/8"], ""))?;
    let run = crawl.run_measured(1, LIMIT)?;
    within_time(&run, 60);
    within_memory_bound(&run, baseline);
    let asked = site.requests();
    for path in ["/feed.xml.gz", "/sitemap.xml", "/bomb.xml.gz"] {
        assert!(
            asked.iter().any(|p| p == path),
            "{path} not fetched: {asked:?}"
        );
    }
    assert_eq!(record_urls(&crawl)?, [format!("{}/a1", site.base)]);
    // One warning each, naming the URL: the sitemap cut at its cap, the
    // bomb refused once it inflated past the limit.
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("/sitemap.xml") && l.contains("kept the first 50000")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("/bomb.xml.gz") && l.contains("inflates past 52428800 bytes")),
        "{}",
        run.stderr
    );
    Ok(())
}

#[test]
fn a_page_of_many_links_stays_bounded() -> anyhow::Result<()> {
    let baseline = baseline_rss()?;
    let mut page = String::from("<!doctype html><html><head><title>Links</title></head><body><ul>");
    for n in 0..500_000 {
        page.push_str(&format!("<a href=/{n}>x</a>"));
    }
    page.push_str("</ul></body></html>");
    assert!(page.len() < 10 << 20);
    let app = Router::new()
        .route("/", get(|| async { html(hub(&["/a1", "/links"])) }))
        .route(
            "/a1",
            get(|| async { html(article_page("First story", &[])) }),
        )
        .route("/links", get(move || async move { html(page) }));
    let site = Server::start(loopback(1), app)?;
    // The links are one step too deep to be fetched: the test measures
    // reading the page, not crawling what it links.
    let text = config(
        &[format!("{}/", site.base)],
        &[site.host()],
        &["127.0.0.0/8"],
        "",
    )
    .replace("max_depth = 5", "max_depth = 1");
    let crawl = Crawl::new(&text)?;
    let run = crawl.run_measured(1, LIMIT)?;
    within_time(&run, 45);
    within_memory_bound(&run, baseline);
    assert!(site.requests().iter().any(|p| p == "/links"));
    let asked = site.requests();
    assert_eq!(asked.len(), 4, "{asked:?}");
    Ok(())
}

#[test]
fn once_ends_and_names_unreachable_and_robots_failing_hosts() -> anyhow::Result<()> {
    // Nothing listens on this port any more.
    let closed = TcpListener::bind((loopback(1), 0))?.local_addr()?;
    let failing = Server::start(
        loopback(1),
        Router::new()
            .route("/robots.txt", get(|| async { reply(500, &[], "oops") }))
            .fallback(|| async { html(article_page("Never", &[])) }),
    )?;
    let crawl = Crawl::new(&config(
        &[format!("http://{closed}/"), format!("{}/", failing.base)],
        &[closed.to_string(), failing.host()],
        &["127.0.0.0/8"],
        "give_up_after_secs = 3",
    ))?;
    let run = crawl.run_measured(1, LIMIT)?;
    within_time(&run, 40);
    let summary = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("host given up:"))
        .collect::<Vec<_>>();
    assert!(
        summary
            .iter()
            .any(|l| l.contains(&closed.to_string()) && l.contains("connection refused")),
        "{}",
        run.stderr
    );
    assert!(
        summary
            .iter()
            .any(|l| l.contains(&failing.host()) && l.contains("500")),
        "{}",
        run.stderr
    );
    // One warning per host when it starts failing, not one per URL.
    let warnings = run.stderr.matches("Host failing").count();
    assert_eq!(warnings, 2, "{}", run.stderr);
    assert!(!failing.requests().iter().any(|p| p != "/robots.txt"));
    Ok(())
}

#[test]
fn huge_crawl_delay_and_retry_after_are_capped() -> anyhow::Result<()> {
    let slow = Server::start(
        loopback(1),
        Router::new()
            .route(
                "/robots.txt",
                get(|| async { "User-agent: *\nCrawl-delay: 100000\n" }),
            )
            .route("/", get(|| async { html(hub(&["/a1", "/a2"])) }))
            .route(
                "/a1",
                get(|| async { html(article_page("First story", &[])) }),
            )
            .route(
                "/a2",
                get(|| async { html(article_page("Second story", &[])) }),
            ),
    )?;
    let busy = Server::start(
        loopback(1),
        Router::new()
            .route("/robots.txt", get(|| async { reply(404, &[], "") }))
            .fallback(|| async { reply(503, &[("retry-after", "999999999")], "busy") }),
    )?;
    let crawl = Crawl::new(&config(
        &[format!("{}/", slow.base), format!("{}/", busy.base)],
        &[slow.host(), busy.host()],
        &["127.0.0.0/8"],
        "max_crawl_delay_secs = 1\nmax_retry_after_secs = 1",
    ))?;
    let run = crawl.run_measured(1, LIMIT)?;
    within_time(&run, 40);
    assert_eq!(crawl.records_written(), 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("Crawl-delay longer than"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Retry-After longer than"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("answered 503"), "{}", run.stderr);
    Ok(())
}

#[test]
fn drain_ends_promptly_while_a_crawl_delay_holds_the_gate() -> anyhow::Result<()> {
    let links: Vec<String> = (0..50).map(|n| format!("/a{n}")).collect();
    let refs: Vec<&str> = links.iter().map(String::as_str).collect();
    let hub_page = hub(&refs);
    let slow = Server::start(
        loopback(1),
        Router::new()
            .route(
                "/robots.txt",
                get(|| async { "User-agent: *\nCrawl-delay: 100000\n" }),
            )
            .route("/", get(move || async move { html(hub_page) }))
            .fallback(|| async { html(article_page("A story", &[])) }),
    )?;
    let crawl = Crawl::new(&config(
        &[format!("{}/", slow.base)],
        &[slow.host()],
        &["127.0.0.0/8"],
        "",
    ))?;
    let mut child = crawl.spawn_continuous(1)?;
    let started = Instant::now();
    while !slow.requests().iter().any(|p| p == "/robots.txt") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "robots.txt never fetched"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The seed now waits at the gate (Crawl-delay capped at 30 s).
    std::thread::sleep(Duration::from_secs(2));
    let pid = libc::pid_t::try_from(child.id())?;
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let signalled = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            assert!(status.success(), "{status}: {}", crawl.stderr(1));
            break;
        }
        if signalled.elapsed() > Duration::from_secs(10) {
            child.kill().ok();
            panic!("drain took over 10 s:\n{}", crawl.stderr(1));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(slow.requests().len() <= 2, "{:?}", slow.requests());
    Ok(())
}

/// Deterministic pseudo-random bytes (xorshift).
fn junk(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn junk_bytes_make_no_record_and_bad_utf8_no_mojibake() -> anyhow::Result<()> {
    let bytes = junk(1 << 20);
    let headline = "서울시, 내년 예산 45조 원 확정";
    let mut korean = article_page(headline, &[]).into_bytes();
    // One invalid byte in the middle of the text.
    let at = korean.len() / 2;
    korean.insert(at, 0xff);
    let app = Router::new()
        .route("/", get(|| async { html(hub(&["/junk", "/kr"])) }))
        .route("/junk", get(move || async move { html(bytes) }))
        .route("/kr", get(move || async move { html(korean) }));
    let site = Server::start(loopback(1), app)?;
    let crawl = Crawl::new(&config(
        &[format!("{}/", site.base)],
        &[site.host()],
        &["127.0.0.0/8"],
        "",
    ))?;
    let run = crawl.run_measured(1, LIMIT)?;
    within_time(&run, 30);
    let records = crawl.records()?;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["url"], format!("{}/kr", site.base));
    assert_eq!(records[0]["title"], headline);
    assert!(
        records[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("council"))
    );
    // The junk is logged with the URL and the reason.
    let junk_url = format!("{}/junk", site.base);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("Page not read") && l.contains(&junk_url)),
        "{}",
        run.stderr
    );
    Ok(())
}

/// A raw TCP server on 127.0.0.1 that answers by path: `/garbage` with no
/// HTTP at all, `/headers` with a huge header block, `/slow` with a body
/// that trickles past the timeout, `/reset` by resetting the connection;
/// robots.txt is 404.
fn raw_server() -> anyhow::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind((loopback(1), 0))?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let n = stream.read(&mut request).unwrap_or(0);
                let line = String::from_utf8_lossy(&request[..n]).to_string();
                let path = line.split(' ').nth(1).unwrap_or("/").to_string();
                let _ = match path.as_str() {
                    "/" => {
                        let body = "<html><body><a href=/garbage>g</a> <a href=/headers>h</a> <a href=/slow>s</a> \
                                    <a href=/reset>r</a> <a href=/short>x</a></body></html>";
                        stream.write_all(
                            format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            )
                            .as_bytes(),
                        )
                    }
                    "/garbage" => stream.write_all(b"HELLO THIS IS NOT HTTP\r\n\r\nat all"),
                    "/headers" => {
                        let mut head = String::from("HTTP/1.1 200 OK\r\n");
                        for n in 0..20_000 {
                            head.push_str(&format!("x-filler-{n}: {}\r\n", "y".repeat(20)));
                        }
                        head.push_str("\r\n");
                        stream.write_all(head.as_bytes())
                    }
                    "/slow" => {
                        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 100000\r\n\r\n");
                        for _ in 0..40 {
                            if stream.write_all(b"<p>").is_err() {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(250));
                        }
                        Ok(())
                    }
                    "/short" => stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 5000\r\n\r\n<html>cut"),
                    "/reset" => {
                        let _ = socket_reset(&stream);
                        Ok(())
                    }
                    _ => stream.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
                };
            });
        }
    });
    Ok(addr)
}

/// Closes `stream` with a reset (SO_LINGER 0).
fn socket_reset(stream: &std::net::TcpStream) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setting a socket option on an open socket we own, from a local.
    let done = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if done != 0 {
        return Err(std::io::Error::last_os_error());
    }
    stream.shutdown(std::net::Shutdown::Read)
}

#[test]
fn transport_errors_name_the_url_and_the_cause() -> anyhow::Result<()> {
    let addr = raw_server()?;
    let crawl = Crawl::new(&config(
        &[format!("http://{addr}/")],
        &[addr.to_string()],
        &["127.0.0.0/8"],
        "timeout_secs = 2\nmax_attempts = 1",
    ))?;
    let run = crawl.run_measured(1, LIMIT)?;
    within_time(&run, 40);
    let dead: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("dead-lettered"))
        .collect();
    let said = |path: &str, cause: &str| {
        dead.iter()
            .any(|l| l.contains(&format!("http://{addr}{path}")) && l.contains(cause))
    };
    assert!(said("/garbage", "not HTTP"), "{}", run.stderr);
    assert!(
        said("/headers", "response headers too large"),
        "{}",
        run.stderr
    );
    assert!(said("/slow", "timed out after 2 s"), "{}", run.stderr);
    assert!(said("/short", "reading the body"), "{}", run.stderr);
    assert!(said("/reset", "connection"), "{}", run.stderr);
    Ok(())
}
