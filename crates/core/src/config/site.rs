//! `[site]`: the site's name, seeds and scope.

use serde::Deserialize;

use crate::canon::{DEFAULT_STRIP_PARAMS, TrapLimits};

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
