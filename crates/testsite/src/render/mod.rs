//! HTML and feed rendering: plain `String` building from the generated data.
//!
//! Site-wide parts (menus, boxes, inline CSS and scripts) are built once by [`chrome`]; a page is those parts
//! around its own content. Fragments built ahead of time mark the spots where the request's base URL goes
//! with [`BASE`] (and, on a site spread over several hosts, where another host's base URL goes with
//! [`host_mark`]), filled in by [`push_based`].

pub mod article;
pub mod assets;
pub mod chrome;
pub mod feeds;
pub mod hub;

use std::fmt::{self, Display, Write as _};

use chrono::{DateTime, NaiveDateTime};

use crate::model::Article;
use crate::site::Snapshot;

/// Stands for the request's base URL (`http://host:port`) in pre-built fragments.
pub const BASE: &str = "\u{1}";

/// Starts a host mark: followed by one character that encodes the host's index.
const HOST_MARK: char = '\u{2}';

/// Stands for the base URL of host `host` in pre-built fragments.
pub fn host_mark(host: usize) -> String {
    let index = u32::try_from(host).unwrap_or(0);
    let code = char::from_u32(0x100 + index).unwrap_or('\u{100}');
    format!("{HOST_MARK}{code}")
}

/// Where a page is served: its own base URL and, on a site spread over several hosts, each host's base URL.
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    base: &'a str,
    hosts: &'a [String],
}

impl<'a> Origin<'a> {
    /// A single-host site served under `base` (`http://127.0.0.1:8311`).
    pub fn single(base: &'a str) -> Origin<'a> {
        Origin { base, hosts: &[] }
    }

    /// Host `current` of a site spread over `hosts` (their base URLs, in host order).
    pub fn host(hosts: &'a [String], current: usize) -> Origin<'a> {
        let base = hosts.get(current).map_or("", String::as_str);
        Origin { base, hosts }
    }

    /// This page's own base URL.
    pub fn base(&self) -> &'a str {
        self.base
    }

    /// The base URL of the host `article` is served from.
    pub(crate) fn home_of(&self, site: &Snapshot, article: &Article) -> &'a str {
        self.hosts
            .get(site.host_of(article))
            .map_or(self.base, String::as_str)
    }

    /// The base URL of `article`'s host when that is not this page's host.
    pub(crate) fn elsewhere(&self, site: &Snapshot, article: &Article) -> Option<&'a str> {
        let home = self.home_of(site, article);
        (home != self.base).then_some(home)
    }

    /// Whether this page's host serves `article`.
    pub(crate) fn serves(&self, site: &Snapshot, article: &Article) -> bool {
        self.elsewhere(site, article).is_none()
    }

    fn host_base(&self, host: usize) -> &'a str {
        self.hosts.get(host).map_or(self.base, String::as_str)
    }
}

/// The site's name, as in `<title>` suffixes and the masthead.
pub const SITE_NAME: &str = "The Seoul Courier";

/// A rendered response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Extra headers (`ETag`, `Last-Modified`, `Cache-Control`), as name and value.
    pub headers: Vec<(&'static str, String)>,
    /// Response body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with `status`, `content_type` and `body` and no extra headers.
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// An HTML page with a short cache lifetime.
    pub fn html(status: u16, body: String) -> Response {
        Response::new(status, "text/html; charset=utf-8", body)
            .with_header("Cache-Control", "public, max-age=60")
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// The value of header `name` (ASCII case-insensitive), if the response has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Answers a conditional request (RFC 9110, section 13): `304 Not Modified`, with the validators and
    /// `Cache-Control` and no body, when this is a `200` whose `ETag` `if_none_match` names (or `*`), or, when
    /// there is no `If-None-Match`, whose `Last-Modified` is no later than `if_modified_since`; else the response
    /// itself. Unparsable header values count as absent.
    pub fn conditional(
        self,
        if_none_match: Option<&str>,
        if_modified_since: Option<&str>,
    ) -> Response {
        if self.status != 200 {
            return self;
        }
        let unchanged = match if_none_match {
            Some(tags) => self
                .header("ETag")
                .is_some_and(|tag| etag_listed(tags, tag)),
            None => {
                let since = if_modified_since.and_then(parse_http_date);
                let modified = self.header("Last-Modified").and_then(parse_http_date);
                matches!((since, modified), (Some(since), Some(modified)) if modified <= since)
            }
        };
        if !unchanged {
            return self;
        }
        let headers = self
            .headers
            .into_iter()
            .filter(|(name, _)| ["ETag", "Last-Modified", "Cache-Control"].contains(name))
            .collect();
        Response {
            status: 304,
            content_type: self.content_type,
            headers,
            body: Vec::new(),
        }
    }
}

/// Whether an `If-None-Match` value names `tag` (weak comparison, as RFC 9110 asks for `If-None-Match`).
fn etag_listed(list: &str, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    list.trim() == "*" || list.split(',').any(|t| opaque(t) == opaque(tag))
}

/// A strong entity tag for `body`: its length and a 64-bit hash, quoted (`"1a2b-0123456789abcdef"`).
pub fn etag(body: &[u8]) -> String {
    const K: u64 = 0x517C_C1B7_2722_0A95;
    let mix = |hash: u64, word: u64| (hash.rotate_left(5) ^ word).wrapping_mul(K);
    let word = |bytes: &[u8]| {
        let mut word = [0_u8; 8];
        word.copy_from_slice(bytes);
        u64::from_le_bytes(word)
    };
    // Four independent lanes over 32-byte blocks, so that the multiplications overlap.
    let mut lanes = [0_u64, 1, 2, 3];
    let mut blocks = body.chunks_exact(32);
    for block in &mut blocks {
        for (lane, bytes) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = mix(*lane, word(bytes));
        }
    }
    let mut hash = lanes.iter().fold(0, |hash, &lane| mix(hash, lane));
    for &byte in blocks.remainder() {
        hash = mix(hash, u64::from(byte));
    }
    // A final avalanche so that every input bit reaches every output bit.
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    hash ^= hash >> 33;
    format!("\"{:x}-{hash:016x}\"", body.len())
}

/// Unix seconds as an HTTP date (`Mon, 30 Jan 2023 07:30:00 GMT`).
pub fn http_date(secs: i64) -> Option<String> {
    DateTime::from_timestamp(secs, 0).map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
}

/// Unix seconds of an HTTP date in the preferred format (`Mon, 30 Jan 2023 07:30:00 GMT`).
pub(crate) fn parse_http_date(text: &str) -> Option<i64> {
    NaiveDateTime::parse_from_str(text.trim(), "%a, %d %b %Y %H:%M:%S GMT")
        .ok()
        .map(|t| t.and_utc().timestamp())
}

/// Appends `fragment` with every [`BASE`] replaced by the page's base URL and every [`host_mark`] by that
/// host's base URL.
pub fn push_based(out: &mut String, fragment: &str, origin: &Origin<'_>) {
    let mut parts = fragment.split(BASE);
    if let Some(first) = parts.next() {
        push_hosts(out, first, origin);
    }
    for part in parts {
        out.push_str(origin.base);
        push_hosts(out, part, origin);
    }
}

fn push_hosts(out: &mut String, fragment: &str, origin: &Origin<'_>) {
    let mut parts = fragment.split(HOST_MARK);
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        let mut chars = part.chars();
        let host = chars
            .next()
            .map_or(0, |c| u32::from(c).saturating_sub(0x100));
        out.push_str(origin.host_base(usize::try_from(host).unwrap_or(0)));
        out.push_str(chars.as_str());
    }
}

/// HTML-escapes text for element content and attribute values.
pub struct Esc<'a>(pub &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..at])?;
            f.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        f.write_str(rest)
    }
}

/// What a page puts in its `<head>` besides the site-wide parts.
pub struct Head<'a> {
    /// Full `<title>` text.
    pub title: &'a str,
    /// `og:title` (the bare headline on article pages).
    pub og_title: &'a str,
    /// Meta description.
    pub description: &'a str,
    /// Site-relative canonical path.
    pub canonical: &'a str,
    /// `og:type`.
    pub og_type: &'a str,
    /// Site-relative `og:image` path.
    pub image: &'a str,
    /// Extra tags (article meta, JSON-LD), already rendered.
    pub extra: &'a str,
    /// `class` of `<body>`.
    pub body_class: &'a str,
}

/// Writes everything from the doctype to the end of the site header and ticker.
pub fn open_page(out: &mut String, site: &Snapshot, origin: &Origin<'_>, head: &Head<'_>) {
    let base = origin.base;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\" prefix=\"og: https://ogp.me/ns#\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <meta name=\"description\" content=\"{desc}\">\n<link rel=\"canonical\" href=\"{base}{canonical}\">\n\
         <meta property=\"og:site_name\" content=\"{SITE_NAME}\">\n<meta property=\"og:title\" content=\"{og_title}\">\n\
         <meta property=\"og:url\" content=\"{base}{canonical}\">\n<meta property=\"og:type\" content=\"{og_type}\">\n\
         <meta property=\"og:image\" content=\"{base}{image}\">\n<meta property=\"og:description\" content=\"{desc}\">\n\
         <meta name=\"twitter:card\" content=\"summary_large_image\">\n\
         <link rel=\"alternate\" type=\"application/rss+xml\" title=\"{SITE_NAME} RSS\" href=\"{base}/rss.xml\">\n\
         <link rel=\"alternate\" type=\"application/atom+xml\" title=\"{SITE_NAME} Atom\" href=\"{base}/atom.xml\">\n",
        title = Esc(head.title),
        og_title = Esc(head.og_title),
        desc = Esc(head.description),
        canonical = head.canonical,
        og_type = head.og_type,
        image = head.image,
    );
    out.push_str(head.extra);
    push_based(out, &site.chrome.head, origin);
    let _ = write!(out, "</head>\n<body class=\"{}\">\n", head.body_class);
    push_based(out, &site.chrome.header, origin);
}

/// Writes the sidebar boxes.
pub fn sidebar(out: &mut String, site: &Snapshot, origin: &Origin<'_>) {
    push_based(out, &site.chrome.sidebar, origin);
}

/// Writes the footer, the trailing scripts and closes the document.
pub fn close_page(out: &mut String, site: &Snapshot, origin: &Origin<'_>) {
    push_based(out, &site.chrome.footer, origin);
    out.push_str("</body>\n</html>\n");
}
