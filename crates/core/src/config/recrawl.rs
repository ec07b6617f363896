//! `[recrawl]`: when hubs and articles are visited again.

use serde::Deserialize;
use std::time::Duration;

use super::ConfigError;
use crate::recrawl::{HubPattern, RecrawlPolicy};

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
    pub(super) fn policy(
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

#[cfg(test)]
mod tests {
    use crate::config::tests::{MINIMAL, assert_rejected, load};
    use std::time::Duration;

    #[test]
    fn hub_patterns_take_their_interval() {
        let c = load(&format!(
            "{MINIMAL}[[recrawl.hubs]]\nurl = \"^http://127\\\\.0\\\\.0\\\\.1:8311/$\"\ninterval_secs = 60\n"
        ))
        .expect("valid");
        assert!(c.recrawl.enabled);
        let intervals: Vec<Duration> = c.recrawl.hub_patterns.iter().map(|h| h.interval).collect();
        assert_eq!(intervals, [Duration::from_secs(60)]);
        assert!(
            c.recrawl.hub_patterns[0]
                .url
                .is_match("http://127.0.0.1:8311/")
        );
    }

    #[test]
    fn bad_recrawl_keys_are_named() {
        assert_rejected(&[
            (
                format!("{MINIMAL}[recrawl]\nmin_interval_secs = 10\nmax_interval_secs = 5\n"),
                "recrawl.max_interval_secs",
            ),
            (
                format!("{MINIMAL}[recrawl]\narticle_ages_secs = [60, 30]\n"),
                "recrawl.article_ages_secs[1]",
            ),
            (
                format!("{MINIMAL}[recrawl]\nhub_interval_secs = -1\n"),
                "recrawl.hub_interval_secs",
            ),
            (
                format!("{MINIMAL}[[recrawl.hubs]]\nurl = \"(\"\ninterval_secs = 5\n"),
                "recrawl.hubs[0].url",
            ),
        ]);
    }
}
