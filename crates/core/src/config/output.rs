//! `[output]`: where articles go (JSONL, PostgreSQL), WARC captures and the
//! embedded state directory.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use url::Url;

use super::ConfigError;

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
    #[serde(default = "super::default_true")]
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
    pub(super) fn warc(
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
    pub(super) fn postgres(
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

fn default_out_dir() -> PathBuf {
    "out".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{fake_env, invalid_in_site_toml};

    /// The validated PostgreSQL output of `raw` with `vars` as the
    /// environment, or the key an error names.
    pub(super) fn postgres(
        raw: &RawOutput,
        vars: &[(&str, &str)],
    ) -> Result<Option<PostgresOutput>, String> {
        let env = fake_env(vars);
        match raw.postgres(&env, &invalid_in_site_toml) {
            Ok(p) => Ok(p),
            Err(ConfigError::Invalid { key, .. }) => Err(key),
            Err(e) => Err(e.to_string()),
        }
    }

    pub(super) fn warc(raw: &RawOutput) -> Result<Option<WarcOutput>, String> {
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
