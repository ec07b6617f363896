//! What happens to one fetched page.
//!
//! The article is written (durably, deduplicated) and the links published
//! before the page is acked, so a crash at any point redelivers the page and
//! loses nothing; the sink absorbs the repeat.
//!
//! Feeds and sitemaps (XML content types, or generic ones on `.xml`/`.xml.gz`
//! URLs) are read with `newshound-feeds` and only yield links: listed pages
//! as articles, newest first, and child sitemaps and feeds as discovery
//! sources. A body that turns out to be HTML is read as a web page instead.
//!
//! Every page read reports a [`Visit`] with its links: what it is, its
//! validators and content hash, and whether it changed since the version
//! its job carried (a `304` is unchanged without a body). An article that
//! changed on a re-fetch is written again with the next revision number; an
//! unchanged one is not written.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, watch};

use crate::sent::SentLinks;
use crate::{ParserBackends, ParserConfig, to_article};
use newshound_core::message::{
    Article, ArticleRef, Capture, DiscoveredLink, FetchedPage, LinkBatch, LinkKind, PageClass,
    PageVersion, Visit,
};
use newshound_core::report::error_chain;
use newshound_core::stats::DeadReason;
use newshound_core::worker::log_unsettled;
use newshound_core::{
    BackendError, CrawlStats, Delivery, Message, PageDelivery, Queue, Shutdown, codec,
};
use newshound_extract::{ExtractError, Extraction, LinkKind as ExtractedKind};
use newshound_feeds::{EntryKind, FeedError};

/// Delay before a page whose outputs could not be stored is tried again.
const BACKEND_RETRY: Duration = Duration::from_secs(2);

/// Links per published batch (a sitemap lists up to 50 000).
const LINKS_PER_BATCH: usize = 1000;

/// What a page was read as.
enum Reading {
    /// A web page; `html` when it may hold an article.
    Page {
        extraction: Box<Extraction>,
        html: bool,
    },
    /// The URLs a feed or sitemap lists.
    Feed(Vec<DiscoveredLink>),
    /// A feed or sitemap that could not be read.
    Unreadable(FeedError),
    /// A body that is not text (binary bytes served as a page).
    NotText(ExtractError),
}

pub(crate) struct Parser {
    pub config: watch::Receiver<Arc<ParserConfig>>,
    pub backends: ParserBackends,
    /// Links already sent to the frontier, not sent again.
    pub sent: SentLinks,
    /// A permit per core: pages read at once.
    pub readers: Arc<Semaphore>,
    /// Fires on drain: a page still being read goes back to its queue.
    pub stop: Shutdown,
}

impl Parser {
    pub(crate) async fn handle(&self, incoming: PageDelivery) {
        let stats = &self.backends.stats;
        let config = self.config.borrow().clone();
        let PageDelivery { page, delivery } = incoming;
        let mut page: FetchedPage = match page {
            Ok(p) => p,
            Err(e) => {
                stats.dead_lettered(Queue::Pages, DeadReason::Codec);
                log_unsettled(delivery.dead_letter(&e.to_string()).await, "page");
                return;
            }
        };
        if page.status == 304 {
            let held = page.job.revisit.clone().unwrap_or_default();
            let visit = visit_of(&page, PageClass::Hub, false, held);
            let stored = self.publish_links(&page, Vec::new(), Some(visit)).await;
            self.settle(delivery, page, stored.map(|()| None)).await;
            return;
        }
        if page.body.len() as u64 > config.max_body_bytes {
            stats.dead_lettered(Queue::Pages, DeadReason::Unreadable);
            let reason = format!(
                "{}: page body of {} bytes is past fetch.max_body_bytes = {}",
                page.final_url,
                page.body.len(),
                config.max_body_bytes
            );
            log_unsettled(delivery.dead_letter(&reason).await, "page");
            return;
        }
        let body = std::mem::take(&mut page.body);
        let options = config.extract.clone();
        let url = page.final_url.clone();
        let content_type = page.content_type.clone();
        let limits = config.feeds;
        // One page read per core at a time (reading is CPU work); the
        // other pages in hand wait here, not on a thread of their own.
        let readers = self.readers.clone();
        let reading = async move {
            let core = readers.acquire_owned().await;
            tokio::task::spawn_blocking(move || {
                let reading = read(&body, content_type.as_deref(), &url, &options, &limits);
                drop(core);
                (reading, body)
            })
            .await
        };
        // Reading is bounded (about a second of CPU per megabyte), but a
        // drain does not wait for it: the page goes back to its queue.
        let read = tokio::select! {
            biased;
            _ = self.stop.wait() => {
                log_unsettled(delivery.requeue().await, "page");
                return;
            }
            read = reading => read.map(|(reading, body)| {
                // Kept for the page's capture (the WARC output).
                page.body = body;
                reading
            }),
        };
        let stored = match read {
            Ok(Reading::Page { extraction, html }) => self.store(&page, &extraction, html).await,
            Ok(Reading::Feed(links)) => {
                let hash = links_hash(&links);
                let (changed, version) = version_of(&page, hash, 0);
                let visit = visit_of(&page, PageClass::Hub, changed, version);
                self.publish_links(&page, links, Some(visit))
                    .await
                    .map(|()| None)
            }
            Ok(Reading::Unreadable(e)) => {
                // The content is bad, not the delivery: nothing to retry.
                tracing::warn!(error = %e, url = %page.final_url, "Feed or sitemap not read");
                CrawlStats::add(&stats.parse_errors, 1);
                Ok(None)
            }
            Ok(Reading::NotText(e)) => {
                // Junk, not a page: no article, no links, nothing to retry.
                tracing::warn!(error = %e, url = %page.final_url, "Page not read");
                CrawlStats::add(&stats.not_text, 1);
                Ok(None)
            }
            Err(e) => {
                // The extractor panicked on this page: park it, keep going.
                CrawlStats::add(&stats.parse_errors, 1);
                stats.dead_lettered(Queue::Pages, DeadReason::ExtractorFailed);
                log_unsettled(
                    delivery
                        .dead_letter(&format!("{}: extractor failed: {e}", page.final_url))
                        .await,
                    "page",
                );
                return;
            }
        };
        self.settle(delivery, page, stored).await;
    }

    /// Acks a page whose outputs are stored (its capture too, when the WARC
    /// output is on); retries it otherwise. `stored` names the article
    /// record the page gave, whose capture was written before it.
    async fn settle(
        &self,
        delivery: Delivery,
        page: FetchedPage,
        stored: Result<Option<ArticleRef>, BackendError>,
    ) {
        let stored = match (stored, &self.backends.captures) {
            (Ok(None), Some(captures)) if !page.exchanges.is_empty() => {
                let url = page.final_url.clone();
                let capture = Capture {
                    page,
                    article: None,
                };
                let written = captures.write(vec![capture]).await;
                written.map(|_| ()).map_err(|e| (url, e))
            }
            (Ok(_), _) => Ok(()),
            (Err(e), _) => Err((page.final_url, e)),
        };
        match stored {
            Ok(()) => log_unsettled(delivery.ack().await, "page"),
            Err((url, e)) => {
                tracing::warn!(error = %error_chain(&e), %url, "Page outputs not stored; will retry");
                self.backends.stats.retries.add(Queue::Pages, 1);
                log_unsettled(delivery.retry_after(BACKEND_RETRY).await, "page");
            }
        }
    }

    /// Writes the article (if any, and new or changed; its capture before
    /// it, when the WARC output is on) and publishes the links with the
    /// page's visit; returns the article record written.
    async fn store(
        &self,
        page: &FetchedPage,
        extraction: &Extraction,
        html: bool,
    ) -> Result<Option<ArticleRef>, BackendError> {
        if extraction.links_dropped > 0 {
            tracing::info!(
                url = %page.final_url,
                kept = extraction.links.len(),
                dropped = extraction.links_dropped,
                "Links past the per-page cap not read"
            );
        }
        let article = html
            .then(|| article_from(extraction, page, &self.config.borrow().canon))
            .flatten();
        let links: Vec<DiscoveredLink> = extraction
            .links
            .iter()
            .filter_map(|link| {
                let kind = match link.kind {
                    ExtractedKind::Article => LinkKind::Article,
                    ExtractedKind::Hub => LinkKind::Hub,
                    ExtractedKind::Feed => LinkKind::Feed,
                    ExtractedKind::OffSite | ExtractedKind::Asset => return None,
                };
                Some(DiscoveredLink {
                    url: link.url.to_string(),
                    kind,
                    related: link.related,
                })
            })
            .collect();
        let mut written = None;
        let visit = match article {
            Some(mut article) => {
                let held = page.job.revisit.as_ref().map_or(0, |v| v.revision);
                let (changed, version) =
                    version_of(page, article.content_hash.clone(), held.saturating_add(1));
                if changed {
                    article.revision = version.revision;
                    if held > 0 && article.fields.updated.is_none() {
                        // A correction the page does not date: dated by its fetch.
                        article.fields.updated = Some(page.fetched_at.fixed_offset());
                    }
                    let record = ArticleRef {
                        canonical_url: article.canonical_url.clone(),
                        content_hash: article.content_hash.clone(),
                    };
                    // The capture first: a crash between the two fetches the
                    // page again, so the record's fetch is always archived.
                    if let Some(captures) = &self.backends.captures
                        && !page.exchanges.is_empty()
                    {
                        let capture = Capture {
                            page: page.clone(),
                            article: Some(record.clone()),
                        };
                        captures.write(vec![capture]).await?;
                    }
                    written = Some(record);
                    self.backends.sink.write(vec![article]).await?;
                    CrawlStats::add(&self.backends.stats.articles_extracted, 1);
                }
                let version = if changed {
                    version
                } else {
                    PageVersion {
                        revision: held,
                        ..version
                    }
                };
                visit_of(page, PageClass::Article, changed, version)
            }
            None => {
                let (changed, version) = version_of(page, links_hash(&links), 0);
                visit_of(page, PageClass::Hub, changed, version)
            }
        };
        self.publish_links(page, links, Some(visit)).await?;
        Ok(written)
    }

    /// Sends a page's links to the frontier (those not sent before), in
    /// batches, the first carrying the page's visit.
    async fn publish_links(
        &self,
        page: &FetchedPage,
        links: Vec<DiscoveredLink>,
        visit: Option<Visit>,
    ) -> Result<(), BackendError> {
        let depth = page.job.depth.saturating_add(1);
        let config = self.config.borrow().clone();
        let (links, keys) = self.sent.unsent(&config, depth, links);
        let mut messages = Vec::with_capacity(links.len().div_ceil(LINKS_PER_BATCH) + 1);
        let mut visit = visit;
        let mut chunks: Vec<&[DiscoveredLink]> = links.chunks(LINKS_PER_BATCH).collect();
        if chunks.is_empty() && visit.is_some() {
            chunks.push(&[]);
        }
        for chunk in chunks {
            let batch = LinkBatch {
                depth,
                links: chunk.to_vec(),
                visit: visit.take(),
            };
            let payload = codec::encode(&batch)
                .map_err(|e| BackendError::failed("encoding a link batch", e))?;
            messages.push(Message::new(payload));
        }
        self.backends.queue.publish(Queue::Links, messages).await?;
        self.sent.record(&keys, depth);
        Ok(())
    }
}

/// The article record of a page read as a web page (`None` for a hub).
fn article_from(
    extraction: &Extraction,
    page: &FetchedPage,
    canon: &newshound_core::canon::CanonRules,
) -> Option<Article> {
    let mut article = to_article(extraction, &page.final_url, canon, page.fetched_at)?;
    article.redirected_from = page
        .redirected_from
        .iter()
        .map(url::Url::to_string)
        .collect();
    Some(article)
}

/// The article record a fetched page gives, read as the parser reads it
/// (`None` for hubs, feeds, sitemaps and what is not text): for
/// re-extracting stored captures.
pub fn article_of(page: &FetchedPage, config: &ParserConfig) -> Option<Article> {
    match read(
        &page.body,
        page.content_type.as_deref(),
        &page.final_url,
        &config.extract,
        &config.feeds,
    ) {
        Reading::Page { extraction, html } if html => {
            article_from(&extraction, page, &config.canon)
        }
        _ => None,
    }
}

/// The version a fetched page is, and whether it differs from the one its job
/// carried (always on a first visit); `revision` is the version's number if it
/// changed.
fn version_of(page: &FetchedPage, content_hash: String, revision: u32) -> (bool, PageVersion) {
    let changed = page
        .job
        .revisit
        .as_ref()
        .is_none_or(|held| held.content_hash.as_deref() != Some(content_hash.as_str()));
    let version = PageVersion {
        etag: page.etag.clone(),
        last_modified: page.last_modified.clone(),
        content_hash: Some(content_hash),
        revision,
    };
    (changed, version)
}

/// The visit report of a page.
fn visit_of(page: &FetchedPage, class: PageClass, changed: bool, version: PageVersion) -> Visit {
    Visit {
        url: page.job.url.clone(),
        depth: page.job.depth,
        kind: page.job.kind,
        class,
        changed,
        version,
    }
}

/// A hub's content hash: its links, in any order.
fn links_hash(links: &[DiscoveredLink]) -> String {
    let mut urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
    urls.sort_unstable();
    urls.dedup();
    format!(
        "{:032x}",
        xxhash_rust::xxh3::xxh3_128(urls.join("\n").as_bytes())
    )
}

/// Reads a page: as a feed or sitemap when its type or URL says so (and its
/// body is not HTML after all), else as a web page.
fn read(
    body: &[u8],
    content_type: Option<&str>,
    url: &url::Url,
    options: &newshound_extract::ExtractOptions,
    limits: &newshound_feeds::Limits,
) -> Reading {
    let candidate = newshound_feeds::is_candidate(content_type, url);
    if candidate {
        match newshound_feeds::parse_with(body, content_type, url, limits) {
            Ok(doc) => {
                if let Some(note) = doc.truncation() {
                    tracing::warn!(url = %url, "{note}");
                }
                return Reading::Feed(feed_links(doc.entries));
            }
            // Served as XML, written as HTML: a web page after all.
            Err(FeedError::Html) => {}
            Err(e) => return Reading::Unreadable(e),
        }
    }
    match newshound_extract::extract(body, content_type, url, options) {
        Ok(extraction) => Reading::Page {
            extraction: Box::new(extraction),
            html: candidate || is_html(content_type),
        },
        Err(e) => Reading::NotText(e),
    }
}

/// The links of a feed or sitemap: the newest entries first (undated ones
/// last, in document order), listed pages as articles, listed feeds and
/// sitemaps as discovery sources.
fn feed_links(mut entries: Vec<newshound_feeds::Entry>) -> Vec<DiscoveredLink> {
    entries.sort_by_key(|e| std::cmp::Reverse(e.published));
    entries
        .into_iter()
        .map(|e| DiscoveredLink {
            url: e.url.into(),
            kind: match e.kind {
                EntryKind::Article => LinkKind::Article,
                EntryKind::Feed | EntryKind::Sitemap => LinkKind::Feed,
            },
            related: false,
        })
        .collect()
}

/// Whether a page can hold an article: HTML, or no type given. Feeds and
/// sitemaps (XML) only yield links.
fn is_html(content_type: Option<&str>) -> bool {
    content_type.is_none_or(|ct| {
        let ct = ct.to_ascii_lowercase();
        ct.starts_with("text/html") || ct.starts_with("application/xhtml")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use newshound_extract::ExtractOptions;
    use url::Url;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    fn links(reading: Reading) -> Vec<(String, LinkKind)> {
        match reading {
            Reading::Feed(links) => links.into_iter().map(|l| (l.url, l.kind)).collect(),
            Reading::Page { .. } => panic!("read as a web page"),
            Reading::Unreadable(e) => panic!("unreadable: {e}"),
            Reading::NotText(e) => panic!("not text: {e}"),
        }
    }

    #[test]
    fn binary_bodies_are_not_text() {
        let mut x: u32 = 0x2545_f491;
        let bytes: Vec<u8> = (0..64 << 10)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 8) as u8
            })
            .collect();
        for ct in [Some("text/html"), None] {
            assert!(matches!(
                read(
                    &bytes,
                    ct,
                    &url("http://127.0.0.1:1/news/2026/11/27/story"),
                    &ExtractOptions::default(),
                    &newshound_feeds::Limits::default()
                ),
                Reading::NotText(ExtractError::NotText { .. })
            ));
        }
    }

    #[test]
    fn rss_items_are_articles_newest_first() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://127.0.0.1:1/</link><description>d</description>
<item><title>old</title><link>/news/old-story-1</link><pubDate>Mon, 23 Nov 2026 10:00:00 +0900</pubDate></item>
<item><title>undated</title><link>/news/undated-story-2</link></item>
<item><title>new</title><link>/news/new-story-3</link><pubDate>Fri, 27 Nov 2026 10:00:00 +0900</pubDate></item>
</channel></rss>"#;
        let got = links(read(
            rss,
            Some("application/rss+xml"),
            &url("http://127.0.0.1:1/rss.xml"),
            &ExtractOptions::default(),
            &newshound_feeds::Limits::default(),
        ));
        assert_eq!(
            got,
            [
                (
                    "http://127.0.0.1:1/news/new-story-3".to_string(),
                    LinkKind::Article
                ),
                (
                    "http://127.0.0.1:1/news/old-story-1".to_string(),
                    LinkKind::Article
                ),
                (
                    "http://127.0.0.1:1/news/undated-story-2".to_string(),
                    LinkKind::Article
                ),
            ]
        );
    }

    #[test]
    fn sitemap_index_children_are_feeds() {
        let xml = br#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://127.0.0.1:1/sitemap-news.xml</loc></sitemap></sitemapindex>"#;
        // A generic type on a .xml URL is read as a sitemap too.
        let got = links(read(
            xml,
            Some("application/octet-stream"),
            &url("http://127.0.0.1:1/sitemap_index.xml"),
            &ExtractOptions::default(),
            &newshound_feeds::Limits::default(),
        ));
        assert_eq!(
            got,
            [(
                "http://127.0.0.1:1/sitemap-news.xml".to_string(),
                LinkKind::Feed
            )]
        );
    }

    #[test]
    fn html_served_as_xml_is_read_as_a_page() {
        let html = b"<!DOCTYPE html><html><head><title>Home</title></head><body><a href=\"/news/2026/11/27/some-long-story-slug-here\">Story</a></body></html>";
        match read(
            html,
            Some("application/xml"),
            &url("http://127.0.0.1:1/feed.xml"),
            &ExtractOptions::default(),
            &newshound_feeds::Limits::default(),
        ) {
            Reading::Page { extraction, html } => {
                assert!(html, "may hold an article");
                assert!(!extraction.links.is_empty());
            }
            _ => panic!("not read as a page"),
        }
    }

    #[test]
    fn feeds_named_in_the_html_head_are_feed_links() {
        let html = br#"<!DOCTYPE html><html><head><title>Home</title>
<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">
<link rel="alternate" type="application/atom+xml" href="https://127.0.0.1:1/atom">
<link rel="alternate" hreflang="de" href="/de/"></head><body><p>Hi</p></body></html>"#;
        let Reading::Page { extraction, .. } = read(
            html,
            Some("text/html"),
            &url("http://127.0.0.1:1/"),
            &ExtractOptions::default(),
            &newshound_feeds::Limits::default(),
        ) else {
            panic!("not read as a page");
        };
        let feeds: Vec<&str> = extraction
            .links
            .iter()
            .filter(|l| l.kind == ExtractedKind::Feed)
            .map(|l| l.url.as_str())
            .collect();
        assert_eq!(
            feeds,
            ["http://127.0.0.1:1/rss.xml", "https://127.0.0.1:1/atom"]
        );
    }

    #[test]
    fn broken_feeds_are_unreadable_and_html_stays_html() {
        let broken = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item><link>";
        assert!(matches!(
            read(
                broken,
                Some("text/xml"),
                &url("http://127.0.0.1:1/rss.xml"),
                &ExtractOptions::default(),
                &newshound_feeds::Limits::default()
            ),
            Reading::Unreadable(FeedError::Malformed(_))
        ));
        // An HTML type is never read as a feed.
        assert!(matches!(
            read(
                broken,
                Some("text/html"),
                &url("http://127.0.0.1:1/rss.xml"),
                &ExtractOptions::default(),
                &newshound_feeds::Limits::default()
            ),
            Reading::Page { html: true, .. }
        ));
    }
}
