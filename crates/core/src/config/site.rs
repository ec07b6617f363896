//! `[site]`: the site's name, seeds and scope.

use serde::Deserialize;
use url::Url;

use super::ConfigError;
use crate::canon::{CanonRules, DEFAULT_STRIP_PARAMS, Scope, TrapLimits};

/// `[site]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    /// A short name for logs and metrics.
    pub name: String,
    /// Start URLs: home, section pages, feeds.
    pub seeds: Vec<String>,
    /// Hosts in scope (`example.com`, `*.example.com`, `127.0.0.1:8311`);
    /// defaults to the seeds' hosts.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Largest number of links followed from a seed.
    #[serde(default = "default_max_depth")]
    pub max_depth: u16,
    /// IANA time zone of times printed without an offset (e.g. `Asia/Seoul`); unset, the
    /// extractor infers it from the site's country domain or language, else takes UTC.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Query parameters stripped from URLs (`utm_*` strips a prefix).
    #[serde(default = "default_strip_params")]
    pub strip_params: Vec<String>,
    /// URLs longer than this are not crawled.
    #[serde(default = "default_max_url_length")]
    pub max_url_length: usize,
    /// URLs with more query parameters than this are not crawled.
    #[serde(default = "default_max_query_params")]
    pub max_query_params: usize,
    /// List pages numbered beyond this (`?page=N`, `/page/N`) are not crawled.
    #[serde(default = "default_max_page")]
    pub max_page: u64,
    /// URLs naming a year before this (or after next year) are not crawled.
    #[serde(default = "default_oldest_year")]
    pub oldest_year: i32,
    /// New URLs the frontier schedules per host over the whole crawl (all
    /// frontiers, across restarts); those beyond it are dropped.
    #[serde(default = "default_max_pages_per_host")]
    pub max_pages_per_host: u64,
}

fn default_max_depth() -> u16 {
    16
}
fn default_strip_params() -> Vec<String> {
    DEFAULT_STRIP_PARAMS.iter().map(|s| s.to_string()).collect()
}
fn default_max_url_length() -> usize {
    2048
}
fn default_max_query_params() -> usize {
    8
}
fn default_max_page() -> u64 {
    TrapLimits::default().max_page
}
fn default_oldest_year() -> i32 {
    TrapLimits::default().oldest_year
}
fn default_max_pages_per_host() -> u64 {
    1_000_000
}

/// Validated `[site]`: the parts [`Config`](super::Config) takes over.
pub(super) struct Site {
    /// Site name.
    pub(super) name: String,
    /// Start URLs, each in scope.
    pub(super) seeds: Vec<Url>,
    /// Which URLs are crawled.
    pub(super) scope: Scope,
    /// How URLs are canonicalized.
    pub(super) canon: CanonRules,
    /// Time zone of times given without offset.
    pub(super) timezone: Option<chrono_tz::Tz>,
    /// New URLs scheduled per host over the whole crawl.
    pub(super) max_pages_per_host: u64,
}

impl RawSite {
    /// Checks the name, the seeds (http(s), inside the scope), the scope's
    /// host patterns and limits, and the time zone.
    pub(super) fn validate(
        self,
        bad: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<Site, ConfigError> {
        if self.name.trim().is_empty() {
            return Err(bad("site.name", "must not be empty".into()));
        }
        if self.seeds.is_empty() {
            return Err(bad("site.seeds", "needs at least one URL".into()));
        }
        let mut seeds = Vec::with_capacity(self.seeds.len());
        for s in &self.seeds {
            let url = Url::parse(s).map_err(|e| bad("site.seeds", format!("`{s}`: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                return Err(bad("site.seeds", format!("`{s}`: not an http(s) URL")));
            }
            seeds.push(url);
        }
        let hosts = if self.allowed_hosts.is_empty() {
            seeds.iter().map(crate::canon::host_key).collect()
        } else {
            self.allowed_hosts
        };
        let scope = Scope::new(
            &hosts,
            self.max_depth,
            self.max_url_length,
            self.max_query_params,
        )
        .map_err(|h| bad("site.allowed_hosts", format!("`{h}` is not a host pattern")))?
        .with_trap_limits(TrapLimits {
            max_page: self.max_page,
            oldest_year: self.oldest_year,
        });
        for seed in &seeds {
            if !scope.allows_host(seed) {
                return Err(bad(
                    "site.seeds",
                    format!("`{seed}` is outside site.allowed_hosts"),
                ));
            }
        }
        if self.max_url_length < 16 {
            return Err(bad("site.max_url_length", "must be at least 16".into()));
        }
        if self.max_pages_per_host == 0 {
            return Err(bad("site.max_pages_per_host", "must be at least 1".into()));
        }
        let timezone = self
            .timezone
            .as_deref()
            .map(|name| {
                name.parse::<chrono_tz::Tz>().map_err(|_| {
                    bad(
                        "site.timezone",
                        format!("`{name}` is not an IANA time zone"),
                    )
                })
            })
            .transpose()?;
        Ok(Site {
            name: self.name,
            seeds,
            scope,
            canon: CanonRules::new(self.strip_params.iter().map(String::as_str)),
            timezone,
            max_pages_per_host: self.max_pages_per_host,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::tests::{MINIMAL, assert_rejected};

    #[test]
    fn bad_site_keys_are_named() {
        assert_rejected(&[
            (
                "[site]\nname = \"t\"\nseeds = [\"not a url\"]\n".to_string(),
                "site.seeds",
            ),
            (
                "[site]\nname = \"t\"\nseeds = [\"ftp://x.org/\"]\n".to_string(),
                "site.seeds",
            ),
            (
                "[site]\nname = \"t\"\nseeds = []\n".to_string(),
                "site.seeds",
            ),
            (
                MINIMAL.replace("/\"]\n", "/\"]\ntimezone = \"Mars/Base\"\n"),
                "site.timezone",
            ),
            (
                MINIMAL.replace("/\"]\n", "/\"]\nmax_pages_per_host = 0\n"),
                "site.max_pages_per_host",
            ),
            (
                MINIMAL.replace("/\"]\n", "/\"]\nallowed_hosts = [\"other.org\"]\n"),
                "site.seeds",
            ),
        ]);
    }
}
