//! Each role's settings, read off a validated [`Config`]: the one place a
//! config becomes a frontier, fetcher or parser config (at start and on
//! every reload).

use newshound_core::config::{Config, ConfigError};
use newshound_extract::{ExtractOptions, SiteSelectors};

/// Link batches the frontier handles at once.
const FRONTIER_CONCURRENCY: usize = 8;

/// Frontier settings.
pub fn frontier(config: &Config) -> newshound_frontier::FrontierConfig {
    newshound_frontier::FrontierConfig {
        scope: config.scope.clone(),
        canon: config.canon.clone(),
        concurrency: FRONTIER_CONCURRENCY,
        recrawl: config.recrawl.clone(),
        max_pages_per_host: config.max_pages_per_host,
    }
}

/// Fetcher settings; `once` (a run that ends when idle) gives up hosts that
/// keep failing.
pub fn fetcher(
    config: &Config,
    max_pages: Option<u64>,
    once: bool,
) -> newshound_fetcher::FetcherConfig {
    newshound_fetcher::FetcherConfig {
        politeness: config.politeness.clone(),
        fetch: config.fetch.clone(),
        max_pages,
        scope: config.scope.clone(),
        canon: config.canon.clone(),
        give_up_failing_hosts: once,
        capture: config.warc.is_some(),
    }
}

/// Parser settings.
///
/// # Errors
/// An `[extract]` selector that does not compile, named by its key.
pub fn parser(config: &Config) -> Result<newshound_parser::ParserConfig, ConfigError> {
    Ok(newshound_parser::ParserConfig {
        extract: extract(config)?,
        canon: config.canon.clone(),
        max_body_bytes: config.fetch.max_body_bytes,
        feeds: newshound_feeds::Limits {
            max_bytes: config.parse.max_feed_bytes,
            max_feed_entries: config.parse.max_feed_entries,
            max_sitemap_entries: config.parse.max_sitemap_urls,
            ..newshound_feeds::Limits::default()
        },
        concurrency: parser_concurrency(),
    })
}

/// Pages a parser reads at once: pages in flight are mostly waiting on I/O
/// (the article's write, the links' publish), so several per core.
pub fn parser_concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 8
}

/// The extractor's options: the site's zone, hosts, link bound and its
/// `[extract]` selectors, compiled.
///
/// # Errors
/// A selector that does not compile, named by its key (`extract.body`).
pub fn extract(config: &Config) -> Result<ExtractOptions, ConfigError> {
    let selectors = SiteSelectors::parse(&config.selectors).map_err(|e| ConfigError::Invalid {
        file: config.file.clone(),
        key: format!("extract.{}", e.field),
        reason: format!("`{}`: {}", e.selector, e.message),
    })?;
    Ok(ExtractOptions {
        default_timezone: config.timezone,
        selectors,
        site_hosts: config.scope.host_names(),
        max_links: config.parse.max_links_per_page,
    })
}
