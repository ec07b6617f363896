//! `[metrics]`: where the Prometheus endpoint is served.

use serde::Deserialize;
use std::net::SocketAddr;

use super::ConfigError;

/// `[metrics]`: where `/metrics` is served; absent, no endpoint.
#[derive(Clone, Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    /// `IP:PORT` to serve `/metrics` on; `NEWSHOUND_METRICS_LISTEN` overrides it.
    pub listen: Option<String>,
}

impl RawMetrics {
    /// Validates `[metrics] listen`, which `NEWSHOUND_METRICS_LISTEN` (read
    /// through `env`) overrides: an `IP:PORT` to bind.
    pub(super) fn listen(
        self,
        env: &dyn Fn(&str) -> Option<String>,
        bad: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<Option<SocketAddr>, ConfigError> {
        let Some(listen) = env("NEWSHOUND_METRICS_LISTEN").or(self.listen) else {
            return Ok(None);
        };
        listen.trim().parse().map(Some).map_err(|_| {
            bad(
                "metrics.listen",
                format!("`{listen}` is not an IP address and port (e.g. 127.0.0.1:9464)"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::assert_rejected;
    use crate::config::tests::{MINIMAL, load};
    use std::path::PathBuf;

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
        let listen = file.clone().listen(&no_env, &bad).expect("valid");
        assert_eq!(listen, Some(SocketAddr::from(([127, 0, 0, 1], 9464))));
        assert_eq!(
            RawMetrics::default().listen(&no_env, &bad).expect("valid"),
            None
        );
        let env = |name: &str| (name == "NEWSHOUND_METRICS_LISTEN").then(|| "[::1]:9500".into());
        let listen = file.listen(&env, &bad).expect("valid");
        assert_eq!(listen, Some("[::1]:9500".parse().expect("address")));
        let c = load(&format!("{MINIMAL}[metrics]\nlisten = \"0.0.0.0:9464\"\n")).expect("valid");
        assert_eq!(c.metrics_listen.map(|a| a.port()), Some(9464));
    }

    #[test]
    fn bad_metrics_keys_are_named() {
        assert_rejected(&[
            (
                format!("{MINIMAL}[metrics]\nlisten = \"localhost\"\n"),
                "metrics.listen",
            ),
            (format!("{MINIMAL}[metrics]\nport = 9464\n"), "port"),
        ]);
    }
}
