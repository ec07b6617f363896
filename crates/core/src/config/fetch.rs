//! `[politeness]` and `[fetch]`: pacing towards hosts, HTTP limits and the
//! non-public networks that may be fetched.

use serde::Deserialize;
use std::time::Duration;

/// `[politeness]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPoliteness {
    /// `User-Agent` header, also the name matched in robots.txt.
    #[serde(default = "default_user_agent")]
    pub user_agent: String,
    /// Requests per second per host.
    #[serde(default = "default_rps")]
    pub requests_per_second: f64,
    /// Requests allowed back to back before the rate applies.
    #[serde(default = "default_burst")]
    pub burst: u32,
    /// Requests in flight per host at once.
    #[serde(default = "default_per_host")]
    pub max_concurrent_per_host: usize,
    /// Whether robots.txt is obeyed.
    #[serde(default = "super::default_true")]
    pub obey_robots: bool,
}

impl Default for RawPoliteness {
    fn default() -> Self {
        Self {
            user_agent: default_user_agent(),
            requests_per_second: default_rps(),
            burst: default_burst(),
            max_concurrent_per_host: default_per_host(),
            obey_robots: true,
        }
    }
}

/// `[fetch]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFetch {
    /// Requests in flight per fetch worker.
    #[serde(default = "default_concurrency")]
    pub concurrency: u16,
    /// Whole-request timeout, seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Connect timeout, seconds.
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
    /// Larger bodies are cut off and the page is dropped.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: u64,
    /// Redirects followed per request.
    #[serde(default = "default_max_redirects")]
    pub max_redirects: usize,
    /// Attempts for a transient failure (timeout, 5xx, 429) before dead-lettering.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// First retry delay, milliseconds; doubles each attempt.
    #[serde(default = "default_retry_base")]
    pub retry_base_delay_ms: u64,
    /// Networks (CIDR, or single addresses) of loopback, private, link-local,
    /// unique-local or other non-public addresses that may be fetched.
    #[serde(default)]
    pub allow_private_networks: Vec<String>,
    /// Longest robots.txt `Crawl-delay` obeyed, seconds; longer ones are cut to it.
    #[serde(default = "default_max_crawl_delay")]
    pub max_crawl_delay_secs: u64,
    /// Longest `Retry-After` obeyed, seconds; longer ones are cut to it.
    #[serde(default = "default_max_retry_after")]
    pub max_retry_after_secs: u64,
    /// In a `--once` run, how long a host may stay unreachable (or its
    /// robots.txt keep failing) before it is given up, seconds.
    #[serde(default = "default_give_up_after")]
    pub give_up_after_secs: u64,
}

impl Default for RawFetch {
    fn default() -> Self {
        Self {
            concurrency: default_concurrency(),
            timeout_secs: default_timeout(),
            connect_timeout_secs: default_connect_timeout(),
            max_body_bytes: default_max_body(),
            max_redirects: default_max_redirects(),
            max_attempts: default_max_attempts(),
            retry_base_delay_ms: default_retry_base(),
            allow_private_networks: Vec::new(),
            max_crawl_delay_secs: default_max_crawl_delay(),
            max_retry_after_secs: default_max_retry_after(),
            give_up_after_secs: default_give_up_after(),
        }
    }
}

fn default_user_agent() -> String {
    concat!(
        "newshound/",
        env!("CARGO_PKG_VERSION"),
        " (+https://example.invalid/newshound)"
    )
    .into()
}
fn default_rps() -> f64 {
    2.0
}
fn default_burst() -> u32 {
    1
}
fn default_per_host() -> usize {
    2
}
fn default_concurrency() -> u16 {
    32
}
fn default_timeout() -> u64 {
    30
}
fn default_connect_timeout() -> u64 {
    10
}
fn default_max_body() -> u64 {
    10 * 1024 * 1024
}
fn default_max_redirects() -> usize {
    5
}
fn default_max_attempts() -> u32 {
    4
}
fn default_retry_base() -> u64 {
    1000
}
fn default_max_crawl_delay() -> u64 {
    30
}
fn default_max_retry_after() -> u64 {
    60
}
fn default_give_up_after() -> u64 {
    60
}

/// Validated `[politeness]`.
#[derive(Clone, Debug)]
pub struct Politeness {
    /// User-Agent.
    pub user_agent: String,
    /// Requests per second per host (> 0).
    pub requests_per_second: f64,
    /// Burst (≥ 1).
    pub burst: u32,
    /// In-flight requests per host (≥ 1).
    pub max_concurrent_per_host: usize,
    /// Obey robots.txt.
    pub obey_robots: bool,
}

/// Validated `[fetch]`.
#[derive(Clone, Debug)]
pub struct FetchSettings {
    /// In-flight requests per worker.
    pub concurrency: u16,
    /// Request timeout.
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Body size cap.
    pub max_body_bytes: u64,
    /// Redirects followed.
    pub max_redirects: usize,
    /// Attempts before dead-lettering.
    pub max_attempts: u32,
    /// First retry delay.
    pub retry_base_delay: Duration,
    /// Non-public networks that may be fetched (everything else of the
    /// kind is refused).
    pub allow_private_networks: Vec<ipnet::IpNet>,
    /// Cap on a robots.txt `Crawl-delay`.
    pub max_crawl_delay: Duration,
    /// Cap on a `Retry-After`.
    pub max_retry_after: Duration,
    /// How long a failing host is kept trying in a `--once` run.
    pub give_up_after: Duration,
}

/// Slowest per-host rate accepted, requests per second: one a day.
pub const MIN_RATE: f64 = 1.0 / 86_400.0;
/// Fastest per-host rate accepted, requests per second.
pub const MAX_RATE: f64 = 10_000.0;
/// Largest `fetch.max_body_bytes` accepted: 1 GiB.
pub const MAX_BODY_BYTES: u64 = 1 << 30;
/// Largest `fetch.concurrency` accepted.
pub(super) const MAX_CONCURRENCY: u64 = 4096;

/// Parses one `fetch.allow_private_networks` entry: a CIDR network
/// (`127.0.0.0/8`, `fd00::/8`) or a single address (`127.0.0.1`).
pub(super) fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return Ok(net.trunc());
    }
    text.parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .map_err(|_| format!("`{text}` is not an IP network (e.g. 127.0.0.0/8) or address"))
}
