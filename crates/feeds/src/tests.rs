//! Realistic snippets, well- and ill-formed.

use std::io::Write;

use chrono::{DateTime, Utc};
use url::Url;

use crate::{EntryKind, FeedError, Format, Limits, is_candidate, parse, parse_with};

fn base(u: &str) -> Url {
    Url::parse(u).expect("test base URL")
}

fn at(s: &str) -> Option<DateTime<Utc>> {
    Some(
        DateTime::parse_from_rfc3339(s)
            .expect("test time")
            .with_timezone(&Utc),
    )
}

fn urls(doc: &crate::Document) -> Vec<&str> {
    doc.entries.iter().map(|e| e.url.as_str()).collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip in memory");
    enc.finish().expect("gzip in memory")
}

#[test]
fn rss2_items_relative_links_guid_and_dates() {
    let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>The Daily &amp; Co</title>
  <link>https://news.example.com/</link>
  <atom:link href="https://news.example.com/rss.xml" rel="self" type="application/rss+xml"/>
  <item>
    <title><![CDATA[Storm <b>hits</b> coast]]></title>
    <link>/news/2026/11/27/storm-hits-coast?utm_source=rss&amp;id=7#top</link>
    <pubDate>Fri, 27 Nov 2026 09:30:00 +0900</pubDate>
    <dc:creator>Kim Min-ji</dc:creator>
  </item>
  <item>
    <title>Guid only</title>
    <guid isPermaLink="true">https://news.example.com/news/2026/11/26/guid-only</guid>
    <pubDate>Thu, 26 Nov 2026 23:00:00 GMT</pubDate>
  </item>
  <item><title>No link at all</title><guid isPermaLink="false">tag:example,2026:1</guid></item>
  <item><title>Script</title><link>javascript:alert(1)</link></item>
  <item>
    <title>Repeat</title>
    <link>https://news.example.com/news/2026/11/27/storm-hits-coast?utm_source=rss&amp;id=7</link>
  </item>
</channel>
</rss>"#;
    let doc = parse(
        xml,
        Some("application/rss+xml; charset=utf-8"),
        &base("https://news.example.com/rss.xml"),
    )
    .expect("valid RSS");
    assert_eq!(doc.format, Format::Rss);
    assert!(!doc.gzipped);
    assert_eq!(
        urls(&doc),
        [
            "https://news.example.com/news/2026/11/27/storm-hits-coast?utm_source=rss&id=7",
            "https://news.example.com/news/2026/11/26/guid-only",
        ]
    );
    let first = &doc.entries[0];
    assert_eq!(first.kind, EntryKind::Article);
    assert_eq!(first.published, at("2026-11-27T00:30:00Z"));
    assert_eq!(first.title.as_deref(), Some("Storm <b>hits</b> coast"));
    assert_eq!(doc.entries[1].published, at("2026-11-26T23:00:00Z"));
}

#[test]
fn rss1_rdf_and_rss091() {
    let rdf = br#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://blog.example.org/">
    <title>Blog</title><link>https://blog.example.org/</link><description>d</description>
  </channel>
  <item rdf:about="https://blog.example.org/2026/one">
    <title>One</title><link>https://blog.example.org/2026/one</link>
    <dc:date>2026-11-20T08:00:00+01:00</dc:date>
  </item>
</rdf:RDF>"#;
    let doc = parse(
        rdf,
        Some("application/rdf+xml"),
        &base("https://blog.example.org/index.rdf"),
    )
    .expect("valid RSS 1.0");
    assert_eq!(doc.format, Format::Rss);
    assert_eq!(urls(&doc), ["https://blog.example.org/2026/one"]);
    assert_eq!(doc.entries[0].published, at("2026-11-20T07:00:00Z"));

    let rss091 = br#"<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="0.91"><channel><title>Old</title><link>http://old.example.net/</link><description>x</description><language>en</language>
<item><title>Caf&#233; opens</title><link>http://old.example.net/cafe.html</link></item>
</channel></rss>"#;
    let doc = parse(
        rss091,
        Some("text/xml"),
        &base("http://old.example.net/rss.xml"),
    )
    .expect("valid RSS 0.91");
    assert_eq!(urls(&doc), ["http://old.example.net/cafe.html"]);
    assert_eq!(doc.entries[0].title.as_deref(), Some("Café opens"));
}

#[test]
fn latin1_encoded_feed_is_decoded() {
    let mut xml = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss version=\"2.0\"><channel><title>x</title><link>http://a.example/</link><description>x</description>\n<item><title>M\xfcnchen: Stra\xdfe gesperrt</title><link>/m\xfcnchen/strasse</link></item></channel></rss>".to_vec();
    xml.extend_from_slice(b"\n");
    let doc = parse(
        &xml,
        Some("application/xml"),
        &base("http://a.example/feed.xml"),
    )
    .expect("latin-1 RSS");
    assert_eq!(
        doc.entries[0].title.as_deref(),
        Some("München: Straße gesperrt")
    );
    assert_eq!(
        doc.entries[0].url.as_str(),
        "http://a.example/m%C3%BCnchen/strasse"
    );
}

#[test]
fn atom_xml_base_alternate_links_and_dates() {
    let xml = br#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://www.example.de/politik/">
  <title>Politik</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2026-11-27T10:00:00Z</updated>
  <link rel="self" href="https://www.example.de/politik/atom.xml"/>
  <entry>
    <title type="html">Minister &amp;lt;tritt&amp;gt; zur&#xFC;ck</title>
    <link rel="enclosure" type="audio/mpeg" href="/audio/1.mp3"/>
    <link rel="alternate" type="text/html" href="minister-tritt-zurueck-100.html"/>
    <id>tag:example.de,2026:100</id>
    <published>2026-11-27T09:15:00+01:00</published>
    <updated>2026-11-27T09:45:00+01:00</updated>
  </entry>
  <entry>
    <title>Nur aktualisiert</title>
    <link href="https://www.example.de/wirtschaft/boerse-101.html"/>
    <id>tag:example.de,2026:101</id>
    <updated>2026-11-26T18:00:00Z</updated>
  </entry>
  <entry>
    <title>Weitere Meldungen</title>
    <link rel="related" href="https://www.example.de/feeds/wirtschaft.atom"/>
    <id>tag:example.de,2026:102</id>
    <updated>2026-11-26T18:00:00Z</updated>
  </entry>
</feed>"#;
    let doc = parse(
        xml,
        Some("application/atom+xml"),
        &base("https://www.example.de/politik/atom.xml"),
    )
    .expect("valid Atom");
    assert_eq!(doc.format, Format::Atom);
    assert_eq!(
        urls(&doc),
        [
            "https://www.example.de/politik/minister-tritt-zurueck-100.html",
            "https://www.example.de/wirtschaft/boerse-101.html",
        ]
    );
    assert_eq!(doc.entries[0].published, at("2026-11-27T08:15:00Z"));
    assert_eq!(doc.entries[1].published, at("2026-11-26T18:00:00Z"));
    assert!(
        doc.entries[0]
            .title
            .as_deref()
            .is_some_and(|t| t.contains("zurück")),
        "{:?}",
        doc.entries[0].title
    );
}

#[test]
fn urlset_with_lastmod_and_news_sitemap() {
    let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://www.example.com/business/article55.html</loc>
    <news:news>
      <news:publication><news:name>The Example Times</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2026-11-27T08:00:00+09:00</news:publication_date>
      <news:title>Companies A, B in Merger Talks</news:title>
    </news:news>
    <lastmod>2026-11-27T12:00:00+09:00</lastmod>
    <image:image><image:loc>https://img.example.com/55.jpg</image:loc></image:image>
  </url>
  <url><loc> https://www.example.com/world/article56.html?a=1&amp;b=2 </loc><lastmod>2026-11-26</lastmod></url>
  <url><loc>/relative/not-allowed</loc></url>
  <url><loc>https://www.example.com/sitemap-video.xml</loc></url>
</urlset>"#;
    let doc = parse(
        xml,
        Some("application/xml"),
        &base("https://www.example.com/news-sitemap.xml"),
    )
    .expect("valid news sitemap");
    assert_eq!(doc.format, Format::UrlSet);
    assert_eq!(
        urls(&doc),
        [
            "https://www.example.com/business/article55.html",
            "https://www.example.com/world/article56.html?a=1&b=2",
            "https://www.example.com/sitemap-video.xml",
        ]
    );
    let news = &doc.entries[0];
    assert_eq!(news.kind, EntryKind::Article);
    // news:publication_date wins over lastmod.
    assert_eq!(news.published, at("2026-11-26T23:00:00Z"));
    assert_eq!(
        news.title.as_deref(),
        Some("Companies A, B in Merger Talks")
    );
    assert_eq!(doc.entries[1].published, at("2026-11-26T00:00:00Z"));
    assert_eq!(doc.entries[1].title, None);
    assert_eq!(doc.entries[2].kind, EntryKind::Feed);
}

#[test]
fn bom_comments_and_old_namespaces_before_the_root() {
    let xml = b"\xEF\xBB\xBF\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- generated by CMS -->\n<?xml-stylesheet type=\"text/xsl\" href=\"/sitemap.xsl\"?>\n<urlset xmlns=\"http://www.google.com/schemas/sitemap/0.84\"><url><loc>https://e.example/%EC%84%9C%EC%9A%B8/1</loc></url></urlset>";
    let doc = parse(
        xml,
        Some("text/xml"),
        &base("https://e.example/sitemap.xml"),
    )
    .expect("parses");
    assert_eq!(urls(&doc), ["https://e.example/%EC%84%9C%EC%9A%B8/1"]);
    let rss = "\u{feff}<rss version=\"2.0\"><channel><title>서울</title><link>https://e.example/</link><description>d</description><item><title>서울 소식</title><link>https://e.example/서울/2</link></item></channel></rss>";
    let doc = parse(rss.as_bytes(), None, &base("https://e.example/rss")).expect("parses");
    assert_eq!(urls(&doc), ["https://e.example/%EC%84%9C%EC%9A%B8/2"]);
    assert_eq!(doc.entries[0].title.as_deref(), Some("서울 소식"));
}

#[test]
fn sitemap_index_children_are_sitemaps() {
    let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://www.example.com/sitemap-news.xml</loc><lastmod>2026-11-27T10:00:00Z</lastmod></sitemap>
  <sitemap><loc>https://www.example.com/sitemap-2026-11.xml.gz</loc></sitemap>
  <sitemap><loc>not a url</loc></sitemap>
</sitemapindex>"#;
    let doc = parse(
        xml,
        Some("text/xml"),
        &base("https://www.example.com/sitemap_index.xml"),
    )
    .expect("valid sitemap index");
    assert_eq!(doc.format, Format::SitemapIndex);
    assert_eq!(
        urls(&doc),
        [
            "https://www.example.com/sitemap-news.xml",
            "https://www.example.com/sitemap-2026-11.xml.gz",
        ]
    );
    assert!(doc.entries.iter().all(|e| e.kind == EntryKind::Sitemap));
    assert_eq!(doc.entries[0].published, at("2026-11-27T10:00:00Z"));
}

#[test]
fn text_sitemap_needs_a_text_type_or_txt_url() {
    let text = b"\xEF\xBB\xBFhttps://www.example.com/a\r\n\r\n# comment\nhttps://www.example.com/b\n/relative\n";
    let doc = parse(
        text,
        Some("text/plain; charset=utf-8"),
        &base("https://www.example.com/sitemap"),
    )
    .expect("text sitemap");
    assert_eq!(doc.format, Format::TextSitemap);
    assert_eq!(
        urls(&doc),
        ["https://www.example.com/a", "https://www.example.com/b"]
    );
    let doc = parse(text, None, &base("https://www.example.com/sitemap.txt")).expect("by URL");
    assert_eq!(doc.entries.len(), 2);
    assert!(matches!(
        parse(
            text,
            Some("application/octet-stream"),
            &base("https://www.example.com/x")
        ),
        Err(FeedError::NotAFeed(_))
    ));
}

#[test]
fn gzipped_sitemap_and_limits() {
    let xml = br#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://e.example/a</loc></url></urlset>"#;
    let doc = parse(
        &gzip(xml),
        Some("application/x-gzip"),
        &base("https://e.example/s.xml.gz"),
    )
    .expect("gzipped sitemap");
    assert!(doc.gzipped);
    assert_eq!(urls(&doc), ["https://e.example/a"]);

    // A small gzip that inflates past the cap is refused, not inflated.
    let mut bomb = b"<urlset>".to_vec();
    bomb.resize(2 * 1024 * 1024, b' ');
    let limits = Limits {
        max_bytes: 1024 * 1024,
        ..Limits::default()
    };
    let packed = gzip(&bomb);
    assert!(packed.len() < 16 * 1024);
    assert_eq!(
        parse_with(&packed, None, &base("https://e.example/s.xml.gz"), &limits),
        Err(FeedError::TooLarge {
            limit: 1024 * 1024,
            inflated: true
        })
    );
    // So is an uncompressed body over it.
    assert_eq!(
        parse_with(&bomb, None, &base("https://e.example/s.xml"), &limits),
        Err(FeedError::TooLarge {
            limit: 1024 * 1024,
            inflated: false
        })
    );
    // Gzip magic with garbage after it.
    assert!(matches!(
        parse(
            &[0x1f, 0x8b, 8, 0, 1, 2, 3],
            None,
            &base("https://e.example/s.xml.gz")
        ),
        Err(FeedError::Gzip(_))
    ));
    // Truncated gzip.
    assert!(matches!(
        parse(
            &packed[..packed.len() / 2],
            None,
            &base("https://e.example/s.xml.gz")
        ),
        Err(FeedError::Gzip(_))
    ));
}

#[test]
fn html_behind_an_xml_type_is_reported_as_html() {
    let b = base("https://e.example/feed.xml");
    for body in [
        &b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>Hi<br></body></html>"[..],
        b"\n\n  <!doctype HTML><html lang=en><body>unclosed",
        b"<html><body><div><p>no doctype</div></body></html>",
        b"<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><br></body></html>",
    ] {
        assert_eq!(parse(body, Some("application/xml"), &b), Err(FeedError::Html));
    }
}

#[test]
fn malformed_documents_are_errors() {
    let b = base("https://e.example/feed.xml");
    let truncated = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a</title><link>https://e.example/a</link></item><item><title>b"#;
    assert!(matches!(
        parse(truncated, None, &b),
        Err(FeedError::Malformed(_))
    ));
    let mismatched = br#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://e.example/a</url></loc></urlset>"#;
    assert!(matches!(
        parse(mismatched, None, &b),
        Err(FeedError::Malformed(_))
    ));
    assert!(matches!(
        parse(b"<", None, &b),
        Err(FeedError::Malformed(_))
    ));
    assert!(matches!(parse(b"", None, &b), Err(FeedError::NotAFeed(_))));
    assert!(matches!(
        parse(b"   \n", None, &b),
        Err(FeedError::NotAFeed(_))
    ));
    assert!(matches!(
        parse(
            br#"{"version":"https://jsonfeed.org/version/1.1"}"#,
            None,
            &b
        ),
        Err(FeedError::NotAFeed(_))
    ));
    assert_eq!(
        parse(
            b"<?xml version=\"1.0\"?><opml version=\"2.0\"><body/></opml>",
            None,
            &b
        ),
        Err(FeedError::NotAFeed("root element <opml>".into()))
    );
    // Binary junk.
    assert!(parse(&[0u8, 159, 146, 150, 255, 0, 1], None, &b).is_err());
}

#[test]
fn deep_nesting_is_refused() {
    let mut xml = String::from("<rss version=\"2.0\"><channel><item><description>");
    for _ in 0..10_000 {
        xml.push_str("<div>");
    }
    assert_eq!(
        parse(xml.as_bytes(), None, &base("https://e.example/rss")),
        Err(FeedError::TooDeep { limit: 128 })
    );
}

#[test]
fn entities_are_not_expanded_beyond_the_predefined_ones() {
    // "Billion laughs": custom entities are never expanded.
    let laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://e.example/&lol3;</loc></url><url><loc>https://e.example/ok</loc></url></urlset>"#;
    let doc = parse(laughs, None, &base("https://e.example/sitemap.xml")).expect("parses");
    assert!(doc.entries.iter().all(|e| e.url.as_str().len() < 100));
    assert!(urls(&doc).contains(&"https://e.example/ok"));

    let rss = br#"<rss version="2.0"><channel><title>t</title><link>https://e.example/</link><description>d</description>
<item><title>Seoul&nbsp;&amp;&#160;Busan</title><link>https://e.example/a-1</link></item></channel></rss>"#;
    // An HTML entity (undefined in XML) in an RSS title is kept as written.
    let doc = parse(rss, None, &base("https://e.example/rss")).expect("parses");
    assert_eq!(urls(&doc), ["https://e.example/a-1"]);
    assert_eq!(
        doc.entries[0].title.as_deref(),
        Some("Seoul&nbsp;&\u{a0}Busan")
    );
}

#[test]
fn a_field_the_feed_parser_panics_on_is_not_read() {
    // feed-rs unwraps the parse of an iTunes duration's digits into a u64.
    // That used to make the whole feed unreadable (one bad field in one
    // item lost every item); items are now read one by one and only for
    // their link, title and dates, so the duration never reaches feed-rs.
    let xml = br#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>p</title><link>https://e.example/</link><description>d</description>
<item><title>ep</title><link>https://e.example/ep1</link><itunes:duration>99999999999999999999999999:00:00</itunes:duration></item></channel></rss>"#;
    let doc = parse(xml, None, &base("https://e.example/podcast.rss")).expect("readable");
    assert_eq!(urls(&doc), ["https://e.example/ep1"]);
    assert_eq!(doc.entries[0].title.as_deref(), Some("ep"));
}

#[test]
fn candidates() {
    let u = |s: &str| base(s);
    let page = u("https://e.example/news/story");
    assert!(is_candidate(Some("application/xml"), &page));
    assert!(is_candidate(Some("text/xml; charset=UTF-8"), &page));
    assert!(is_candidate(Some("Application/RSS+XML"), &page));
    assert!(is_candidate(Some("application/atom+xml"), &page));
    assert!(!is_candidate(Some("application/xhtml+xml"), &page));
    assert!(!is_candidate(
        Some("text/html"),
        &u("https://e.example/sitemap.xml")
    ));
    assert!(!is_candidate(None, &page));
    assert!(is_candidate(None, &u("https://e.example/sitemap.xml")));
    assert!(is_candidate(
        Some("application/octet-stream"),
        &u("https://e.example/s/news.xml.gz")
    ));
    assert!(is_candidate(
        Some("application/x-gzip"),
        &u("https://e.example/sitemap-1.xml.gz")
    ));
    assert!(is_candidate(
        Some("text/plain"),
        &u("https://e.example/sitemap-urls.txt")
    ));
    assert!(!is_candidate(
        Some("text/plain"),
        &u("https://e.example/robots.txt")
    ));
    assert!(!is_candidate(
        Some("application/octet-stream"),
        &u("https://e.example/x.pdf")
    ));
}

/// Debug builds are slow; these bounds only catch work proportional to the
/// whole document (or worse) where the cap should have stopped it.
const GENEROUS: std::time::Duration = std::time::Duration::from_secs(10);

#[test]
fn a_gzip_bomb_feed_is_too_large_without_inflating_it() {
    // 1 GiB of an item's description in 1 KiB on the wire: gzip members
    // (which a decoder reads one after the other) of a megabyte of 'a' each.
    // The inflater stops at the cap: this costs 50 MiB of inflation, not 1 GiB.
    let mut packed =
        gzip(b"<rss version=\"2.0\"><channel><item><link>https://e.example/a</link><description>");
    let member = gzip(&vec![b'a'; 1024 * 1024]);
    for _ in 0..1024 {
        packed.extend_from_slice(&member);
    }
    assert!(packed.len() < 2 * 1024 * 1024, "{}", packed.len());
    let started = std::time::Instant::now();
    let result = parse(&packed, None, &base("https://e.example/rss.xml.gz"));
    assert_eq!(
        result,
        Err(FeedError::TooLarge {
            limit: 50 * 1024 * 1024,
            inflated: true
        })
    );
    assert_eq!(
        result.err().map(|e| e.to_string()).as_deref(),
        Some("gzip stream inflates past 52428800 bytes")
    );
    assert!(started.elapsed() < GENEROUS, "{:?}", started.elapsed());
}

/// An RSS feed of `n` items linking to `/a/0`, `/a/1`, ...
fn rss_of(n: usize) -> Vec<u8> {
    let mut xml = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>".to_vec();
    for i in 0..n {
        xml.extend_from_slice(format!("<item><link>/a/{i}</link></item>").as_bytes());
    }
    xml.extend_from_slice(b"</channel></rss>");
    xml
}

#[test]
fn a_feed_of_a_million_items_keeps_the_cap_and_says_so() {
    let xml = rss_of(1_000_000);
    let started = std::time::Instant::now();
    let doc = parse(&xml, None, &base("https://e.example/rss.xml")).expect("a feed");
    assert!(started.elapsed() < GENEROUS, "{:?}", started.elapsed());
    assert_eq!(doc.entries.len(), Limits::default().max_feed_entries);
    assert_eq!(doc.entries.len(), 10_000);
    assert!(doc.truncated);
    assert_eq!(doc.entries[0].url.as_str(), "https://e.example/a/0");
    assert_eq!(doc.entries[9_999].url.as_str(), "https://e.example/a/9999");
    assert_eq!(
        doc.truncation().as_deref(),
        Some("feed lists more than 10000 URLs: kept the first 10000")
    );
    // Within the cap, nothing is flagged.
    let doc = parse(&rss_of(10_000), None, &base("https://e.example/rss.xml")).expect("a feed");
    assert_eq!((doc.entries.len(), doc.truncated), (10_000, false));
    assert_eq!(doc.truncation(), None);
}

#[test]
fn a_sitemap_of_60000_urls_keeps_50000_and_says_so() {
    let mut xml = br#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">"#.to_vec();
    for i in 0..60_000 {
        xml.extend_from_slice(format!("<url><loc>https://e.example/p/{i}</loc></url>").as_bytes());
    }
    xml.extend_from_slice(b"</urlset>");
    let started = std::time::Instant::now();
    let doc = parse(&gzip(&xml), None, &base("https://e.example/sitemap.xml.gz")).expect("sitemap");
    assert!(started.elapsed() < GENEROUS, "{:?}", started.elapsed());
    assert_eq!(doc.format, Format::UrlSet);
    assert!(doc.gzipped && doc.truncated);
    assert_eq!(doc.entries.len(), 50_000);
    assert_eq!(
        doc.entries[49_999].url.as_str(),
        "https://e.example/p/49999"
    );
    assert_eq!(
        doc.truncation().as_deref(),
        Some("sitemap lists more than 50000 URLs: kept the first 50000")
    );
    // Text sitemaps and a tighter cap.
    let text: String = (0..60_000)
        .map(|i| format!("https://e.example/t/{i}\n"))
        .collect();
    let limits = Limits {
        max_sitemap_entries: 100,
        ..Limits::default()
    };
    let doc = parse_with(
        text.as_bytes(),
        Some("text/plain"),
        &base("https://e.example/sitemap.txt"),
        &limits,
    )
    .expect("text sitemap");
    assert_eq!(
        (doc.format, doc.entries.len(), doc.truncated),
        (Format::TextSitemap, 100, true)
    );
}

#[test]
fn repeats_do_not_count_against_the_cap() {
    let mut xml = b"<rss version=\"2.0\"><channel>".to_vec();
    for _ in 0..5 {
        xml.extend_from_slice(b"<item><link>https://e.example/same</link></item>");
    }
    xml.extend_from_slice(b"<item><title>late</title><link>https://e.example/same</link></item>");
    xml.extend_from_slice(b"</channel></rss>");
    let limits = Limits {
        max_feed_entries: 1,
        ..Limits::default()
    };
    let doc = parse_with(&xml, None, &base("https://e.example/rss"), &limits).expect("feed");
    assert_eq!(urls(&doc), ["https://e.example/same"]);
    assert!(!doc.truncated);
    // The repeat fills in the title the first one lacked.
    assert_eq!(doc.entries[0].title.as_deref(), Some("late"));
}

#[test]
fn bulky_fields_are_not_copied_and_huge_records_are_skipped() {
    // A 20 MB description is skipped, not buffered into the item; a 2 MB
    // title makes the item junk: skipped, the next one kept.
    let mut xml =
        b"<rss version=\"2.0\"><channel><item><link>https://e.example/a</link><description>"
            .to_vec();
    xml.resize(xml.len() + 20 * 1024 * 1024, b'd');
    xml.extend_from_slice(b"</description></item><item><link>https://e.example/b</link><title>");
    xml.resize(xml.len() + 2 * 1024 * 1024, b't');
    xml.extend_from_slice(
        b"</title></item><item><link>https://e.example/c</link></item></channel></rss>",
    );
    let started = std::time::Instant::now();
    let doc = parse(&xml, None, &base("https://e.example/rss")).expect("feed");
    assert!(started.elapsed() < GENEROUS, "{:?}", started.elapsed());
    assert_eq!(urls(&doc), ["https://e.example/a", "https://e.example/c"]);
}

#[test]
fn a_long_prolog_and_errors_that_name_the_cause() {
    // The root is found past a large comment...
    let mut xml = b"<!--".to_vec();
    xml.resize(300 * 1024, b'-');
    xml.extend_from_slice(b"-><urlset><url><loc>https://e.example/x</loc></url></urlset>");
    let doc = parse(&xml, None, &base("https://e.example/s.xml")).expect("sitemap");
    assert_eq!(urls(&doc), ["https://e.example/x"]);
    // ...but not past a megabyte of one.
    let mut xml = b"<!--".to_vec();
    xml.resize(2 * 1024 * 1024, b'-');
    xml.extend_from_slice(b"-><urlset/>");
    assert_eq!(
        parse(&xml, None, &base("https://e.example/s.xml")),
        Err(FeedError::NotAFeed(
            "no root element in the first 1048576 bytes".into()
        ))
    );
    assert_eq!(
        FeedError::TooLarge {
            limit: 10,
            inflated: false
        }
        .to_string(),
        "document larger than 10 bytes"
    );
    let truncated = b"<rss version=\"2.0\"><channel><item><link>https://e.example/a</link></item>";
    assert_eq!(
        parse(truncated, None, &base("https://e.example/rss")),
        Err(FeedError::Malformed(
            "the document ends inside 2 open elements".into()
        ))
    );
}

#[test]
fn a_bloated_root_tag_is_not_copied_for_every_record() {
    // 900 KB of attributes on the root, 20,000 records under it: only
    // the namespace declarations go with each record.
    let mut xml = br#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" junk=""#.to_vec();
    xml.resize(xml.len() + 900 * 1024, b'j');
    xml.extend_from_slice(b"\">");
    for i in 0..20_000 {
        xml.extend_from_slice(format!("<url><loc>https://e.example/{i}</loc></url>").as_bytes());
    }
    xml.extend_from_slice(b"</urlset>");
    let started = std::time::Instant::now();
    let doc = parse(&xml, None, &base("https://e.example/sitemap.xml")).expect("sitemap");
    assert!(started.elapsed() < GENEROUS, "{:?}", started.elapsed());
    assert_eq!(doc.entries.len(), 20_000);
}
