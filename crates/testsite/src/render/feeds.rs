//! Machine-read files: `robots.txt`, the sitemaps (`sitemap.xml`, the news sitemap, the sitemap index), the RSS
//! and Atom feeds and the truth file.

use std::fmt::Write as _;

use chrono::{DateTime, TimeZone};

use super::{Esc, Origin, SITE_NAME};
use crate::model::SECTIONS;
use crate::site::Snapshot;
use crate::truth::{KST, TruthArticle, rfc3339};

/// Paths `robots.txt` disallows (pages link to both).
pub const DISALLOWED: &[&str] = &["/search", "/member/"];

/// Items in the RSS and Atom feeds.
pub const FEED_ITEMS: usize = 50;

/// Most entries a news sitemap may list.
const NEWS_ITEMS: usize = 1000;

/// `robots.txt`: disallows the search and member paths and names the sitemap, then the sitemap index.
pub fn robots(base: &str) -> String {
    let mut out = String::from("User-agent: *\n");
    for path in DISALLOWED {
        let _ = writeln!(out, "Disallow: {path}");
    }
    let _ = write!(
        out,
        "Allow: /\n\nUser-agent: BadBot\nDisallow: /\n\nSitemap: {base}/sitemap.xml\nSitemap: {base}/sitemap-index.xml\n"
    );
    out
}

/// `sitemap.xml`: every article this host serves, newest first, with its last modification time.
pub fn sitemap(site: &Snapshot, origin: &Origin<'_>) -> String {
    let base = origin.base();
    let mut out = String::with_capacity(160 * site.articles.len() + 256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let _ = writeln!(
        out,
        "<url><loc>{base}/</loc><changefreq>hourly</changefreq></url>"
    );
    for &i in &site.latest {
        let a = &site.articles[i];
        if !origin.serves(site, a) {
            continue;
        }
        let _ = writeln!(
            out,
            "<url><loc>{base}{}</loc><lastmod>{}</lastmod></url>",
            a.path(),
            rfc3339(a.updated.unwrap_or(a.published))
        );
    }
    out.push_str("</urlset>\n");
    out
}

/// `sitemap-news.xml`, a Google News sitemap: the articles this host serves published in the 48 hours before the
/// site's newest (at most 1000), newest first, with `news:publication_date`.
pub fn news_sitemap(site: &Snapshot, origin: &Origin<'_>) -> String {
    let base = origin.base();
    let since = site.news_since();
    let mut out = String::with_capacity(4096);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n",
    );
    let recent = site
        .latest
        .iter()
        .map(|&i| &site.articles[i])
        .take_while(|a| a.published >= since)
        .filter(|a| origin.serves(site, a))
        .take(NEWS_ITEMS);
    for a in recent {
        let _ = writeln!(
            out,
            "<url><loc>{base}{}</loc><news:news><news:publication><news:name>{SITE_NAME}</news:name>\
             <news:language>en</news:language></news:publication><news:publication_date>{}</news:publication_date>\
             <news:title>{}</news:title></news:news></url>",
            a.path(),
            rfc3339(a.published),
            Esc(&a.title)
        );
    }
    out.push_str("</urlset>\n");
    out
}

/// `sitemap-index.xml`: this host's `sitemap.xml` and `sitemap-news.xml`, with the site's last change.
pub fn sitemap_index(site: &Snapshot, origin: &Origin<'_>) -> String {
    let base = origin.base();
    let changed = changed(site);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for name in ["sitemap.xml", "sitemap-news.xml"] {
        let _ = writeln!(
            out,
            "<sitemap><loc>{base}/{name}</loc><lastmod>{changed}</lastmod></sitemap>"
        );
    }
    out.push_str("</sitemapindex>\n");
    out
}

/// The site's last change, RFC 3339 with the Korea offset.
fn changed(site: &Snapshot) -> String {
    DateTime::from_timestamp_millis(site.changed_ms)
        .map(|t| {
            t.with_timezone(&KST)
                .format("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
}

/// Atom 1.0 feed of the latest [`FEED_ITEMS`] articles (of every host), beside the RSS feed.
pub fn atom(site: &Snapshot, origin: &Origin<'_>) -> String {
    let base = origin.base();
    let mut out = String::with_capacity(FEED_ITEMS * 700 + 512);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\n\
         <title>{SITE_NAME}</title>\n<subtitle>Latest news from {SITE_NAME}</subtitle>\n<id>{base}/</id>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{base}/atom.xml\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{base}/\"/>\n\
         <updated>{}</updated>\n",
        changed(site)
    );
    for &i in site.latest.iter().take(FEED_ITEMS) {
        let a = &site.articles[i];
        let url = format!("{}{}", origin.home_of(site, a), a.path());
        let _ = write!(
            out,
            "<entry><title>{}</title><link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/><id>{url}</id>\
             <published>{}</published><updated>{}</updated>",
            Esc(&a.title),
            rfc3339(a.published),
            rfc3339(a.updated.unwrap_or(a.published))
        );
        for author in &a.authors {
            let _ = write!(out, "<author><name>{}</name></author>", Esc(author));
        }
        let _ = writeln!(
            out,
            "<category term=\"{}\"/><summary>{}</summary></entry>",
            Esc(SECTIONS[a.section].name),
            Esc(a.summary())
        );
    }
    out.push_str("</feed>\n");
    out
}

/// RSS 2.0 feed of the latest [`FEED_ITEMS`] articles (of every host).
pub fn rss(site: &Snapshot, origin: &Origin<'_>) -> String {
    let base = origin.base();
    let mut out = String::with_capacity(FEED_ITEMS * 600 + 512);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n\
         <title>{SITE_NAME}</title>\n<link>{base}/</link>\n<description>Latest news from {SITE_NAME}</description>\n<language>en</language>\n"
    );
    for &i in site.latest.iter().take(FEED_ITEMS) {
        let a = &site.articles[i];
        let url = format!("{}{}", origin.home_of(site, a), a.path());
        let date = KST
            .from_local_datetime(&a.published)
            .single()
            .map(|t| t.to_rfc2822())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<item><title>{}</title><link>{url}</link><guid isPermaLink=\"true\">{url}</guid><description>{}</description>\
             <category>{}</category><dc:creator>{}</dc:creator><pubDate>{date}</pubDate></item>",
            Esc(&a.title),
            Esc(a.summary()),
            Esc(SECTIONS[a.section].name),
            Esc(&a.authors.join(", "))
        );
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

/// `/__truth.jsonl`: one [`TruthArticle`] JSON object per line.
pub fn truth_jsonl(site: &Snapshot, origin: &Origin<'_>) -> String {
    let mut out = String::with_capacity(site.articles.len() * 6 * 1024);
    for article in &site.articles {
        let truth = TruthArticle::of(site, article, origin);
        if let Ok(line) = serde_json::to_string(&truth) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}
