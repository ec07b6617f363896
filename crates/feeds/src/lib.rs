//! Feeds and sitemaps as discovery sources: bytes, content type and base URL
//! in, the URLs they list out (no async, no I/O).
//!
//! Recognised formats:
//! - RSS 0.9x, RSS 1.0 (RDF) and RSS 2.0, and Atom, through `feed-rs`;
//! - sitemap `urlset`s (with Google News `news:publication_date`), sitemap
//!   indexes and plain-text sitemaps, through `sitemapo`;
//! - any of these gzip-compressed (`.xml.gz`), inflated as read up to a
//!   size cap.
//!
//! Documents are read in one streaming pass (`stream`), a record at a
//! time, and the pass stops at the entry cap: memory is what is kept, not
//! what the document holds (see [`Limits`]).
//!
//! The format is told by the document itself (its root element, or the
//! first byte for text sitemaps), not by the content type, which servers get
//! wrong too often; [`is_candidate`] says which responses are worth a try.
//! Nothing here panics on input: bad, huge, too deep or malformed documents
//! give a [`FeedError`].
//!
//! Layout:
//! - [`parse`] / [`parse_with`]: one document to its [`Document`];
//! - [`is_candidate`]: whether a response should be read as a feed or sitemap;
//! - `sniff`: decompression and format detection;
//! - `stream`: the pass over an XML document, record by record;
//! - `feed`: RSS and Atom entries;
//! - `sitemap`: sitemap records.
#![deny(missing_docs)]

mod feed;
mod sitemap;
mod sniff;
mod stream;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use url::Url;

/// What a listed URL leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A page: a feed item or a sitemap `<loc>`.
    Article,
    /// Another feed or sitemap listed as if it were a page (its URL ends in
    /// `.xml`, `.xml.gz`, `.rss` or `.atom`): a discovery source.
    Feed,
    /// A child sitemap of a sitemap index: a discovery source.
    Sitemap,
}

/// One URL listed by a feed or sitemap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Absolute `http`/`https` URL, resolved against the document's base.
    pub url: Url,
    /// What it leads to.
    pub kind: EntryKind,
    /// Publication time (feed `pubDate`/`published`, `news:publication_date`),
    /// else the last modification (`updated`, `lastmod`), when given.
    pub published: Option<DateTime<Utc>>,
    /// The title, when the document gives one.
    pub title: Option<String>,
}

/// The format a document was recognised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// RSS 0.9x, 1.0 or 2.0.
    Rss,
    /// Atom.
    Atom,
    /// A sitemap `urlset` (news sitemaps included).
    UrlSet,
    /// A sitemap index.
    SitemapIndex,
    /// A plain-text sitemap, one URL per line.
    TextSitemap,
}

/// A parsed feed or sitemap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// What it was recognised as.
    pub format: Format,
    /// The URLs it lists, in document order, without duplicates: at most
    /// [`Limits::max_feed_entries`] or [`Limits::max_sitemap_entries`].
    pub entries: Vec<Entry>,
    /// Whether it was gzip-compressed.
    pub gzipped: bool,
    /// Whether it lists more URLs than the cap: reading stopped at the first
    /// URL past it, and `entries` holds the first ones (see
    /// [`Document::truncation`]).
    pub truncated: bool,
}

impl Document {
    /// When the document was cut at the cap, what to tell about it, e.g.
    /// "sitemap lists more than 50000 URLs: kept the first 50000".
    pub fn truncation(&self) -> Option<String> {
        self.truncated.then(|| {
            let what = match self.format {
                Format::Rss | Format::Atom => "feed lists more than",
                Format::UrlSet | Format::TextSitemap => "sitemap lists more than",
                Format::SitemapIndex => "sitemap index lists more than",
            };
            let n = self.entries.len();
            format!("{what} {n} URLs: kept the first {n}")
        })
    }
}

/// Bounds on what one document may cost.
///
/// Parsing streams: memory is what is kept (the entries, at most the
/// entry caps) plus one record being read, whatever the document's size;
/// [`Limits::max_bytes`] bounds the time spent reading (and the largest
/// single text run the XML reader buffers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest document, after gzip decompression: the sitemap protocol's
    /// limit, 50 MiB. A gzip stream that inflates past it is refused once
    /// it got there, never inflated further.
    pub max_bytes: u64,
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Entries kept from one RSS or Atom feed: 10,000. Feeds list their
    /// latest items, tens to a few thousand; past ten thousand a feed is an
    /// archive dump or a trap, and the first ten thousand are the newest in
    /// any feed that is in order.
    pub max_feed_entries: usize,
    /// URLs kept from one sitemap, sitemap index or text sitemap: the
    /// sitemap protocol's 50,000 per file.
    pub max_sitemap_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 50 * 1024 * 1024,
            max_depth: 128,
            max_feed_entries: 10_000,
            max_sitemap_entries: 50_000,
        }
    }
}

/// Why a document gave no entries.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// Larger than [`Limits::max_bytes`]: as received, or once inflated.
    #[error("{}", if *inflated {
        format!("gzip stream inflates past {limit} bytes")
    } else {
        format!("document larger than {limit} bytes")
    })]
    TooLarge {
        /// The limit.
        limit: u64,
        /// Whether it was the inflated gzip stream that went past it.
        inflated: bool,
    },
    /// Nested deeper than [`Limits::max_depth`].
    #[error("elements nested deeper than {limit}")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// Starts like gzip but does not inflate.
    #[error("bad gzip data: {0}")]
    Gzip(String),
    /// An HTML page, not a feed or sitemap: read it as a web page.
    #[error("an HTML page, not a feed or sitemap")]
    Html,
    /// Well-formed enough, but not a format this crate reads (the reason says
    /// what it is, e.g. its root element).
    #[error("not a feed or sitemap: {0}")]
    NotAFeed(String),
    /// Broken XML, or a feed its parser rejects.
    #[error("malformed document: {0}")]
    Malformed(String),
}

/// Parses a feed or sitemap with the default [`Limits`].
///
/// `base` resolves relative URLs (the URL the document was fetched from);
/// `content_type` only matters for plain-text sitemaps, which have no
/// markup to recognise them by.
///
/// # Errors
/// See [`FeedError`]; never panics on input.
pub fn parse(body: &[u8], content_type: Option<&str>, base: &Url) -> Result<Document, FeedError> {
    parse_with(body, content_type, base, &Limits::default())
}

/// Parses a feed or sitemap within `limits`.
///
/// # Errors
/// See [`FeedError`]; never panics on input.
pub fn parse_with(
    body: &[u8],
    content_type: Option<&str>,
    base: &Url,
    limits: &Limits,
) -> Result<Document, FeedError> {
    let opened = sniff::open(body, content_type, base, limits.max_bytes)?;
    let sniff::Opened {
        kind,
        input,
        gzipped,
        cause,
    } = opened;
    let (format, kept, truncated) = match kind {
        sniff::Kind::Xml(root, encoding) => {
            let (format, max) = match root {
                sniff::Root::Rss | sniff::Root::Rdf => (Format::Rss, limits.max_feed_entries),
                sniff::Root::Atom => (Format::Atom, limits.max_feed_entries),
                sniff::Root::UrlSet => (Format::UrlSet, limits.max_sitemap_entries),
                sniff::Root::Index => (Format::SitemapIndex, limits.max_sitemap_entries),
            };
            let mut kept = stream::Kept::new(max);
            let stopped = match root {
                sniff::Root::UrlSet | sniff::Root::Index => sitemap::xml(
                    input,
                    root == sniff::Root::Index,
                    encoding,
                    base,
                    limits,
                    &cause,
                    &mut kept,
                )?,
                _ => feed::entries(input, root, encoding, base, limits, &cause, &mut kept)?,
            };
            (format, kept, stopped)
        }
        sniff::Kind::Text => {
            let mut kept = stream::Kept::new(limits.max_sitemap_entries);
            let stopped = sitemap::text(input, base, &cause, &mut kept)?;
            (Format::TextSitemap, kept, stopped)
        }
    };
    Ok(Document {
        format,
        truncated: truncated || kept.truncated,
        entries: kept.entries,
        gzipped,
    })
}

/// Whether a response should be read as a feed or sitemap rather than as a
/// web page: an XML content type (`application/xml`, `text/xml`,
/// `application/rss+xml`, `application/atom+xml`, any other `+xml` but
/// XHTML), or a generic one (none, `application/octet-stream`, gzip,
/// `text/plain`) on a URL ending in `.xml`, `.xml.gz`, `.rss`, `.atom` or a
/// `sitemap….txt`.
pub fn is_candidate(content_type: Option<&str>, url: &Url) -> bool {
    let mime = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match mime.as_str() {
        "application/xml"
        | "text/xml"
        | "application/rss+xml"
        | "application/atom+xml"
        | "application/rdf+xml" => true,
        "application/xhtml+xml" => false,
        m if m.ends_with("+xml") => true,
        ""
        | "application/octet-stream"
        | "binary/octet-stream"
        | "application/gzip"
        | "application/x-gzip"
        | "text/plain" => {
            let path = url.path().to_ascii_lowercase();
            let file = path.rsplit('/').next().unwrap_or("");
            [".xml", ".xml.gz", ".rss", ".atom"]
                .iter()
                .any(|ext| file.ends_with(ext))
                || (file.starts_with("sitemap") && file.ends_with(".txt"))
        }
        _ => false,
    }
}

/// Classifies a page URL listed by a feed or `urlset`: feeds and sitemaps
/// listed as pages are discovery sources too.
pub(crate) fn kind_of(url: &Url) -> EntryKind {
    let path = url.path().to_ascii_lowercase();
    if [".xml", ".xml.gz", ".rss", ".atom"]
        .iter()
        .any(|ext| path.ends_with(ext))
    {
        EntryKind::Feed
    } else {
        EntryKind::Article
    }
}

/// Resolves a listed URL against the base, keeping only `http`/`https`.
pub(crate) fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let mut url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}
