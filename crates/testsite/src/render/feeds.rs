//! Machine-read files: `robots.txt`, `sitemap.xml`, the RSS feed and the truth file.

use std::fmt::Write as _;

use chrono::TimeZone;

use super::{Esc, Origin, SITE_NAME};
use crate::Site;
use crate::model::SECTIONS;
use crate::truth::{KST, TruthArticle, rfc3339};

/// Paths `robots.txt` disallows (pages link to both).
pub const DISALLOWED: &[&str] = &["/search", "/member/"];

/// Items in the RSS feed.
pub const FEED_ITEMS: usize = 50;

/// `robots.txt`: disallows the search and member paths and names the sitemap.
pub fn robots(base: &str) -> String {
    let mut out = String::from("User-agent: *\n");
    for path in DISALLOWED {
        let _ = writeln!(out, "Disallow: {path}");
    }
    let _ = write!(
        out,
        "Allow: /\n\nUser-agent: BadBot\nDisallow: /\n\nSitemap: {base}/sitemap.xml\n"
    );
    out
}

/// `sitemap.xml`: every article this host serves, newest first, with its last modification time.
pub fn sitemap(site: &Site, origin: &Origin<'_>) -> String {
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

/// RSS 2.0 feed of the latest [`FEED_ITEMS`] articles (of every host).
pub fn rss(site: &Site, origin: &Origin<'_>) -> String {
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
pub fn truth_jsonl(site: &Site, origin: &Origin<'_>) -> String {
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
