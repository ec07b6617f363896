//! Property tests of `parse`: arbitrary bytes (plain and gzip'd), documents
//! generated from a small grammar of each format (namespaces, entities,
//! CDATA, comments, bad dates, relative and non-web URLs, huge and empty
//! fields), and those documents cut or corrupted. `parse` never panics and
//! returns within a bound; every entry is an absolute http(s) URL; there are
//! never more than the cap; and for a generated document, the URLs found
//! are the web URLs it lists, in order, up to the cap.
//!
//! The number of cases is proptest's (256 a property), or `PROPTEST_CASES`
//! for a longer run: `PROPTEST_CASES=20000 cargo test --release -p
//! newshound-feeds --test properties`.

use std::io::Write;
use std::time::{Duration, Instant};

use newshound_feeds::{Document, FeedError, Limits, parse_with};
use proptest::prelude::*;
use url::Url;

/// Far above what any of these small documents costs, even in debug.
const BOUND: Duration = Duration::from_secs(5);

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// Parses and checks what holds for any input.
fn checked(
    body: &[u8],
    content_type: Option<&str>,
    base: &Url,
    limits: &Limits,
) -> Result<Document, FeedError> {
    let started = Instant::now();
    let result = parse_with(body, content_type, base, limits);
    assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
    if let Ok(doc) = &result {
        let cap = limits.max_feed_entries.max(limits.max_sitemap_entries);
        assert!(doc.entries.len() <= cap, "{} > {cap}", doc.entries.len());
        for e in &doc.entries {
            assert!(matches!(e.url.scheme(), "http" | "https"), "{}", e.url);
            assert!(e.url.host_str().is_some(), "{}", e.url);
        }
    }
    result
}

/// Where a listed URL points.
#[derive(Clone, Debug)]
enum Href {
    /// `https://hN.example/p/PATH`.
    Absolute(u8, String),
    /// `/r/PATH`, resolved against the base.
    Relative(String),
    /// Not a web URL: never listed.
    Other(&'static str),
}

impl Href {
    fn text(&self) -> String {
        match self {
            Href::Absolute(h, p) => format!("https://h{h}.example/p/{p}"),
            Href::Relative(p) => format!("/r/{p}"),
            Href::Other(s) => (*s).to_string(),
        }
    }

    /// The URL `parse` should list, if any (`relative_ok`: feeds resolve
    /// relative links, sitemaps require absolute ones).
    fn expected(&self, base: &Url, relative_ok: bool) -> Option<String> {
        match self {
            Href::Absolute(..) => Url::parse(&self.text()).ok().map(|u| u.to_string()),
            Href::Relative(_) if relative_ok => base.join(&self.text()).ok().map(|u| u.to_string()),
            _ => None,
        }
    }
}

fn href() -> impl Strategy<Value = Href> {
    prop_oneof![
        6 => (0u8..4, "[a-z0-9]{0,10}").prop_map(|(h, p)| Href::Absolute(h, p)),
        2 => "[a-z0-9]{0,10}".prop_map(Href::Relative),
        1 => prop::sample::select(vec!["javascript:alert(1)", "mailto:a@e.example", "ftp://e.example/f", "data:text/html,x", "tag:e.example,2026:1"]).prop_map(Href::Other),
    ]
}

/// Escapes text for XML content.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A field's text: escaped, CDATA, with character references, or empty.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~àéü서울]{0,40}".prop_map(|s| escape(&s)),
        "[ -~]{0,40}".prop_map(|s| format!("<![CDATA[{}]]>", s.replace("]]>", ""))),
        Just("Caf&#233; &amp; &#x2603; &quot;q&quot;".to_string()),
        Just(String::new()),
        (1usize..200_000).prop_map(|n| "x".repeat(n)),
    ]
}

/// A date, good or not.
fn date() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Fri, 27 Nov 2026 09:30:00 +0900".to_string()),
        Just("2026-11-27T10:00:00Z".to_string()),
        Just("2026-11-27".to_string()),
        Just("yesterday".to_string()),
        Just("Fri, 31 Feb 2026 25:61:00 XYZ".to_string()),
        "[ -~]{0,20}".prop_map(|s| escape(&s)),
    ]
}

/// Noise inside a record: unknown elements (namespaced, nested), comments.
fn noise() -> impl Strategy<Value = String> {
    prop_oneof![
        text().prop_map(|t| format!("<description>{t}</description>")),
        text().prop_map(|t| format!("<x:a><x:b y=\"1\">{t}</x:b><x:c/></x:a>")),
        Just("<!-- a comment <item> -->".to_string()),
        Just("<enclosure url=\"https://e.example/a.mp3\" type=\"audio/mpeg\"/>".to_string()),
        Just(String::new()),
    ]
}

#[derive(Clone, Debug)]
struct Record {
    href: Href,
    title: String,
    date: String,
    noise: String,
}

fn record() -> impl Strategy<Value = Record> {
    (href(), text(), date(), noise()).prop_map(|(href, title, date, noise)| Record {
        href,
        title,
        date,
        noise,
    })
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Rss,
    Atom,
    UrlSet,
    Index,
    Text,
}

/// A document of `kind` listing `records`; the URLs it should yield.
fn document(kind: Kind, records: &[Record], base: &Url) -> (Vec<u8>, Vec<String>) {
    let mut out = String::new();
    let relative_ok = matches!(kind, Kind::Rss | Kind::Atom);
    match kind {
        Kind::Rss => out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:x=\"urn:x\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>t</title><link>https://e.example/</link>"),
        Kind::Atom => out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:x=\"urn:x\"><title>t</title><id>urn:x:1</id>"),
        Kind::UrlSet => out.push_str("<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:x=\"urn:x\">"),
        Kind::Index => out.push_str("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:x=\"urn:x\">"),
        Kind::Text => {}
    }
    let mut expected: Vec<String> = Vec::new();
    for r in records {
        let href = escape(&r.href.text());
        match kind {
            Kind::Rss => out.push_str(&format!(
                "<item><title>{}</title>{}<link>{href}</link><pubDate>{}</pubDate></item>\n",
                r.title, r.noise, r.date
            )),
            Kind::Atom => out.push_str(&format!(
                "<entry><title type=\"html\">{}</title>{}<link rel=\"alternate\" href=\"{}\"/><id>urn:x:e</id><updated>{}</updated></entry>\n",
                r.title, r.noise, href.replace('"', "&quot;"), r.date
            )),
            Kind::UrlSet => out.push_str(&format!(
                "<url>{}<loc>{href}</loc><lastmod>{}</lastmod></url>\n",
                r.noise, r.date
            )),
            Kind::Index => out.push_str(&format!(
                "<sitemap><loc>{href}</loc>{}</sitemap>\n",
                r.noise
            )),
            Kind::Text => {
                out.push_str(&r.href.text());
                out.push('\n');
            }
        }
        if let Some(url) = r.href.expected(base, relative_ok)
            && !expected.contains(&url)
        {
            expected.push(url);
        }
    }
    match kind {
        Kind::Rss => out.push_str("</channel></rss>\n"),
        Kind::Atom => out.push_str("</feed>"),
        Kind::UrlSet => out.push_str("</urlset>"),
        Kind::Index => out.push_str("</sitemapindex>"),
        Kind::Text => {}
    }
    (out.into_bytes(), expected)
}

fn kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(vec![
        Kind::Rss,
        Kind::Atom,
        Kind::UrlSet,
        Kind::Index,
        Kind::Text,
    ])
}

fn base() -> Url {
    Url::parse("https://base.example/dir/feed.xml").unwrap_or_else(|_| unreachable!())
}

proptest! {
    // The default config reads `PROPTEST_CASES`; failures are reported with
    // their minimal input, not saved to files.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
        gzipped in any::<bool>(),
        content_type in prop::sample::select(vec![None, Some("text/plain"), Some("application/xml"), Some("application/x-gzip")]),
    ) {
        let body = if gzipped { gzip(&bytes) } else { bytes };
        let _ = checked(&body, content_type, &base(), &Limits::default());
    }

    #[test]
    fn markup_soup_never_panics(
        parts in prop::collection::vec(prop::sample::select(vec![
            "<rss version=\"2.0\">", "<channel>", "<item>", "</item>", "<link>", "</link>",
            "https://e.example/a", "/rel", "<feed xmlns=\"http://www.w3.org/2005/Atom\">", "<entry>",
            "</entry>", "<link href=\"https://e.example/b\"/>", "<urlset>", "<url>", "<loc>", "</loc>",
            "</url>", "<sitemapindex>", "<sitemap>", "</sitemap>", "<![CDATA[", "]]>", "&amp;", "&lt;",
            "&bogus;", "&#0;", "&#xD800;", "<!--", "-->", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
            "<!DOCTYPE x [<!ENTITY e \"&e;&e;\">]>", "<a:b xmlns:a=\"urn:a\">", "</a:b>", "\u{feff}", "\n",
            "<title>", "</title>", "<pubDate>", "</pubDate>", "\u{fc}", "</channel>", "</rss>", "<",
        ]), 0..60),
        gzipped in any::<bool>(),
    ) {
        let doc: String = parts.concat();
        let body = if gzipped { gzip(doc.as_bytes()) } else { doc.into_bytes() };
        let _ = checked(&body, None, &base(), &Limits::default());
    }

    #[test]
    fn generated_documents_yield_their_urls_up_to_the_cap(
        kind in kind(),
        records in prop::collection::vec(record(), 0..30),
        cap in 0usize..40,
        gzipped in any::<bool>(),
    ) {
        let base = base();
        let (doc, expected) = document(kind, &records, &base);
        let body = if gzipped { gzip(&doc) } else { doc };
        let limits = Limits { max_feed_entries: cap, max_sitemap_entries: cap, ..Limits::default() };
        let content_type = matches!(kind, Kind::Text).then_some("text/plain");
        let parsed = checked(&body, content_type, &base, &limits);
        let parsed = match parsed {
            Ok(parsed) => parsed,
            // A text sitemap of nothing is no document at all.
            Err(FeedError::NotAFeed(_)) if matches!(kind, Kind::Text) && records.is_empty() => {
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        let found: Vec<String> = parsed.entries.iter().map(|e| e.url.to_string()).collect();
        let kept = expected.len().min(cap);
        prop_assert_eq!(&found[..], &expected[..kept]);
        prop_assert_eq!(parsed.truncated, expected.len() > cap);
        prop_assert_eq!(parsed.gzipped, gzipped);
    }

    #[test]
    fn cut_or_corrupted_documents_never_panic(
        kind in kind(),
        records in prop::collection::vec(record(), 0..10),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        gzipped in any::<bool>(),
    ) {
        let base = base();
        let (mut doc, _) = document(kind, &records, &base);
        if !doc.is_empty() {
            let at = flip.index(doc.len());
            doc[at] = byte;
            let end = cut.index(doc.len() + 1);
            doc.truncate(end);
        }
        let body = if gzipped { gzip(&doc) } else { doc };
        let _ = checked(&body, None, &base, &Limits::default());
    }
}
