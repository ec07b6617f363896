//! The crawl configuration: one TOML file per site, parsed into raw structs
//! that reject unknown keys, then validated into [`Config`].
//!
//! `config/default.toml` documents every key with its default.
//!
//! Layout: [`Config::load`] here parses the whole file into [`RawConfig`]
//! and [`RawConfig::validate`] hands each section to its own module, which
//! holds the section as written (with its defaults), its validated form and
//! the checks, each naming the dotted key it rejects:
//! - `site`: `[site]`, the seeds and the scope;
//! - `fetch`: `[politeness]`, `[fetch]` and the private networks that may be fetched;
//! - `recrawl`: `[recrawl]`, into a [`RecrawlPolicy`];
//! - `backend`: `[backend]` (RabbitMQ and Redis) with its environment overrides;
//! - `output`: `[output]`: JSONL, PostgreSQL, WARC and the embedded state directory;
//! - `parse`: `[parse]`, the parser's per-document bounds;
//! - `metrics`: `[metrics]`, the Prometheus endpoint.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use url::Url;

use crate::canon::{CanonRules, Scope};
use crate::recrawl::RecrawlPolicy;
use newshound_model::RawSelectors;

mod backend;
mod fetch;
mod metrics;
mod output;
mod parse;
mod recrawl;
mod site;

pub use backend::{Backend, RawBackend, RedisTarget};
pub use fetch::{
    FetchSettings, MAX_BODY_BYTES, MAX_RATE, MIN_RATE, Politeness, RawFetch, RawPoliteness,
};
pub use metrics::RawMetrics;
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
        let site = self.site.validate(&bad)?;
        let (politeness, fetch) = fetch::validate(self.politeness, self.fetch, &bad)?;
        let parse = self.parse.limits(&bad)?;
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let backend = self.backend.validate(&env, &bad)?;
        let postgres = self.output.postgres(&env, &bad)?;
        let warc = self.output.warc(&bad)?;
        let recrawl = self.recrawl.policy(&bad)?;
        let metrics_listen = self.metrics.listen(&env, &bad)?;
        Ok(Config {
            file: file.to_path_buf(),
            name: site.name,
            seeds: site.seeds,
            scope: site.scope,
            canon: site.canon,
            timezone: site.timezone,
            politeness,
            fetch,
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

    /// Each text is refused with an error that names the file and its key.
    pub(super) fn assert_rejected(cases: &[(String, &str)]) {
        for (text, key) in cases {
            let err = load(text).expect_err(text).to_string();
            assert!(err.starts_with("site.toml"), "{err}");
            assert!(err.contains(key), "{key} not in {err}");
        }
    }

    /// `text` with the commented-out `# KEY = VALUE` lines of `keys` in
    /// `[section]` made live; each must be there.
    pub(super) fn uncomment(text: &str, section: &str, keys: &[&str]) -> String {
        let header = format!("[{section}]");
        let mut in_section = false;
        let mut found = Vec::new();
        let lines: Vec<&str> = text
            .lines()
            .map(|line| {
                if line.starts_with('[') {
                    in_section = line == header;
                }
                let live = line.strip_prefix("# ").filter(|rest| {
                    keys.iter()
                        .any(|key| rest.starts_with(&format!("{key} = ")))
                });
                match live {
                    Some(rest) if in_section => {
                        found.push(rest.split(' ').next().unwrap_or_default().to_string());
                        rest
                    }
                    _ => line,
                }
            })
            .collect();
        for key in keys {
            assert!(
                found.iter().any(|f| f == key),
                "config/default.toml documents no `# {key} = ...` in [{section}]"
            );
        }
        lines.join("\n")
    }

    /// Every value `config/default.toml` sets, or gives commented out as the
    /// default, is the default: the file loads into the same [`Config`] as
    /// one that only names the site (and turns WARC on, for its settings).
    #[test]
    fn default_toml_gives_the_defaults() {
        let documented = include_str!("../../../../config/default.toml");
        let documented = uncomment(
            documented,
            "output",
            &["warc", "warc_max_file_bytes", "warc_prefix"],
        );
        let documented = load(&documented).expect("config/default.toml is valid");
        let minimal = load(
            "[site]\nname = \"example\"\nseeds = [\"https://www.example.com/\"]\n\
             [output]\nwarc = true\n",
        )
        .expect("valid");
        let (documented, minimal) = (format!("{documented:#?}"), format!("{minimal:#?}"));
        for (documented, default) in documented.lines().zip(minimal.lines()) {
            assert_eq!(
                documented, default,
                "config/default.toml against the defaults"
            );
        }
        assert_eq!(documented.lines().count(), minimal.lines().count());
    }
}
