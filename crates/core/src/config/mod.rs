//! The crawl configuration: one TOML file per site, parsed into raw structs
//! that reject unknown keys, then validated into [`Config`].
//!
//! `config/default.toml` documents every key with its default.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

use crate::canon::{CanonRules, Scope, TrapLimits};
use crate::recrawl::RecrawlPolicy;
use newshound_model::RawSelectors;

mod backend;
mod fetch;
mod metrics;
mod output;
mod parse;
mod recrawl;
mod site;

use backend::backend;
pub use backend::{Backend, RawBackend, RedisTarget};
pub use fetch::{
    FetchSettings, MAX_BODY_BYTES, MAX_RATE, MIN_RATE, Politeness, RawFetch, RawPoliteness,
};
use fetch::{MAX_CONCURRENCY, parse_network};
pub use metrics::RawMetrics;
use metrics::metrics_listen;
pub use output::{PostgresOutput, RawOutput, RawWarc, WarcOutput};
pub use parse::{ParseLimits, RawParse};
pub use recrawl::{RawHubPattern, RawRecrawl};
pub use site::RawSite;

/// A configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read (the cause is the error's source, which
    /// `{:#}` and every error report print after this).
    #[error("{file}: cannot read")]
    Read {
        /// The config file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for the schema (unknown key, wrong type, ...).
    #[error("{file}: {message}")]
    Parse {
        /// The config file.
        file: PathBuf,
        /// toml's message, naming the key and line.
        message: String,
    },
    /// A value is impossible.
    #[error("{file}: key `{key}`: {reason}")]
    Invalid {
        /// The config file.
        file: PathBuf,
        /// The dotted key.
        key: String,
        /// Why the value is rejected.
        reason: String,
    },
}

/// The file as written, before validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// The site to crawl.
    pub site: RawSite,
    /// Politeness towards the site's hosts.
    #[serde(default)]
    pub politeness: RawPoliteness,
    /// HTTP fetching limits.
    #[serde(default)]
    pub fetch: RawFetch,
    /// Per-site extraction overrides (CSS selectors for a site the generic
    /// extractor gets wrong).
    #[serde(default)]
    pub extract: RawSelectors,
    /// Where results and state go.
    #[serde(default)]
    pub output: RawOutput,
    /// RabbitMQ and Redis, for the distributed mode.
    #[serde(default)]
    pub backend: RawBackend,
    /// When pages are visited again.
    #[serde(default)]
    pub recrawl: RawRecrawl,
    /// The Prometheus metrics endpoint.
    #[serde(default)]
    pub metrics: RawMetrics,
    /// What one page, feed or sitemap may cost the parser.
    #[serde(default)]
    pub parse: RawParse,
}

fn default_true() -> bool {
    true
}

/// A validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file it came from.
    pub file: PathBuf,
    /// Site name.
    pub name: String,
    /// Start URLs.
    pub seeds: Vec<Url>,
    /// Which URLs are crawled.
    pub scope: Scope,
    /// How URLs are canonicalized.
    pub canon: CanonRules,
    /// Time zone of times given without offset; `None` lets the extractor infer it.
    pub timezone: Option<chrono_tz::Tz>,
    /// Politeness settings.
    pub politeness: Politeness,
    /// Fetch settings.
    pub fetch: FetchSettings,
    /// Extraction overrides as written (`[extract]`); the parser compiles them
    /// (`newshound_extract::SiteSelectors::parse`) and reports a bad one against
    /// its key.
    pub selectors: RawSelectors,
    /// Output directory.
    pub out_dir: PathBuf,
    /// Embedded state directory (`None`: `state/` in the output directory).
    pub state_dir: Option<PathBuf>,
    /// Whether `articles.jsonl` is written.
    pub jsonl: bool,
    /// PostgreSQL output, when configured.
    pub postgres: Option<PostgresOutput>,
    /// WARC output, when configured.
    pub warc: Option<WarcOutput>,
    /// Distributed backends; `None` for the embedded default.
    pub backend: Option<Backend>,
    /// When pages are visited again.
    pub recrawl: RecrawlPolicy,
    /// New URLs scheduled per host over the whole crawl (`[site]
    /// max_pages_per_host`, at least 1).
    pub max_pages_per_host: u64,
    /// Where the process serves Prometheus metrics on `/metrics` (`None`: nowhere).
    pub metrics_listen: Option<SocketAddr>,
    /// What one document may cost the parser.
    pub parse: ParseLimits,
}

impl Config {
    /// Reads and validates a config file.
    ///
    /// # Errors
    /// Names the file and the key for every unreadable, unknown or impossible value.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            file: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(path, &text)
    }

    /// Parses and validates config text that came from `file`.
    ///
    /// # Errors
    /// As [`Config::load`].
    pub fn from_toml(file: &Path, text: &str) -> Result<Config, ConfigError> {
        let parse_error = |message: String| ConfigError::Parse {
            file: file.to_path_buf(),
            message,
        };
        let document = toml::de::Deserializer::parse(text)
            .map_err(|e| parse_error(format!("{}{}", line_of(text, e.span()), e.message())))?;
        let raw: RawConfig = serde_path_to_error::deserialize(document).map_err(|e| {
            let key = e.path().to_string();
            let e = e.into_inner();
            parse_error(format!(
                "{}key `{key}`: {}",
                line_of(text, e.span()),
                e.message()
            ))
        })?;
        raw.validate(file)
    }
}

impl RawConfig {
    /// Checks every value and builds the [`Config`].
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first bad key.
    pub fn validate(self, file: &Path) -> Result<Config, ConfigError> {
        let bad = |key: &str, reason: String| ConfigError::Invalid {
            file: file.to_path_buf(),
            key: key.to_string(),
            reason,
        };
        let site = self.site;
        if site.name.trim().is_empty() {
            return Err(bad("site.name", "must not be empty".into()));
        }
        if site.seeds.is_empty() {
            return Err(bad("site.seeds", "needs at least one URL".into()));
        }
        let mut seeds = Vec::with_capacity(site.seeds.len());
        for s in &site.seeds {
            let url = Url::parse(s).map_err(|e| bad("site.seeds", format!("`{s}`: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                return Err(bad("site.seeds", format!("`{s}`: not an http(s) URL")));
            }
            seeds.push(url);
        }
        let hosts = if site.allowed_hosts.is_empty() {
            seeds.iter().map(crate::canon::host_key).collect()
        } else {
            site.allowed_hosts
        };
        let scope = Scope::new(
            &hosts,
            site.max_depth,
            site.max_url_length,
            site.max_query_params,
        )
        .map_err(|h| bad("site.allowed_hosts", format!("`{h}` is not a host pattern")))?
        .with_trap_limits(TrapLimits {
            max_page: site.max_page,
            oldest_year: site.oldest_year,
        });
        for seed in &seeds {
            if !scope.allows_host(seed) {
                return Err(bad(
                    "site.seeds",
                    format!("`{seed}` is outside site.allowed_hosts"),
                ));
            }
        }
        if site.max_url_length < 16 {
            return Err(bad("site.max_url_length", "must be at least 16".into()));
        }
        if site.max_pages_per_host == 0 {
            return Err(bad("site.max_pages_per_host", "must be at least 1".into()));
        }
        let timezone = site
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
        let p = self.politeness;
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
        let f = self.fetch;
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
            .map(|net| {
                parse_network(net).map_err(|reason| bad("fetch.allow_private_networks", reason))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let parse = self.parse.limits(&bad)?;
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let backend = backend(self.backend, &env, &bad)?;
        let postgres = self.output.postgres(&env, &bad)?;
        let warc = self.output.warc(&bad)?;
        let recrawl = self.recrawl.policy(&bad)?;
        let metrics_listen = metrics_listen(self.metrics, &env, &bad)?;
        Ok(Config {
            file: file.to_path_buf(),
            name: site.name,
            seeds,
            scope,
            canon: CanonRules::new(site.strip_params.iter().map(String::as_str)),
            timezone,
            politeness: Politeness {
                user_agent: p.user_agent,
                requests_per_second: p.requests_per_second,
                burst: p.burst,
                max_concurrent_per_host: p.max_concurrent_per_host,
                obey_robots: p.obey_robots,
            },
            fetch: FetchSettings {
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
            },
            selectors: self.extract,
            out_dir: self.output.dir,
            state_dir: self.output.state_dir,
            jsonl: self.output.jsonl,
            postgres,
            warc,
            backend,
            recrawl,
            max_pages_per_host: site.max_pages_per_host,
            metrics_listen,
            parse,
        })
    }
}

/// `line N: ` for the start of `span` in `text` (empty without a span).
fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    span.and_then(|span| text.get(..span.start))
        .map(|before| format!("line {}: ", before.matches('\n').count() + 1))
        .unwrap_or_default()
}

/// An environment of `vars` only, for the validation tests.
#[cfg(test)]
fn fake_env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

/// The error validation reports for `key` in a file `site.toml`.
#[cfg(test)]
fn invalid_in_site_toml(key: &str, reason: String) -> ConfigError {
    ConfigError::Invalid {
        file: PathBuf::from("site.toml"),
        key: key.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(Path::new("site.toml"), text)
    }

    pub(super) const MINIMAL: &str = "[site]\nname = \"t\"\nseeds = [\"http://127.0.0.1:8311/\"]\n";

    #[test]
    fn minimal_config_takes_defaults() {
        let c = load(MINIMAL).expect("valid");
        assert_eq!(c.seeds.len(), 1);
        assert!(
            c.scope
                .allows_host(&Url::parse("http://127.0.0.1:8311/x").expect("url"))
        );
        assert!(
            !c.scope
                .allows_host(&Url::parse("http://127.0.0.1:8312/x").expect("url"))
        );
        assert_eq!(c.politeness.burst, 1);
        assert_eq!(c.max_pages_per_host, 1_000_000);
        assert_eq!(
            c.timezone, None,
            "unset, the extractor infers the zone per page"
        );
        let seoul =
            load(&MINIMAL.replace("name = ", "timezone = \"Asia/Seoul\"\nname = ")).expect("valid");
        assert_eq!(seoul.timezone, Some(chrono_tz::Asia::Seoul));
    }

    #[test]
    fn bad_configs_name_file_and_key() {
        let cases = [
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
            (
                format!("{MINIMAL}[fetch]\nconcurrency = 0\n"),
                "fetch.concurrency",
            ),
            (
                format!("{MINIMAL}[fetch]\nmax_body_bytes = \"big\"\n"),
                "max_body_bytes",
            ),
            (
                format!("{MINIMAL}[metrics]\nlisten = \"localhost\"\n"),
                "metrics.listen",
            ),
            (format!("{MINIMAL}[metrics]\nport = 9464\n"), "port"),
        ];
        for (text, key) in cases {
            let err = load(&text).expect_err(&text).to_string();
            assert!(err.starts_with("site.toml"), "{err}");
            assert!(err.contains(key), "{key} not in {err}");
        }
    }
}
