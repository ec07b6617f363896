//! `[backend]`: RabbitMQ and Redis for the distributed mode, with the
//! environment overrides.

use serde::Deserialize;
use url::Url;

use super::ConfigError;

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

/// Validated `[backend]`: RabbitMQ and Redis both named, from the file or
/// the environment, and the settings the file gives. A setting left out is
/// `None`: the broker (`newshound_broker::AmqpConfig::for_backend`,
/// `RedisConfig::for_backend`) owns its default, which `config/default.toml`
/// documents.
#[derive(Clone)]
pub struct Backend {
    /// AMQP URL (may hold credentials: never log it whole).
    pub amqp_url: String,
    /// Where the Redis seen-set lives.
    pub redis: RedisTarget,
    /// RabbitMQ management API base URL.
    pub management_url: Option<String>,
    /// Name prefix (letters, digits, `-`, `_` and `.`).
    pub prefix: Option<String>,
    /// Fetch partitions (at least 1).
    pub fetch_partitions: Option<u16>,
    /// URLs the seen-set is sized for (at least 1).
    pub expected_urls: Option<u64>,
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
#[derive(Clone, PartialEq, Eq)]
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

impl RawBackend {
    /// Validates `[backend]` with the environment overrides (read through
    /// `env`) applied. `NEWSHOUND_REDIS_URL` or `NEWSHOUND_REDIS_CLUSTER_NODES`
    /// replaces the file's Redis setting, whichever of the two keys it names.
    pub(super) fn validate(
        self,
        env: &dyn Fn(&str) -> Option<String>,
        bad: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<Option<Backend>, ConfigError> {
        let amqp_url = env("NEWSHOUND_AMQP_URL").or(self.amqp_url);
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
            (None, None) => (self.redis_url, self.redis_cluster_nodes),
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
                    "needed with a Redis seen-set (backend.redis_url or redis_cluster_nodes)"
                        .into(),
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
        if self.fetch_partitions == Some(0) {
            return Err(bad("backend.fetch_partitions", "must be at least 1".into()));
        }
        if let Some(prefix) = &self.prefix
            && (prefix.is_empty()
                || !prefix
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        {
            return Err(bad(
                "backend.prefix",
                "letters, digits, `-`, `_` and `.` only".into(),
            ));
        }
        Ok(Some(Backend {
            amqp_url,
            redis,
            management_url: self.management_url,
            prefix: self.prefix,
            fetch_partitions: self.fetch_partitions,
            expected_urls: self.expected_urls.map(|n| n.max(1)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::MINIMAL;
    use crate::config::{RawConfig, fake_env, invalid_in_site_toml};

    /// `RawBackend::validate` with a fake environment: the error's key, or the target.
    fn redis_target(raw: RawBackend, vars: &[(&str, &str)]) -> Result<RedisTarget, String> {
        let env = fake_env(vars);
        match raw.validate(&env, &invalid_in_site_toml) {
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
    fn cluster_nodes_load_from_the_file() {
        let text = format!(
            "{MINIMAL}[backend]\namqp_url = \"amqp://127.0.0.1:5672/%2f\"\n\
             redis_cluster_nodes = [\"redis://127.0.0.1:7001\", \"redis://127.0.0.1:7002\"]\n"
        );
        let raw: RawConfig = toml::from_str(&text).expect("parses");
        assert_eq!(raw.backend.redis_cluster_nodes.map(|n| n.len()), Some(2));
    }
}
