//! `[politeness]` and `[fetch]`: pacing towards hosts, HTTP limits and the
//! non-public networks that may be fetched.

use serde::Deserialize;
use std::time::Duration;

use super::ConfigError;

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
    /// Fetch jobs a fetch worker holds at once: in flight, and where the
    /// parser shares the process, fetched and waiting to be parsed.
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
const MAX_CONCURRENCY: u64 = 4096;

/// Parses one `fetch.allow_private_networks` entry: a CIDR network
/// (`127.0.0.0/8`, `fd00::/8`) or a single address (`127.0.0.1`).
fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return Ok(net.trunc());
    }
    text.parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .map_err(|_| format!("`{text}` is not an IP network (e.g. 127.0.0.0/8) or address"))
}

/// Validates `[politeness]` and `[fetch]` (one range check covers the
/// numeric keys of both).
pub(super) fn validate(
    p: RawPoliteness,
    f: RawFetch,
    bad: &dyn Fn(&str, String) -> ConfigError,
) -> Result<(Politeness, FetchSettings), ConfigError> {
    if !(p.requests_per_second.is_finite()
        && (MIN_RATE..=MAX_RATE).contains(&p.requests_per_second))
    {
        return Err(bad(
            "politeness.requests_per_second",
            format!(
                "must be a number from {MIN_RATE} (one request a day) to {MAX_RATE} (got {})",
                p.requests_per_second
            ),
        ));
    }
    if p.burst == 0 {
        return Err(bad("politeness.burst", "must be at least 1".into()));
    }
    if p.user_agent.trim().is_empty() || !p.user_agent.is_ascii() {
        return Err(bad(
            "politeness.user_agent",
            "must be non-empty ASCII".into(),
        ));
    }
    // Each numeric key with its sane range: a value past the upper
    // bound is a typo or an attempt to turn the limit off.
    let ranges: [(&str, u64, u64, u64); 11] = [
        (
            "fetch.concurrency",
            u64::from(f.concurrency),
            1,
            MAX_CONCURRENCY,
        ),
        ("fetch.timeout_secs", f.timeout_secs, 1, 3600),
        ("fetch.connect_timeout_secs", f.connect_timeout_secs, 1, 600),
        ("fetch.max_body_bytes", f.max_body_bytes, 1, MAX_BODY_BYTES),
        ("fetch.max_redirects", f.max_redirects as u64, 0, 20),
        ("fetch.max_attempts", u64::from(f.max_attempts), 1, 100),
        (
            "fetch.retry_base_delay_ms",
            f.retry_base_delay_ms,
            0,
            3_600_000,
        ),
        (
            "fetch.max_crawl_delay_secs",
            f.max_crawl_delay_secs,
            1,
            3600,
        ),
        (
            "fetch.max_retry_after_secs",
            f.max_retry_after_secs,
            1,
            86_400,
        ),
        ("fetch.give_up_after_secs", f.give_up_after_secs, 1, 86_400),
        (
            "politeness.max_concurrent_per_host",
            p.max_concurrent_per_host as u64,
            1,
            1024,
        ),
    ];
    for (key, value, low, high) in ranges {
        if value < low {
            return Err(bad(key, format!("must be at least {low}")));
        }
        if value > high {
            return Err(bad(key, format!("must be at most {high} (got {value})")));
        }
    }
    if p.burst > 10_000 {
        return Err(bad(
            "politeness.burst",
            format!("must be at most 10000 (got {})", p.burst),
        ));
    }
    let allow_private_networks = f
        .allow_private_networks
        .iter()
        .map(|net| parse_network(net).map_err(|reason| bad("fetch.allow_private_networks", reason)))
        .collect::<Result<Vec<_>, _>>()?;
    let politeness = Politeness {
        user_agent: p.user_agent,
        requests_per_second: p.requests_per_second,
        burst: p.burst,
        max_concurrent_per_host: p.max_concurrent_per_host,
        obey_robots: p.obey_robots,
    };
    let fetch = FetchSettings {
        concurrency: f.concurrency,
        timeout: Duration::from_secs(f.timeout_secs),
        connect_timeout: Duration::from_secs(f.connect_timeout_secs),
        max_body_bytes: f.max_body_bytes,
        max_redirects: f.max_redirects,
        max_attempts: f.max_attempts,
        retry_base_delay: Duration::from_millis(f.retry_base_delay_ms),
        allow_private_networks,
        max_crawl_delay: Duration::from_secs(f.max_crawl_delay_secs),
        max_retry_after: Duration::from_secs(f.max_retry_after_secs),
        give_up_after: Duration::from_secs(f.give_up_after_secs),
    };
    Ok((politeness, fetch))
}

#[cfg(test)]
mod tests {
    use crate::config::tests::{MINIMAL, assert_rejected};

    #[test]
    fn bad_politeness_and_fetch_keys_are_named() {
        assert_rejected(&[
            (format!("{MINIMAL}[fetch]\ntimeout = 3\n"), "timeout"),
            (
                format!("{MINIMAL}[politeness]\nrequests_per_second = 0\n"),
                "politeness.requests_per_second",
            ),
            (
                format!("{MINIMAL}[politeness]\nburst = 0\n"),
                "politeness.burst",
            ),
            (
                format!("{MINIMAL}[fetch]\nconcurrency = 0\n"),
                "fetch.concurrency",
            ),
            (
                format!("{MINIMAL}[fetch]\nmax_body_bytes = \"big\"\n"),
                "max_body_bytes",
            ),
        ]);
    }
}
