//! The parser worker: takes fetched pages, extracts the article (if the page
//! is one), writes it to the article sink and sends the page's links back to
//! the frontier.
//!
//! Layout:
//! - [`run`]: the role's entry point;
//! - [`to_article`]: builds the article record from an extraction;
//! - [`article_of`]: the article record of a fetched page (re-extraction);
//! - `handle`: what happens to one fetched page, and how it is settled;
//! - `sent`: the links already sent to the frontier, not sent again.
#![deny(missing_docs)]

mod handle;
mod record;
mod sent;

use std::sync::Arc;
use tokio::sync::watch;

use newshound_core::canon::CanonRules;
use newshound_core::{
    ArticleSink, BackendError, CaptureSink, CrawlStats, JobQueue, PageHandoff, Shutdown,
};
use newshound_extract::ExtractOptions;

pub use handle::article_of;
pub use record::to_article;

/// What the parser needs to know.
#[derive(Clone, Debug)]
pub struct ParserConfig {
    /// Extraction options (site time zone, selector overrides).
    pub extract: ExtractOptions,
    /// Canonicalization of the canonical URL in records.
    pub canon: CanonRules,
    /// Largest page body accepted.
    pub max_body_bytes: u64,
    /// What one feed or sitemap may cost.
    pub feeds: newshound_feeds::Limits,
    /// Pages handled at once (read one per core at a time; the others wait
    /// on their writes, or to be read).
    pub concurrency: usize,
}

/// The parser's backends.
#[derive(Clone)]
pub struct ParserBackends {
    /// Where pages come from.
    pub pages: Arc<dyn PageHandoff>,
    /// Where links go.
    pub queue: Arc<dyn JobQueue>,
    /// Where articles go.
    pub sink: Arc<dyn ArticleSink>,
    /// Where captures of the pages go (the WARC output), when it is on.
    pub captures: Option<Arc<dyn CaptureSink>>,
    /// Live counters.
    pub stats: Arc<CrawlStats>,
}

/// Runs the parser until `shutdown` fires. A new `config` sent on the
/// channel (a reloaded config file) applies from the next page on
/// (concurrency stays as it was at start).
///
/// # Errors
/// Fails only when the pages queue cannot be consumed at start.
pub async fn run(
    config: watch::Receiver<Arc<ParserConfig>>,
    backends: ParserBackends,
    shutdown: Shutdown,
) -> Result<(), BackendError> {
    let concurrency = config.borrow().concurrency;
    let consumer = backends
        .pages
        .pages(u16::try_from(concurrency).unwrap_or(u16::MAX))
        .await?;
    let parser = Arc::new(handle::Parser {
        config,
        backends,
        sent: sent::SentLinks::new(),
        readers: Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
        stop: shutdown.clone(),
    });
    newshound_core::worker::drive(consumer, concurrency, &shutdown, move |delivery| {
        let parser = parser.clone();
        async move { parser.handle(delivery).await }
    })
    .await;
    Ok(())
}
