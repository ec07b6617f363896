//! The messages that flow between roles, and the article record they produce.
//!
//! frontier --[`FetchJob`]--> fetcher --[`FetchedPage`]--> parser --[`Article`]--> sink
//!                                                               \--[`LinkBatch`]--> frontier
//!
//! A page the frontier revisits (a hub on its schedule, an article at its
//! re-fetch ages) carries its last [`PageVersion`] in the job, so that the
//! fetcher asks conditionally; the parser reports the outcome as a [`Visit`]
//! in the page's link batch, and the frontier schedules the next revisit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

pub use newshound_model::{ArticleFields, Image};

/// What a link is expected to lead to, as classified by the page that linked it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    /// A start URL from the site config.
    Seed,
    /// A story page.
    Article,
    /// A home, section, tag or list page that links to stories.
    Hub,
    /// An RSS/Atom feed or a sitemap.
    Feed,
    /// Not classified.
    Unknown,
    /// A URL an operator injected (`newshound ctl seed`): scheduled even when
    /// seen before, ahead of everything else.
    Injected,
}

/// A URL the frontier has scheduled for fetching.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchJob {
    /// The canonical URL to fetch.
    pub url: Url,
    /// Links followed from a seed to reach this URL (seeds are 0).
    pub depth: u16,
    /// What the linking page said this URL is.
    pub kind: LinkKind,
    /// Whether it was linked from a related-stories box.
    pub related: bool,
    /// On a revisit, what the crawl holds of the page's last version.
    pub revisit: Option<PageVersion>,
}

impl FetchJob {
    /// Queue priority (higher is served first): URLs an operator injected,
    /// then new related stories, new
    /// stories, then due hub and feed revisits and seeds, then new hubs and
    /// feeds, then article re-fetches, then deep pages and everything else.
    pub fn priority(&self) -> u8 {
        /// Hubs this many links from a seed are archive pages.
        const DEEP: u16 = 3;
        match (self.kind, self.related, &self.revisit) {
            (LinkKind::Injected, _, _) => 10,
            (LinkKind::Article, true, None) => 9,
            (LinkKind::Article, false, None) => 8,
            (LinkKind::Seed | LinkKind::Feed | LinkKind::Hub, _, Some(_))
            | (LinkKind::Seed, _, None) => 7,
            (LinkKind::Feed, _, None) => 6,
            (LinkKind::Hub, _, None) if self.depth < DEEP => 5,
            (LinkKind::Article, _, Some(_)) => 4,
            (LinkKind::Hub, _, None) => 3,
            (LinkKind::Unknown, _, _) => 2,
        }
    }
}

/// What the crawl holds of a page's last fetched version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageVersion {
    /// The `ETag` it was served with.
    pub etag: Option<String>,
    /// The `Last-Modified` it was served with.
    pub last_modified: Option<String>,
    /// The hash of what was extracted from it (an article's content hash, a
    /// hub's links): decides "changed" when the server gives no validators.
    pub content_hash: Option<String>,
    /// Article revisions written so far (0 for hubs).
    pub revision: u32,
}

/// What a fetched page turned out to be, for its revisit schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageClass {
    /// A story: re-fetched at the configured ages to catch updates.
    Article,
    /// A home, section or list page, feed or sitemap: revisited on an
    /// interval that adapts to how often it changes.
    Hub,
}

/// The outcome of fetching a page, reported to the frontier so it can
/// schedule the next revisit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// The job's URL (as the frontier scheduled it).
    pub url: Url,
    /// The job's depth.
    pub depth: u16,
    /// The job's link kind.
    pub kind: LinkKind,
    /// What the page is.
    pub class: PageClass,
    /// Whether it differs from the version the job carried (always true on a
    /// first visit).
    pub changed: bool,
    /// The version now held.
    pub version: PageVersion,
}

/// A page as the fetcher got it, handed to the parser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchedPage {
    /// The job that produced it.
    pub job: FetchJob,
    /// The URL after redirects (canonical, in scope).
    pub final_url: Url,
    /// The URLs redirected from, in order: the job's URL first; empty when
    /// the job's URL answered itself.
    pub redirected_from: Vec<Url>,
    /// HTTP status of the final response.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// When the response was received.
    pub fetched_at: DateTime<Utc>,
    /// The response's `ETag`.
    pub etag: Option<String>,
    /// The response's `Last-Modified`.
    pub last_modified: Option<String>,
    /// The response body, decoded of its content coding. It is compressed
    /// only where it crosses a queue ([`crate::codec::encode_packed`]).
    #[serde(with = "serde_bytes")]
    pub body: Vec<u8>,
    /// The HTTP exchanges as sent and received, for the WARC output (empty
    /// unless it is on): each redirect hop, then the final answer.
    pub exchanges: Vec<Exchange>,
}

/// One HTTP request and its response, as the fetcher sent and received them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The URL requested.
    pub url: Url,
    /// When the response head arrived.
    pub fetched_at: DateTime<Utc>,
    /// The server's address, when known.
    pub ip: Option<std::net::IpAddr>,
    /// The request line and headers as sent, ending with the blank line.
    #[serde(with = "serde_bytes")]
    pub request: Vec<u8>,
    /// The status line and headers as received, ending with the blank line.
    #[serde(with = "serde_bytes")]
    pub response_head: Vec<u8>,
    /// The body as received when it differs from the page's decoded body
    /// (a `Content-Encoding` the fetcher decoded), zstd-compressed; `None`
    /// when the page's body is the body as received (or for a redirect hop,
    /// whose body is not read).
    #[serde(with = "serde_bytes")]
    pub body_on_wire_zstd: Option<Vec<u8>>,
    /// What of the response is not as it was on the wire (for the WARC
    /// record), e.g. a dechunked body or a dropped `Content-Encoding`.
    pub notes: Vec<String>,
}

/// A fetched page on its way to the WARC output, with what the parser made
/// of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    /// The page, with its [`FetchedPage::exchanges`].
    pub page: FetchedPage,
    /// The article record the page gave, when it gave one that was written.
    pub article: Option<ArticleRef>,
}

/// Which article record a capture gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleRef {
    /// The record's canonical URL.
    pub canonical_url: String,
    /// The record's content hash.
    pub content_hash: String,
}

/// Compresses a body as received for [`Exchange::body_on_wire_zstd`].
///
/// # Errors
/// Fails only when zstd cannot allocate its context.
pub fn compress(body: &[u8]) -> std::io::Result<Vec<u8>> {
    zstd::bulk::compress(body, 3)
}

/// Links found on one page (or the seeds), sent back to the frontier, with
/// the outcome of the page's fetch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkBatch {
    /// Depth of the URLs in this batch (the linking page's depth + 1; 0 for seeds).
    pub depth: u16,
    /// The links, absolute, not yet canonicalized or scoped.
    pub links: Vec<DiscoveredLink>,
    /// The page's fetch outcome, for its revisit schedule.
    pub visit: Option<Visit>,
}

/// One link found on a page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveredLink {
    /// The absolute URL as found.
    pub url: String,
    /// What the page says it is.
    pub kind: LinkKind,
    /// Whether it sits in a related-stories box.
    pub related: bool,
}

/// One extracted article: the record newshound writes out.
///
/// In JSON (the JSONL output, the WARC metadata, the articles queue) the
/// article's [`ArticleFields`] sit flat beside the provenance fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// The URL the page was fetched from (after redirects).
    pub url: String,
    /// The URLs that redirected to `url`, in order (empty when none did).
    #[serde(default)]
    pub redirected_from: Vec<String>,
    /// The page's canonical URL (`rel=canonical` / `og:url` when on the same site).
    pub canonical_url: String,
    /// What the page says: headline, authors, times, body, images; related
    /// stories canonicalized.
    #[serde(flatten)]
    pub fields: ArticleFields,
    /// Language tag (ISO 639-1 when known).
    pub language: Option<String>,
    /// When the page was fetched.
    pub fetched_at: DateTime<Utc>,
    /// Hex xxh3-128 of the extracted content (title, subtitle, authors, dates, body):
    /// equal hashes mean the same revision of the story.
    pub content_hash: String,
    /// 1 for the first version written, +1 for each changed version found on
    /// a re-fetch.
    #[serde(default = "first_revision")]
    pub revision: u32,
}

fn first_revision() -> u32 {
    1
}

impl Article {
    /// Computes the content hash of the extracted fields.
    pub fn compute_content_hash(&self) -> String {
        let f = &self.fields;
        let mut text = String::with_capacity(f.body.len() + 256);
        for part in [
            f.title.as_str(),
            f.subtitle.as_deref().unwrap_or(""),
            &f.authors.join("\u{1f}"),
            &f.published.map(|d| d.to_rfc3339()).unwrap_or_default(),
            &f.updated.map(|d| d.to_rfc3339()).unwrap_or_default(),
            f.body.as_str(),
        ] {
            text.push_str(part);
            text.push('\u{1e}');
        }
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
    }
}
