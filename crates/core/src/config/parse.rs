//! `[parse]`: what one page, feed or sitemap may cost the parser.

use serde::Deserialize;

use super::{ConfigError, MAX_BODY_BYTES};

/// `[parse]`: bounds on what the parser takes from one document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParse {
    /// Links taken from one page (document order); the rest are dropped.
    #[serde(default = "default_max_links")]
    pub max_links_per_page: usize,
    /// Entries taken from one RSS or Atom feed.
    #[serde(default = "default_max_feed_entries")]
    pub max_feed_entries: usize,
    /// URLs taken from one sitemap or sitemap index.
    #[serde(default = "default_max_sitemap_urls")]
    pub max_sitemap_urls: usize,
    /// Bytes a feed or sitemap may have once gzip-inflated.
    #[serde(default = "default_max_feed_bytes")]
    pub max_feed_bytes: u64,
}

impl Default for RawParse {
    fn default() -> Self {
        Self {
            max_links_per_page: default_max_links(),
            max_feed_entries: default_max_feed_entries(),
            max_sitemap_urls: default_max_sitemap_urls(),
            max_feed_bytes: default_max_feed_bytes(),
        }
    }
}

fn default_max_links() -> usize {
    5_000
}
fn default_max_feed_entries() -> usize {
    10_000
}
fn default_max_sitemap_urls() -> usize {
    50_000
}
fn default_max_feed_bytes() -> u64 {
    50 * 1024 * 1024
}

/// Validated `[parse]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseLimits {
    /// Links taken from one page.
    pub max_links_per_page: usize,
    /// Entries taken from one feed.
    pub max_feed_entries: usize,
    /// URLs taken from one sitemap.
    pub max_sitemap_urls: usize,
    /// Inflated size cap of a feed or sitemap.
    pub max_feed_bytes: u64,
}

impl RawParse {
    /// Checks each bound against its sane range.
    pub(super) fn limits(
        self,
        bad: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<ParseLimits, ConfigError> {
        let ranges: [(&str, u64, u64); 4] = [
            (
                "parse.max_links_per_page",
                self.max_links_per_page as u64,
                1_000_000,
            ),
            (
                "parse.max_feed_entries",
                self.max_feed_entries as u64,
                1_000_000,
            ),
            (
                "parse.max_sitemap_urls",
                self.max_sitemap_urls as u64,
                1_000_000,
            ),
            ("parse.max_feed_bytes", self.max_feed_bytes, MAX_BODY_BYTES),
        ];
        for (key, value, high) in ranges {
            if value == 0 {
                return Err(bad(key, "must be at least 1".into()));
            }
            if value > high {
                return Err(bad(key, format!("must be at most {high} (got {value})")));
            }
        }
        Ok(ParseLimits {
            max_links_per_page: self.max_links_per_page,
            max_feed_entries: self.max_feed_entries,
            max_sitemap_urls: self.max_sitemap_urls,
            max_feed_bytes: self.max_feed_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::tests::{MINIMAL, assert_rejected};

    #[test]
    fn bad_parse_keys_are_named() {
        assert_rejected(&[
            (
                format!("{MINIMAL}[parse]\nmax_links_per_page = 0\n"),
                "parse.max_links_per_page",
            ),
            (
                format!("{MINIMAL}[parse]\nmax_feed_bytes = 2000000000\n"),
                "parse.max_feed_bytes`: must be at most 1073741824",
            ),
        ]);
    }
}
