//! What happens to one fetched page.
//!
//! The article is written (durably, deduplicated) and the links published
//! before the page is acked, so a crash at any point redelivers the page and
//! loses nothing; the sink absorbs the repeat.

use std::time::Duration;

use crate::{ParserBackends, ParserConfig, to_article};
use newshound_core::message::{DiscoveredLink, FetchedPage, LinkBatch, LinkKind};
use newshound_core::{BackendError, CrawlStats, Delivery, Message, Queue, codec};
use newshound_extract::{Extraction, LinkKind as ExtractedKind};

/// Delay before a page whose outputs could not be stored is tried again.
const BACKEND_RETRY: Duration = Duration::from_secs(2);

pub(crate) struct Parser {
    pub config: ParserConfig,
    pub backends: ParserBackends,
}

impl Parser {
    pub(crate) async fn handle(&self, delivery: Delivery) {
        let stats = &self.backends.stats;
        let page: FetchedPage = match codec::decode(&delivery.payload) {
            Ok(p) => p,
            Err(e) => {
                CrawlStats::add(&stats.dead_letters, 1);
                settled(delivery.dead_letter(&e.to_string()).await);
                return;
            }
        };
        let body = match page.body(self.config.max_body_bytes) {
            Ok(b) => b,
            Err(e) => {
                CrawlStats::add(&stats.dead_letters, 1);
                settled(
                    delivery
                        .dead_letter(&format!("{}: {e}", page.final_url))
                        .await,
                );
                return;
            }
        };
        let options = self.config.extract.clone();
        let url = page.final_url.clone();
        let content_type = page.content_type.clone();
        let extracted = tokio::task::spawn_blocking(move || {
            newshound_extract::extract(&body, content_type.as_deref(), &url, &options)
        })
        .await;
        let extraction = match extracted {
            Ok(x) => x,
            Err(e) => {
                // The extractor panicked on this page: park it, keep going.
                CrawlStats::add(&stats.parse_errors, 1);
                CrawlStats::add(&stats.dead_letters, 1);
                settled(
                    delivery
                        .dead_letter(&format!("{}: extractor failed: {e}", page.final_url))
                        .await,
                );
                return;
            }
        };
        match self.store(&page, &extraction).await {
            Ok(()) => settled(delivery.ack().await),
            Err(e) => {
                tracing::warn!(error = %e, url = %page.final_url, "Page outputs not stored; will retry");
                settled(delivery.retry_after(BACKEND_RETRY).await);
            }
        }
    }

    /// Writes the article (if any) and publishes the links.
    async fn store(&self, page: &FetchedPage, extraction: &Extraction) -> Result<(), BackendError> {
        let article = is_html(page.content_type.as_deref())
            .then(|| {
                to_article(
                    extraction,
                    &page.final_url,
                    &self.config.canon,
                    page.fetched_at,
                )
            })
            .flatten();
        if let Some(article) = article {
            self.backends.sink.write(vec![article]).await?;
            CrawlStats::add(&self.backends.stats.articles_extracted, 1);
        }
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
        if links.is_empty() {
            return Ok(());
        }
        let batch = LinkBatch {
            depth: page.job.depth.saturating_add(1),
            links,
        };
        let payload = codec::encode(&batch).map_err(|e| BackendError::Failed(e.to_string()))?;
        self.backends
            .queue
            .publish(Queue::Links, vec![Message::new(payload)])
            .await
    }
}

/// Whether a page can hold an article: HTML, or no type given. Feeds and
/// sitemaps (XML) only yield links.
fn is_html(content_type: Option<&str>) -> bool {
    content_type.is_none_or(|ct| {
        let ct = ct.to_ascii_lowercase();
        ct.starts_with("text/html") || ct.starts_with("application/xhtml")
    })
}

fn settled(result: Result<(), BackendError>) {
    if let Err(e) = result {
        // Unsettled deliveries come back: nothing is lost.
        tracing::warn!(error = %e, "Could not settle page");
    }
}
