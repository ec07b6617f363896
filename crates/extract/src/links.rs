//! Link classification: article, hub, feed, off-site or asset, and the related-story flag.

use url::Url;

use crate::dom::Doc;
use crate::{Link, LinkKind};

const ASSET_EXT: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "webp", "svg", "avif", "bmp", "ico", "pdf", "zip", "gz", "mp3",
    "mp4", "m4a", "mov", "avi", "webm", "css", "js", "json", "woff", "woff2", "ttf", "doc", "docx",
    "xls", "xlsx", "ppt", "pptx", "apk", "exe", "dmg",
];

const HUB_SEGMENTS: &[&str] = &[
    "tag",
    "tags",
    "topic",
    "topics",
    "author",
    "authors",
    "category",
    "categories",
    "section",
    "sections",
    "search",
    "page",
    "archive",
    "archives",
    "profile",
    "reporter",
    "writer",
    "themen",
    "thema",
    "autor",
    "autoren",
    "rubrik",
    "list",
    "index",
];

/// Query keys that carry an article id.
const ID_KEYS: &[&str] = &[
    "idxno",
    "aid",
    "article_id",
    "articleid",
    "newsid",
    "news_id",
    "no",
    "id",
    "artid",
    "p",
    "story",
    "storyid",
    "contid",
    "seq",
    "idx",
];

fn registrable(host: &str) -> &str {
    psl::domain_str(host).unwrap_or(host)
}

fn extension(path: &str) -> Option<String> {
    let last = path.rsplit('/').next()?;
    let (_, ext) = last.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

fn is_feed(url: &Url) -> bool {
    let path = url.path().to_ascii_lowercase();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let ext = extension(&path);
    segs.iter()
        .any(|s| matches!(*s, "feed" | "feeds" | "rss" | "atom" | "rss2"))
        || matches!(ext.as_deref(), Some("rss" | "atom"))
        || (ext.as_deref() == Some("xml")
            && (path.contains("rss") || path.contains("feed") || path.contains("atom")))
        || url.query().is_some_and(|q| {
            q.contains("feed=") || q.contains("format=rss") || q.contains("output=rss")
        })
}

fn digit_run(s: &str) -> usize {
    let mut best = 0;
    let mut cur = 0;
    for c in s.chars() {
        cur = if c.is_ascii_digit() { cur + 1 } else { 0 };
        best = best.max(cur);
    }
    best
}

/// Whether a same-site URL (with its anchor text) looks like an article rather than a hub.
pub(crate) fn looks_like_article(url: &Url, anchor: &str) -> bool {
    let path = url.path();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(last) = segs.last() else {
        return url.query().is_some_and(id_query);
    };
    let hub_segment = segs
        .iter()
        .any(|s| HUB_SEGMENTS.iter().any(|h| h.eq_ignore_ascii_case(s)));
    if hub_segment && digit_run(last) < 5 {
        return false;
    }
    let dated = segs.windows(2).any(|w| {
        w[0].len() == 4
            && w[0].starts_with(['1', '2'])
            && w[0].chars().all(|c| c.is_ascii_digit())
            && w[1].len() <= 2
            && w[1].chars().all(|c| c.is_ascii_digit())
    });
    let slug = last.matches(['-', '_']).count() >= 3 && last.len() >= 20;
    let id = segs.iter().any(|s| digit_run(s) >= 5);
    let page = matches!(
        extension(path).as_deref(),
        Some("html" | "htm" | "shtml" | "php" | "asp" | "aspx" | "jsp")
    ) && last.len() > 12;
    dated
        || slug
        || id
        || page
        || url.query().is_some_and(id_query)
        || (segs.len() >= 2 && anchor.split_whitespace().count() >= 6)
}

/// Whether a URL looks like a list page: the site root or a tag/author/section/search path.
pub(crate) fn looks_like_hub(url: &Url) -> bool {
    let segs: Vec<String> = url
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let Some(last) = segs.last() else {
        return !url.query().is_some_and(id_query);
    };
    segs.iter()
        .any(|s| HUB_SEGMENTS.iter().any(|h| h.eq_ignore_ascii_case(s)))
        && digit_run(last) < 5
}

fn id_query(q: &str) -> bool {
    q.split('&').any(|kv| {
        kv.split_once('=').is_some_and(|(k, v)| {
            ID_KEYS.contains(&k.to_ascii_lowercase().as_str())
                && v.len() >= 3
                && v.chars().all(|c| c.is_ascii_digit())
        })
    })
}

/// Whether `host` is `domain` or one of its subdomains.
fn within(host: &str, domain: &str) -> bool {
    host == domain || host.strip_suffix(domain).is_some_and(|h| h.ends_with('.'))
}

/// Classifies one absolute URL relative to the page: `page_domain` is the page's registrable domain,
/// `site_hosts` the site's other hosts.
pub(crate) fn kind_of(
    url: &Url,
    page_domain: &str,
    site_hosts: &[String],
    anchor: &str,
) -> LinkKind {
    if extension(url.path()).is_some_and(|e| ASSET_EXT.contains(&e.as_str())) {
        return LinkKind::Asset;
    }
    let host = url.host_str().unwrap_or("");
    let same = within(host, page_domain)
        || registrable(host) == page_domain
        || site_hosts.iter().any(|h| within(host, h));
    if !same {
        return LinkKind::OffSite;
    }
    if is_feed(url) {
        return LinkKind::Feed;
    }
    if looks_like_article(url, anchor) {
        LinkKind::Article
    } else {
        LinkKind::Hub
    }
}

/// Resolves and classifies the links of the page (deduplicated, first occurrence kept) until
/// `max` distinct ones are kept; returns them and the number of `href`s left unread.
pub(crate) fn collect(
    doc: &Doc<'_>,
    page: &Url,
    base: &Url,
    site_hosts: &[String],
    max: usize,
) -> (Vec<Link>, usize) {
    let page_domain = registrable(page.host_str().unwrap_or("")).to_string();
    let mut out: Vec<Link> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    // Whether each element is inside a related box, in one pass over the pre-order table
    // (parents come first).
    let mut related_box: Vec<bool> = Vec::with_capacity(doc.elems.len());
    for e in &doc.elems {
        let inherited = related_box.get(e.parent as usize).copied().unwrap_or(false);
        related_box.push(e.sig.related || inherited);
    }
    let feeds = doc.feeds.iter().map(|h| (*h, None));
    let anchors = doc.links.iter().map(|l| (l.href, Some(l)));
    let total = doc.feeds.len() + doc.links.len();
    let mut read = 0;
    for (href, raw) in feeds.chain(anchors) {
        if out.len() >= max {
            break;
        }
        read += 1;
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') {
            continue;
        }
        let Ok(url) = base.join(href) else { continue };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        let related = raw.is_some_and(|l| related_box.get(l.elem as usize) == Some(&true));
        if let Some(&i) = seen.get(url.as_str()) {
            let link: &mut Link = &mut out[i];
            link.related |= related;
            continue;
        }
        let kind = match raw {
            None => LinkKind::Feed,
            Some(l) => kind_of(&url, &page_domain, site_hosts, &l.text),
        };
        seen.insert(url.as_str().to_string(), out.len());
        out.push(Link { url, kind, related });
    }
    (out, total - read)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(u: &str, anchor: &str) -> LinkKind {
        let site_hosts = ["example-news.com".to_string()];
        kind_of(
            &Url::parse(u).expect("test url"),
            "example.co.uk",
            &site_hosts,
            anchor,
        )
    }

    #[test]
    fn classifies() {
        assert_eq!(
            k("https://www.example.co.uk/news/2023/01/30/storm-hits", ""),
            LinkKind::Article
        );
        assert_eq!(
            k(
                "https://example.co.uk/politics/minister-resigns-after-long-row",
                ""
            ),
            LinkKind::Article
        );
        assert_eq!(
            k(
                "https://example.co.uk/news/articleView.html?idxno=12345",
                ""
            ),
            LinkKind::Article
        );
        assert_eq!(k("https://example.co.uk/politics/", ""), LinkKind::Hub);
        assert_eq!(
            k("https://example.co.uk/tag/climate-change-policy-news", ""),
            LinkKind::Hub
        );
        assert_eq!(k("https://example.co.uk/feed/", ""), LinkKind::Feed);
        assert_eq!(k("https://other.com/a-b-c-d-e-f-g", ""), LinkKind::OffSite);
        assert_eq!(
            k(
                "https://www.example-news.com/world/2024/05/01/a-b-c-d-e",
                ""
            ),
            LinkKind::Article
        );
        assert_eq!(
            k("https://example.co.uk/files/report.pdf", ""),
            LinkKind::Asset
        );
    }
}
