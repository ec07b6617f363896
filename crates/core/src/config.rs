//! The crawl configuration: one TOML file per site, parsed into raw structs
//! that reject unknown keys, then validated into [`Config`].
//!
//! `config/default.toml` documents every key with its default.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

use crate::canon::{CanonRules, DEFAULT_STRIP_PARAMS, Scope, TrapLimits};
use crate::recrawl::{HubPattern, RecrawlPolicy};
use newshound_model::RawSelectors;

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

/// `[metrics]`: where `/metrics` is served; absent, no endpoint.
#[derive(Clone, Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    /// `IP:PORT` to serve `/metrics` on; `NEWSHOUND_METRICS_LISTEN` overrides it.
    pub listen: Option<String>,
}

/// `[recrawl]`: hub revisit intervals and article re-fetch ages.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawRecrawl {
    /// Interval a hub starts with (seconds).
    pub hub_interval_secs: f64,
    /// Least interval an adapted hub interval may reach (seconds).
    pub min_interval_secs: f64,
    /// Greatest interval an adapted hub interval may reach (seconds).
    pub max_interval_secs: f64,
    /// Hubs found deeper than this are not revisited unless a pattern names them.
    pub hub_max_depth: u16,
    /// Per-URL-pattern start intervals, first match wins.
    pub hubs: Vec<RawHubPattern>,
    /// Ages (seconds after the first fetch) at which articles are fetched again.
    pub article_ages_secs: Vec<f64>,
    /// Seconds a claimed revisit waits for its report before it is claimed again.
    pub lease_secs: f64,
}

impl Default for RawRecrawl {
    fn default() -> Self {
        let policy = RecrawlPolicy::default();
        RawRecrawl {
            hub_interval_secs: policy.hub_interval.as_secs_f64(),
            min_interval_secs: policy.min_interval.as_secs_f64(),
            max_interval_secs: policy.max_interval.as_secs_f64(),
            hub_max_depth: policy.hub_max_depth,
            hubs: Vec::new(),
            article_ages_secs: policy
                .article_ages
                .iter()
                .map(Duration::as_secs_f64)
                .collect(),
            lease_secs: policy.lease.as_secs_f64(),
        }
    }
}

/// `[[recrawl.hubs]]`: a start interval for the hubs whose URL matches.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHubPattern {
    /// A regular expression matched against the whole canonical URL.
    pub url: String,
    /// Their start interval (seconds).
    pub interval_secs: f64,
}

impl RawRecrawl {
    /// Validates the section into a policy (enabled; `run --once` disables it).
    fn policy(
        self,
        bad: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<RecrawlPolicy, ConfigError> {
        let seconds = |key: &str, value: f64| {
            if value.is_finite() && value > 0.0 && value < 1e9 {
                Ok(Duration::from_secs_f64(value))
            } else {
                Err(bad(
                    key,
                    format!("{value} is not a number of seconds above 0"),
                ))
            }
        };
        let min_interval = seconds("recrawl.min_interval_secs", self.min_interval_secs)?;
        let max_interval = seconds("recrawl.max_interval_secs", self.max_interval_secs)?;
        if max_interval < min_interval {
            return Err(bad(
                "recrawl.max_interval_secs",
                "must not be below recrawl.min_interval_secs".into(),
            ));
        }
        let mut hub_patterns = Vec::with_capacity(self.hubs.len());
        for (n, hub) in self.hubs.into_iter().enumerate() {
            let url = regex::Regex::new(&hub.url)
                .map_err(|e| bad(&format!("recrawl.hubs[{n}].url"), e.to_string()))?;
            let interval = seconds(
                &format!("recrawl.hubs[{n}].interval_secs"),
                hub.interval_secs,
            )?;
            hub_patterns.push(HubPattern { url, interval });
        }
        let mut article_ages = Vec::with_capacity(self.article_ages_secs.len());
        for (n, age) in self.article_ages_secs.into_iter().enumerate() {
            let age = seconds(&format!("recrawl.article_ages_secs[{n}]"), age)?;
            if article_ages.last().is_some_and(|last| *last >= age) {
                return Err(bad(
                    &format!("recrawl.article_ages_secs[{n}]"),
                    "ages must grow".into(),
                ));
            }
            article_ages.push(age);
        }
        Ok(RecrawlPolicy {
            enabled: true,
            hub_interval: seconds("recrawl.hub_interval_secs", self.hub_interval_secs)?,
            hub_patterns,
            min_interval,
            max_interval,
            hub_max_depth: self.hub_max_depth,
            article_ages,
            lease: seconds("recrawl.lease_secs", self.lease_secs)?,
        })
    }
}

/// `[backend]`: leave the URLs out for the embedded default.
#[derive(Clone, Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawBackend {
    /// `amqp://user:password@host:5672/vhost`; `NEWSHOUND_AMQP_URL` overrides it.
    pub amqp_url: Option<String>,
    /// `redis://host:6379/0`; `NEWSHOUND_REDIS_URL` overrides it.
    pub redis_url: Option<String>,
    /// Redis Cluster node URLs (some of them; the rest are discovered),
    /// instead of `redis_url`; `NEWSHOUND_REDIS_CLUSTER_NODES`
    /// (comma-separated) overrides it.
    pub redis_cluster_nodes: Option<Vec<String>>,
    /// RabbitMQ management API (`http://127.0.0.1:15672`), for in-flight counts.
    pub management_url: Option<String>,
    /// Prefix of every queue, exchange and Redis key of this crawl.
    pub prefix: Option<String>,
    /// Fetch queue partitions (hosts are spread over them); the same in every process.
    pub fetch_partitions: Option<u16>,
    /// URLs the seen-set is sized for (Redis buckets).
    pub expected_urls: Option<u64>,
}

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
    #[serde(default = "default_true")]
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

/// `[output]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    /// Directory of `articles.jsonl`.
    #[serde(default = "default_out_dir")]
    pub dir: PathBuf,
    /// Directory of the embedded crawl state (queues, seen-set); defaults to
    /// `state/` inside the output directory, so one directory holds one crawl.
    #[serde(default)]
    pub state_dir: Option<PathBuf>,
    /// Whether `articles.jsonl` is written (default true); set false to
    /// write to PostgreSQL only.
    #[serde(default = "default_true")]
    pub jsonl: bool,
    /// PostgreSQL to write the articles to as well (`postgres://...`);
    /// `NEWSHOUND_POSTGRES_URL` overrides it.
    #[serde(default)]
    pub postgres_url: Option<String>,
    /// The schema the tables live in (created when missing); default: the
    /// connection's `search_path` (normally `public`).
    #[serde(default)]
    pub postgres_schema: Option<String>,
    /// WARC captures of every fetched page: `true` for `OUT/warc/`, or a
    /// directory; default none.
    #[serde(default)]
    pub warc: Option<RawWarc>,
    /// Size at which a WARC file is closed and the next one started
    /// (default 1 GB, as Heritrix).
    #[serde(default = "default_warc_max_bytes")]
    pub warc_max_file_bytes: u64,
    /// The first part of WARC file names (`PREFIX-TIMESTAMP-SERIAL-HOST.warc.gz`).
    #[serde(default = "default_warc_prefix")]
    pub warc_prefix: String,
}

/// `[output] warc`: on (in `OUT/warc/`), off, or a directory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum RawWarc {
    /// `true`: `OUT/warc/`; `false`: no WARC.
    On(bool),
    /// The directory of the WARC files.
    Dir(PathBuf),
}

fn default_warc_max_bytes() -> u64 {
    1_000_000_000
}
fn default_warc_prefix() -> String {
    "newshound".into()
}

/// Validated WARC output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarcOutput {
    /// The directory of the files (`None`: `warc/` in the output directory).
    pub dir: Option<PathBuf>,
    /// Size at which a file is rotated.
    pub max_file_bytes: u64,
    /// File name prefix.
    pub prefix: String,
}

impl WarcOutput {
    /// The directory the files go to, given the run's output directory.
    pub fn dir_in(&self, out_dir: &Path) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| out_dir.join("warc"))
    }
}

impl RawOutput {
    /// Validates the WARC settings.
    fn warc(
        &self,
        bad: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<Option<WarcOutput>, ConfigError> {
        let dir = match &self.warc {
            None | Some(RawWarc::On(false)) => return Ok(None),
            Some(RawWarc::On(true)) => None,
            Some(RawWarc::Dir(dir)) if dir.as_os_str().is_empty() => {
                return Err(bad("output.warc", "an empty directory name".into()));
            }
            Some(RawWarc::Dir(dir)) => Some(dir.clone()),
        };
        const MIN: u64 = 1 << 20;
        if self.warc_max_file_bytes < MIN {
            return Err(bad(
                "output.warc_max_file_bytes",
                format!("must be at least {MIN} (got {})", self.warc_max_file_bytes),
            ));
        }
        let prefix = &self.warc_prefix;
        let valid = !prefix.is_empty()
            && prefix.len() <= 64
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !valid {
            return Err(bad(
                "output.warc_prefix",
                "1 to 64 ASCII letters, digits, `_`, `.` or `-`".into(),
            ));
        }
        Ok(Some(WarcOutput {
            dir,
            max_file_bytes: self.warc_max_file_bytes,
            prefix: prefix.clone(),
        }))
    }
}

impl Default for RawOutput {
    fn default() -> Self {
        Self {
            dir: default_out_dir(),
            state_dir: None,
            jsonl: true,
            postgres_url: None,
            postgres_schema: None,
            warc: None,
            warc_max_file_bytes: default_warc_max_bytes(),
            warc_prefix: default_warc_prefix(),
        }
    }
}

/// Validated PostgreSQL output: where and in which schema.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresOutput {
    /// Connection URL (may hold credentials: never log it whole).
    pub url: String,
    /// Schema of the tables (`None`: the connection's `search_path`).
    pub schema: Option<String>,
}

impl std::fmt::Debug for PostgresOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresOutput")
            .field("url", &"<redacted>")
            .field("schema", &self.schema)
            .finish()
    }
}

impl RawOutput {
    /// Validates the article outputs, `NEWSHOUND_POSTGRES_URL` (read through
    /// `env`) overriding `postgres_url`.
    fn postgres(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        bad: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<Option<PostgresOutput>, ConfigError> {
        let key = "output.postgres_url";
        let url = env("NEWSHOUND_POSTGRES_URL").or_else(|| self.postgres_url.clone());
        let Some(url) = url else {
            if !self.jsonl {
                return Err(bad(
                    "output.jsonl",
                    "is false and no output.postgres_url is set: articles would go nowhere".into(),
                ));
            }
            if self.postgres_schema.is_some() {
                return Err(bad(
                    "output.postgres_schema",
                    "set without output.postgres_url".into(),
                ));
            }
            return Ok(None);
        };
        // Say what is wrong without echoing the URL: it may hold a password.
        let parsed = Url::parse(&url).map_err(|e| bad(key, format!("not a URL ({e})")))?;
        if !["postgres", "postgresql"].contains(&parsed.scheme()) {
            return Err(bad(key, "scheme must be postgres or postgresql".into()));
        }
        if let Some(schema) = &self.postgres_schema {
            let valid = !schema.is_empty()
                && schema.len() <= 63
                && schema
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !schema.starts_with(|c: char| c.is_ascii_digit());
            if !valid {
                return Err(bad(
                    "output.postgres_schema",
                    "lower-case letters, digits and `_` only, not starting with a digit, \
                     at most 63"
                        .into(),
                ));
            }
        }
        Ok(Some(PostgresOutput {
            url,
            schema: self.postgres_schema.clone(),
        }))
    }
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
mod output_tests {
    use super::*;

    /// The validated PostgreSQL output of `raw` with `vars` as the
    /// environment, or the key an error names.
    fn postgres(raw: &RawOutput, vars: &[(&str, &str)]) -> Result<Option<PostgresOutput>, String> {
        let env = fake_env(vars);
        match raw.postgres(&env, &invalid_in_site_toml) {
            Ok(p) => Ok(p),
            Err(ConfigError::Invalid { key, .. }) => Err(key),
            Err(e) => Err(e.to_string()),
        }
    }

    fn warc(raw: &RawOutput) -> Result<Option<WarcOutput>, String> {
        raw.warc(&invalid_in_site_toml).map_err(|e| match e {
            ConfigError::Invalid { key, .. } => key,
            other => other.to_string(),
        })
    }

    #[test]
    fn warc_is_off_on_or_a_directory_within_its_bounds() {
        let parse = |text: &str| toml::from_str::<RawOutput>(text).map_err(|e| e.to_string());
        assert_eq!(warc(&RawOutput::default()), Ok(None));
        assert_eq!(warc(&parse("warc = false").expect("parses")), Ok(None));
        let on = warc(&parse("warc = true").expect("parses")).expect("valid");
        assert_eq!(
            on,
            Some(WarcOutput {
                dir: None,
                max_file_bytes: 1_000_000_000,
                prefix: "newshound".into(),
            })
        );
        assert_eq!(
            on.map(|w| w.dir_in(Path::new("out"))),
            Some(PathBuf::from("out/warc"))
        );
        let dir = parse(
            "warc = \"/data/warc\"\nwarc_max_file_bytes = 2000000\nwarc_prefix = \"CC-NEWS\"",
        )
        .expect("parses");
        assert_eq!(
            warc(&dir).expect("valid").map(|w| (
                w.dir_in(Path::new("out")),
                w.max_file_bytes,
                w.prefix
            )),
            Some((
                PathBuf::from("/data/warc"),
                2_000_000,
                "CC-NEWS".to_string()
            ))
        );
        assert!(parse("warc = 3").is_err(), "neither a bool nor a directory");
        for (text, key) in [
            (
                "warc = true\nwarc_max_file_bytes = 1000",
                "output.warc_max_file_bytes",
            ),
            ("warc = true\nwarc_prefix = \"a b\"", "output.warc_prefix"),
            ("warc = true\nwarc_prefix = \"\"", "output.warc_prefix"),
            ("warc = \"\"", "output.warc"),
        ] {
            assert_eq!(
                warc(&parse(text).expect("parses")),
                Err(key.to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn postgres_from_the_file_or_the_environment() {
        let file = RawOutput {
            postgres_url: Some("postgres://news@127.0.0.1:5432/news".into()),
            postgres_schema: Some("crawl_1".into()),
            ..RawOutput::default()
        };
        let expected = |url: &str| {
            Ok(Some(PostgresOutput {
                url: url.into(),
                schema: Some("crawl_1".into()),
            }))
        };
        assert_eq!(
            postgres(&file, &[]),
            expected("postgres://news@127.0.0.1:5432/news")
        );
        let env = [(
            "NEWSHOUND_POSTGRES_URL",
            "postgresql://news:secret@127.0.0.2/news",
        )];
        assert_eq!(
            postgres(&file, &env),
            expected("postgresql://news:secret@127.0.0.2/news")
        );
        assert_eq!(postgres(&RawOutput::default(), &[]), Ok(None));
        let debug = format!("{:?}", postgres(&file, &env));
        assert!(!debug.contains("secret"), "{debug}");
    }

    #[test]
    fn bad_outputs_name_their_key() {
        let nowhere = RawOutput {
            jsonl: false,
            ..RawOutput::default()
        };
        assert_eq!(postgres(&nowhere, &[]), Err("output.jsonl".into()));
        let env = [("NEWSHOUND_POSTGRES_URL", "postgres://127.0.0.1/news")];
        assert!(postgres(&nowhere, &env).is_ok(), "PostgreSQL only");
        let url = |u: &str| RawOutput {
            postgres_url: Some(u.into()),
            ..RawOutput::default()
        };
        for bad in ["redis://127.0.0.1/", "not a url"] {
            assert_eq!(postgres(&url(bad), &[]), Err("output.postgres_url".into()));
        }
        for schema in ["Crawl", "1a", "a-b", "a\"b", ""] {
            let raw = RawOutput {
                postgres_schema: Some(schema.into()),
                ..url("postgres://127.0.0.1/news")
            };
            assert_eq!(
                postgres(&raw, &[]),
                Err("output.postgres_schema".into()),
                "{schema:?}"
            );
        }
        let schema_alone = RawOutput {
            postgres_schema: Some("crawl".into()),
            ..RawOutput::default()
        };
        assert_eq!(
            postgres(&schema_alone, &[]),
            Err("output.postgres_schema".into())
        );
    }
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
fn default_true() -> bool {
    true
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
fn default_out_dir() -> PathBuf {
    "out".into()
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

/// Validated `[backend]`: RabbitMQ and Redis both named, from the file or
/// the environment.
#[derive(Clone)]
pub struct Backend {
    /// AMQP URL (may hold credentials: never log it whole).
    pub amqp_url: String,
    /// Where the Redis seen-set lives.
    pub redis: RedisTarget,
    /// RabbitMQ management API base URL.
    pub management_url: Option<String>,
    /// Name prefix.
    pub prefix: String,
    /// Fetch partitions.
    pub fetch_partitions: u16,
    /// URLs the seen-set is sized for.
    pub expected_urls: u64,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("redis", &self.redis)
            .field("prefix", &self.prefix)
            .field("fetch_partitions", &self.fetch_partitions)
            .finish_non_exhaustive()
    }
}

/// A Redis server or a Redis Cluster. The URLs may hold credentials: the
/// `Debug` form leaves them out.
#[derive(Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum RedisTarget {
    /// One server: `redis://[:password@]host:port[/db]`.
    Single(String),
    /// A Redis Cluster, reached through these node URLs (at least one; the
    /// other nodes are discovered from them).
    Cluster(Vec<String>),
}

impl std::fmt::Debug for RedisTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RedisTarget::Single(_) => f.write_str("Single(..)"),
            RedisTarget::Cluster(nodes) => write!(f, "Cluster({} nodes)", nodes.len()),
        }
    }
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

impl RawParse {
    /// Checks each bound against its sane range.
    fn limits(self, bad: &dyn Fn(&str, String) -> ConfigError) -> Result<ParseLimits, ConfigError> {
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

/// Validates `[metrics] listen`, which `NEWSHOUND_METRICS_LISTEN` (read
/// through `env`) overrides: an `IP:PORT` to bind.
fn metrics_listen(
    raw: RawMetrics,
    env: &dyn Fn(&str) -> Option<String>,
    bad: &dyn Fn(&str, String) -> ConfigError,
) -> Result<Option<SocketAddr>, ConfigError> {
    let Some(listen) = env("NEWSHOUND_METRICS_LISTEN").or(raw.listen) else {
        return Ok(None);
    };
    listen.trim().parse().map(Some).map_err(|_| {
        bad(
            "metrics.listen",
            format!("`{listen}` is not an IP address and port (e.g. 127.0.0.1:9464)"),
        )
    })
}

/// `line N: ` for the start of `span` in `text` (empty without a span).
fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    span.and_then(|span| text.get(..span.start))
        .map(|before| format!("line {}: ", before.matches('\n').count() + 1))
        .unwrap_or_default()
}

/// Validates `[backend]` with the environment overrides (read through
/// `env`) applied. `NEWSHOUND_REDIS_URL` or `NEWSHOUND_REDIS_CLUSTER_NODES`
/// replaces the file's Redis setting, whichever of the two keys it names.
fn backend(
    raw: RawBackend,
    env: &dyn Fn(&str) -> Option<String>,
    bad: &dyn Fn(&str, String) -> ConfigError,
) -> Result<Option<Backend>, ConfigError> {
    let amqp_url = env("NEWSHOUND_AMQP_URL").or(raw.amqp_url);
    let env_nodes = env("NEWSHOUND_REDIS_CLUSTER_NODES").map(|v| {
        v.split(',')
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
    });
    let (redis_url, cluster_nodes) = match (env("NEWSHOUND_REDIS_URL"), env_nodes) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "backend.redis_cluster_nodes",
                "NEWSHOUND_REDIS_URL and NEWSHOUND_REDIS_CLUSTER_NODES are both set; set one"
                    .into(),
            ));
        }
        (Some(url), None) => (Some(url), None),
        (None, Some(nodes)) => (None, Some(nodes)),
        (None, None) => (raw.redis_url, raw.redis_cluster_nodes),
    };
    let redis = match (redis_url, cluster_nodes) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "backend.redis_cluster_nodes",
                "set either backend.redis_url or backend.redis_cluster_nodes, not both".into(),
            ));
        }
        (Some(url), None) => Some(RedisTarget::Single(url)),
        (None, Some(nodes)) if nodes.is_empty() => {
            return Err(bad(
                "backend.redis_cluster_nodes",
                "must name at least one node URL".into(),
            ));
        }
        (None, Some(nodes)) => Some(RedisTarget::Cluster(nodes)),
        (None, None) => None,
    };
    let (amqp_url, redis) = match (amqp_url, redis) {
        (None, None) => return Ok(None),
        (Some(a), Some(r)) => (a, r),
        (None, Some(_)) => {
            return Err(bad(
                "backend.amqp_url",
                "needed with a Redis seen-set (backend.redis_url or redis_cluster_nodes)".into(),
            ));
        }
        (Some(_), None) => {
            return Err(bad(
                "backend.redis_url",
                "needed with backend.amqp_url (or backend.redis_cluster_nodes)".into(),
            ));
        }
    };
    let redis_urls: Vec<(&str, &String)> = match &redis {
        RedisTarget::Single(url) => vec![("backend.redis_url", url)],
        RedisTarget::Cluster(nodes) => nodes
            .iter()
            .map(|n| ("backend.redis_cluster_nodes", n))
            .collect(),
    };
    let amqp = [("backend.amqp_url", &amqp_url, &["amqp", "amqps"][..])];
    let redis_checks = redis_urls
        .into_iter()
        .map(|(key, url)| (key, url, &["redis", "rediss"][..]));
    for (key, url, schemes) in amqp.into_iter().chain(redis_checks) {
        // Say what is wrong without echoing the URL: it may hold a password.
        let parsed = Url::parse(url).map_err(|e| bad(key, format!("not a URL ({e})")))?;
        if !schemes.contains(&parsed.scheme()) {
            return Err(bad(key, format!("scheme must be one of {schemes:?}")));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(bad(key, "names no host".into()));
        }
    }
    let fetch_partitions = raw.fetch_partitions.unwrap_or(16);
    if fetch_partitions == 0 {
        return Err(bad("backend.fetch_partitions", "must be at least 1".into()));
    }
    let prefix = raw.prefix.unwrap_or_else(|| "newshound".into());
    if prefix.is_empty()
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(bad(
            "backend.prefix",
            "letters, digits, `-`, `_` and `.` only".into(),
        ));
    }
    Ok(Some(Backend {
        amqp_url,
        redis,
        management_url: raw.management_url,
        prefix,
        fetch_partitions,
        expected_urls: raw.expected_urls.unwrap_or(10_000_000).max(1),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(Path::new("site.toml"), text)
    }

    const MINIMAL: &str = "[site]\nname = \"t\"\nseeds = [\"http://127.0.0.1:8311/\"]\n";

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

    /// `backend()` with a fake environment: the error's key, or the target.
    fn redis_target(raw: RawBackend, vars: &[(&str, &str)]) -> Result<RedisTarget, String> {
        let env = fake_env(vars);
        match backend(raw, &env, &invalid_in_site_toml) {
            Ok(Some(b)) => Ok(b.redis),
            Ok(None) => Err("embedded".into()),
            Err(ConfigError::Invalid { key, .. }) => Err(key),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn redis_is_one_url_or_cluster_nodes() {
        let amqp = Some("amqp://127.0.0.1:5672/%2f".to_string());
        let nodes = vec![
            "redis://127.0.0.1:7001".to_string(),
            "redis://127.0.0.1:7002".to_string(),
        ];
        let single = RawBackend {
            amqp_url: amqp.clone(),
            redis_url: Some("redis://127.0.0.1:6379/".into()),
            ..RawBackend::default()
        };
        let cluster = RawBackend {
            amqp_url: amqp.clone(),
            redis_cluster_nodes: Some(nodes.clone()),
            ..RawBackend::default()
        };
        assert_eq!(
            redis_target(single.clone(), &[]),
            Ok(RedisTarget::Single("redis://127.0.0.1:6379/".into()))
        );
        assert_eq!(
            redis_target(cluster.clone(), &[]),
            Ok(RedisTarget::Cluster(nodes.clone()))
        );
        // The environment replaces the file's Redis setting, either kind.
        let env_nodes = [(
            "NEWSHOUND_REDIS_CLUSTER_NODES",
            " redis://127.0.0.1:7001, redis://127.0.0.1:7002 ,",
        )];
        assert_eq!(
            redis_target(single.clone(), &env_nodes),
            Ok(RedisTarget::Cluster(nodes.clone()))
        );
        let env_url = [("NEWSHOUND_REDIS_URL", "redis://127.0.0.21:6379/")];
        assert_eq!(
            redis_target(cluster.clone(), &env_url),
            Ok(RedisTarget::Single("redis://127.0.0.21:6379/".into()))
        );
        // Cluster nodes alone are enough to need (and allow) amqp_url.
        let no_amqp = RawBackend {
            amqp_url: None,
            ..cluster.clone()
        };
        assert_eq!(redis_target(no_amqp, &[]), Err("backend.amqp_url".into()));
        assert_eq!(
            redis_target(RawBackend::default(), &[]),
            Err("embedded".into())
        );
    }

    #[test]
    fn bad_redis_settings_name_their_key() {
        let amqp = Some("amqp://127.0.0.1:5672/%2f".to_string());
        let both = RawBackend {
            amqp_url: amqp.clone(),
            redis_url: Some("redis://127.0.0.1:6379/".into()),
            redis_cluster_nodes: Some(vec!["redis://127.0.0.1:7001".into()]),
            ..RawBackend::default()
        };
        assert_eq!(
            redis_target(both, &[]),
            Err("backend.redis_cluster_nodes".into())
        );
        let cases = [
            vec![],
            vec!["redis://127.0.0.1:7001".to_string(), "not a url".into()],
            vec!["http://127.0.0.1:7001".to_string()],
        ];
        for nodes in cases {
            let raw = RawBackend {
                amqp_url: amqp.clone(),
                redis_cluster_nodes: Some(nodes.clone()),
                ..RawBackend::default()
            };
            assert_eq!(
                redis_target(raw, &[]),
                Err("backend.redis_cluster_nodes".into()),
                "{nodes:?}"
            );
        }
        let raw = RawBackend {
            amqp_url: amqp.clone(),
            ..RawBackend::default()
        };
        let both_env = [
            ("NEWSHOUND_REDIS_URL", "redis://127.0.0.1:6379/"),
            ("NEWSHOUND_REDIS_CLUSTER_NODES", "redis://127.0.0.1:7001"),
        ];
        assert_eq!(
            redis_target(raw.clone(), &both_env),
            Err("backend.redis_cluster_nodes".into())
        );
        let empty_env = [("NEWSHOUND_REDIS_CLUSTER_NODES", " , ")];
        assert_eq!(
            redis_target(raw, &empty_env),
            Err("backend.redis_cluster_nodes".into())
        );
    }

    #[test]
    fn metrics_listen_from_the_file_or_the_environment() {
        let bad = |key: &str, reason: String| ConfigError::Invalid {
            file: PathBuf::from("site.toml"),
            key: key.to_string(),
            reason,
        };
        let no_env = |_: &str| None;
        let file = RawMetrics {
            listen: Some("127.0.0.1:9464".into()),
        };
        let listen = metrics_listen(file.clone(), &no_env, &bad).expect("valid");
        assert_eq!(listen, Some(SocketAddr::from(([127, 0, 0, 1], 9464))));
        assert_eq!(
            metrics_listen(RawMetrics::default(), &no_env, &bad).expect("valid"),
            None
        );
        let env = |name: &str| (name == "NEWSHOUND_METRICS_LISTEN").then(|| "[::1]:9500".into());
        let listen = metrics_listen(file, &env, &bad).expect("valid");
        assert_eq!(listen, Some("[::1]:9500".parse().expect("address")));
        let c = load(&format!("{MINIMAL}[metrics]\nlisten = \"0.0.0.0:9464\"\n")).expect("valid");
        assert_eq!(c.metrics_listen.map(|a| a.port()), Some(9464));
    }

    #[test]
    fn cluster_nodes_load_from_the_file() {
        let text = format!(
            "{MINIMAL}[backend]\namqp_url = \"amqp://127.0.0.1:5672/%2f\"\n\
             redis_cluster_nodes = [\"redis://127.0.0.1:7001\", \"redis://127.0.0.1:7002\"]\n"
        );
        let raw: RawConfig = toml::from_str(&text).expect("parses");
        assert_eq!(raw.backend.redis_cluster_nodes.map(|n| n.len()), Some(2));
    }
}
