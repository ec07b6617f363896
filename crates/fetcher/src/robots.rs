//! robots.txt per host, fetched once and cached for an hour.

use moka::future::Cache;
use robotxt::Robots;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

use crate::http;
use newshound_core::config::Politeness;

/// Largest robots.txt read (RFC 9309 asks for at least 500 KiB).
const MAX_ROBOTS_BYTES: u64 = 512 * 1024;

/// What robots.txt says for one host.
pub(crate) enum RobotsVerdict {
    /// The rules to apply.
    Rules(Arc<Robots>),
    /// The server failed (5xx) or could not be reached: hold the host.
    Unavailable(String),
}

/// Cached robots.txt rules.
pub(crate) struct RobotsCache {
    enabled: bool,
    agent: String,
    rules: Cache<String, Arc<Robots>>,
}

impl RobotsCache {
    pub(crate) fn new(p: &Politeness) -> Self {
        // The product token: "newshound/0.1 (+...)" is matched as "newshound".
        let agent = p
            .user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or("newshound")
            .to_string();
        RobotsCache {
            enabled: p.obey_robots,
            agent,
            rules: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(3600))
                .build(),
        }
    }

    /// The rules for `url`'s host, fetching robots.txt through `fetch` when
    /// not cached. Per RFC 9309: 2xx gives the file's rules, 4xx allows
    /// everything, 5xx or no answer holds the host (not cached).
    pub(crate) async fn verdict<F, Fut>(&self, url: &Url, host: &str, fetch: F) -> RobotsVerdict
    where
        F: FnOnce(Url) -> Fut,
        Fut: std::future::Future<Output = Result<http::Response, http::FetchError>>,
    {
        if !self.enabled {
            return RobotsVerdict::Rules(Arc::new(Robots::allow_all()));
        }
        let Ok(robots_url) = robotxt::robots_url(url) else {
            return RobotsVerdict::Rules(Arc::new(Robots::allow_all()));
        };
        // Concurrent first requests to a host share one robots.txt fetch;
        // failures are not cached, so the host is asked again later.
        let loaded = self
            .rules
            .try_get_with(host.to_string(), async {
                let rules = match fetch(robots_url).await {
                    Ok(r) if r.status.is_success() => Robots::parse(&r.body, self.agent.as_str()),
                    Ok(r) if r.status.is_client_error() => Robots::allow_all(),
                    Ok(r) => return Err(format!("robots.txt answered {}", r.status)),
                    Err(http::FetchError::TooLarge(_)) => Robots::allow_all(),
                    Err(e) => return Err(format!("robots.txt: {e}")),
                };
                Ok(Arc::new(rules))
            })
            .await;
        match loaded {
            Ok(rules) => RobotsVerdict::Rules(rules),
            Err(reason) => RobotsVerdict::Unavailable(reason.to_string()),
        }
    }

    /// Largest robots.txt body read.
    pub(crate) fn max_bytes(&self) -> u64 {
        MAX_ROBOTS_BYTES
    }
}
