//! robots.txt per origin (RFC 9309: scheme, host and port), fetched once and
//! cached for an hour.
//!
//! | robots.txt answer                        | verdict                                   |
//! |------------------------------------------|-------------------------------------------|
//! | 2xx                                      | its rules (the first 500 KiB are parsed)  |
//! | 4xx, or more redirects than allowed      | allow all                                 |
//! | 5xx, other statuses, no answer           | host held, robots.txt asked again after   |
//!
//! The call that loads a host's robots.txt also gets its `Sitemap:` URLs, so
//! they are announced once per load.

use moka::future::Cache;
use robotxt::Robots;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

use crate::http;
use newshound_core::config::Politeness;

/// Bytes of robots.txt read: one past what `robotxt` parses (500 KiB, the
/// least RFC 9309 allows), so it can tell a cut last line and drop it.
const MAX_ROBOTS_BYTES: u64 = robotxt::BYTE_LIMIT as u64 + 1;

/// How long parsed rules are kept.
const RULES_TTL: Duration = Duration::from_secs(3600);

/// What robots.txt says for one host.
pub(crate) enum RobotsVerdict {
    /// The rules to apply.
    Rules {
        /// The rules for our user agent.
        robots: Arc<Robots>,
        /// The file's `Sitemap:` URLs when this call loaded it, else empty.
        new_sitemaps: Vec<Url>,
    },
    /// The server failed (5xx) or could not be reached: hold the host.
    Unavailable(String),
}

/// Cached robots.txt rules, and the hosts held because of them.
pub(crate) struct RobotsCache {
    enabled: bool,
    agent: String,
    rules: Cache<String, Arc<Robots>>,
    held: Cache<String, String>,
    hold: Duration,
}

impl RobotsCache {
    /// A cache for the politeness settings; a host whose robots.txt failed
    /// (5xx, unreachable) is held for `hold` (at least a second) before
    /// robots.txt is asked for again.
    pub(crate) fn new(p: &Politeness, hold: Duration) -> Self {
        let hold = hold.max(Duration::from_secs(1));
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
                .time_to_live(RULES_TTL)
                .build(),
            held: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(hold)
                .build(),
            hold,
        }
    }

    /// The rules for `url`'s origin, fetching robots.txt through `fetch` when
    /// not cached. Per RFC 9309: 2xx gives the file's rules, 4xx allows
    /// everything, 5xx or no answer holds the origin (not cached as rules; it
    /// is not asked again for the hold time).
    pub(crate) async fn verdict<F, Fut>(&self, url: &Url, fetch: F) -> RobotsVerdict
    where
        F: FnOnce(Url) -> Fut,
        Fut: std::future::Future<Output = Result<http::Response, http::FetchError>>,
    {
        if !self.enabled {
            return allow_all();
        }
        let Ok(robots_url) = robotxt::robots_url(url) else {
            return allow_all();
        };
        let origin = origin(url);
        let host = origin.as_str();
        if let Some(reason) = self.held.get(host).await {
            return RobotsVerdict::Unavailable(reason);
        }
        // Concurrent first requests to a host share one robots.txt fetch.
        let loaded = self
            .rules
            .entry(host.to_string())
            .or_try_insert_with(async {
                let rules = match fetch(robots_url).await {
                    Ok(r) if r.status.is_success() => Robots::parse(&r.body, self.agent.as_str()),
                    Ok(r) if r.status.is_client_error() => Robots::allow_all(),
                    // Still a redirect after the hops allowed: RFC 9309 2.3.1.2
                    // lets a crawler take that as "unavailable" (4xx).
                    Ok(r) if r.status.is_redirection() => Robots::allow_all(),
                    Ok(r) => return Err(format!("robots.txt answered {}", r.status)),
                    Err(e) => return Err(format!("robots.txt: {e}")),
                };
                Ok(Arc::new(rules))
            })
            .await;
        match loaded {
            Ok(entry) => {
                let new_sitemaps = if entry.is_fresh() {
                    entry.value().sitemaps().to_vec()
                } else {
                    Vec::new()
                };
                RobotsVerdict::Rules {
                    robots: entry.into_value(),
                    new_sitemaps,
                }
            }
            Err(reason) => {
                let reason = reason.to_string();
                self.held.insert(host.to_string(), reason.clone()).await;
                RobotsVerdict::Unavailable(reason)
            }
        }
    }

    /// Drops the cached rules of `url`'s origin, so the next request loads
    /// robots.txt (and announces its sitemaps) again.
    pub(crate) async fn forget(&self, url: &Url) {
        self.rules.invalidate(&origin(url)).await;
    }

    /// Lifts the hold of `url`'s origin (a load that was cut short by a
    /// stop, or refused, says nothing about the host).
    pub(crate) async fn unhold(&self, url: &Url) {
        self.held.invalidate(&origin(url)).await;
    }

    /// How long a failing host is held.
    pub(crate) fn hold(&self) -> Duration {
        self.hold
    }

    /// Largest robots.txt body read; longer ones are cut there.
    pub(crate) fn max_bytes(&self) -> u64 {
        MAX_ROBOTS_BYTES
    }
}

/// The cache key: `http://host:port`, as RFC 9309 scopes a robots.txt.
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

fn allow_all() -> RobotsVerdict {
    RobotsVerdict::Rules {
        robots: Arc::new(Robots::allow_all()),
        new_sitemaps: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    //! RFC 9309 cases against the real `robotxt` parser, and the fetch path
    //! (status handling, hold, truncation, sitemaps) against a real HTTP
    //! server on loopback.

    use super::*;
    use axum::Router;
    use axum::http::StatusCode;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use crate::addr::AddressPolicy;
    use crate::http::Oversize;
    use newshound_core::config::FetchSettings;

    const AGENT: &str = "newshound/0.1 (+https://example.invalid/newshound)";

    fn politeness() -> Politeness {
        Politeness {
            user_agent: AGENT.into(),
            requests_per_second: 100.0,
            burst: 1,
            max_concurrent_per_host: 4,
            obey_robots: true,
        }
    }

    fn allowed(robots: &Robots, path: &str) -> bool {
        robots.is_allowed(path)
    }

    fn parsed(txt: &str) -> Robots {
        Robots::parse(txt.as_bytes(), "newshound")
    }

    #[test]
    fn longest_match_wins_and_allow_wins_ties() {
        let r = parsed(
            "User-agent: *\nDisallow: /\nAllow: /news/\nDisallow: /news/private/\nAllow: /news/private/ok\n\
             Allow: /tie\nDisallow: /tie\n",
        );
        assert!(!allowed(&r, "/"));
        assert!(!allowed(&r, "/about"));
        assert!(allowed(&r, "/news/2026/story"));
        assert!(!allowed(&r, "/news/private/x"));
        assert!(allowed(&r, "/news/private/ok.html"));
        // Equivalent allow and disallow: allow (RFC 9309 2.2.2).
        assert!(allowed(&r, "/tie"));
        // Order in the file does not matter, only length.
        let r = parsed("User-agent: *\nAllow: /a/b\nDisallow: /a\n");
        assert!(allowed(&r, "/a/b/c"));
        assert!(!allowed(&r, "/a/c"));
    }

    #[test]
    fn wildcards_and_end_anchor() {
        let r = parsed(
            "User-agent: *\nDisallow: /*.pdf$\nDisallow: /search*q=\nDisallow: /$\nAllow: /*/print$\nDisallow: /*/print\n",
        );
        assert!(!allowed(&r, "/files/report.pdf"));
        assert!(allowed(&r, "/files/report.pdf?download=1"));
        assert!(allowed(&r, "/files/report.pdfx"));
        assert!(!allowed(&r, "/search?lang=en&q=storm"));
        assert!(allowed(&r, "/searchable"));
        assert!(!allowed(&r, "/"));
        assert!(allowed(&r, "/index.html"));
        assert!(allowed(&r, "/story/print"));
        assert!(!allowed(&r, "/story/print/2"));
        // Percent-encoded and literal forms match each other.
        let r = parsed("User-agent: *\nDisallow: /%7Ejoe/\n");
        assert!(!allowed(&r, "/~joe/index.html"));
    }

    #[test]
    fn user_agent_group_selection() {
        let txt = "User-agent: *\nDisallow: /\n\n\
                   User-agent: OtherBot\nAllow: /\n\n\
                   User-agent: NewsHound\nDisallow: /members/\n\n\
                   User-agent: newshound\nDisallow: /drafts/\nCrawl-delay: 3\n";
        // Our group (matched case-insensitively on the product token, groups
        // of the same agent merged) replaces the `*` group entirely.
        let r = parsed(txt);
        assert!(allowed(&r, "/news/story"));
        assert!(!allowed(&r, "/members/x"));
        assert!(!allowed(&r, "/drafts/x"));
        assert_eq!(r.crawl_delay(), Some(Duration::from_secs(3)));
        // Without a group of its own a crawler falls back to `*`.
        let r = Robots::parse(txt.as_bytes(), "somebot");
        assert!(!allowed(&r, "/news/story"));
        assert_eq!(r.crawl_delay(), None);
        // The cache matches the product token of the configured User-Agent.
        let cache = RobotsCache::new(&politeness(), Duration::from_secs(1));
        assert_eq!(cache.agent, "newshound");
    }

    /// A loopback server whose `/robots.txt` answers with a status and body
    /// that the test can change, counting requests.
    struct Site {
        base: Url,
        hits: Arc<AtomicUsize>,
        answer: Arc<Mutex<(u16, Vec<u8>)>>,
    }

    impl Site {
        async fn start(status: u16, body: impl Into<Vec<u8>>) -> Site {
            let hits = Arc::new(AtomicUsize::new(0));
            let answer = Arc::new(Mutex::new((status, body.into())));
            let (h, a) = (hits.clone(), answer.clone());
            let app = Router::new().route(
                "/robots.txt",
                axum::routing::get(move || {
                    let (h, a) = (h.clone(), a.clone());
                    async move {
                        h.fetch_add(1, Ordering::SeqCst);
                        let (status, body) = a.lock().map(|g| g.clone()).unwrap_or_default();
                        (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body)
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind loopback");
            let addr = listener.local_addr().expect("local addr");
            tokio::spawn(async move { axum::serve(listener, app).await });
            Site {
                base: Url::parse(&format!("http://{addr}/")).expect("base URL"),
                hits,
                answer,
            }
        }

        fn set(&self, status: u16, body: &str) {
            if let Ok(mut a) = self.answer.lock() {
                *a = (status, body.as_bytes().to_vec());
            }
        }

        fn hits(&self) -> usize {
            self.hits.load(Ordering::SeqCst)
        }

        fn page(&self, path: &str) -> Url {
            self.base.join(path).expect("page URL")
        }
    }

    /// A client allowed to reach loopback, and its address policy.
    fn client() -> (reqwest::Client, Arc<AddressPolicy>) {
        let fetch = FetchSettings {
            concurrency: 4,
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            max_body_bytes: 10 << 20,
            max_redirects: 5,
            max_attempts: 3,
            retry_base_delay: Duration::from_millis(100),
            allow_private_networks: vec!["127.0.0.1/32".parse().expect("net")],
            max_crawl_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            give_up_after: Duration::from_secs(60),
        };
        let policy = Arc::new(AddressPolicy::new(&fetch.allow_private_networks));
        let client =
            http::client(&politeness(), &fetch, policy.clone(), false).expect("HTTP client");
        (client, policy)
    }

    fn timeouts() -> http::Timeouts {
        http::Timeouts {
            request: Duration::from_secs(5),
            connect: Duration::from_secs(2),
        }
    }

    /// The verdict for `url` through the real fetch path.
    async fn verdict(
        cache: &RobotsCache,
        (client, policy): &(reqwest::Client, Arc<AddressPolicy>),
        url: &Url,
    ) -> RobotsVerdict {
        let max = cache.max_bytes();
        cache
            .verdict(url, |robots_url| async move {
                http::get_following(client, policy, &robots_url, max, timeouts(), 5).await
            })
            .await
    }

    fn rules(v: RobotsVerdict) -> (Arc<Robots>, Vec<Url>) {
        match v {
            RobotsVerdict::Rules {
                robots,
                new_sitemaps,
            } => (robots, new_sitemaps),
            RobotsVerdict::Unavailable(reason) => panic!("unavailable: {reason}"),
        }
    }

    #[tokio::test]
    async fn client_errors_allow_everything() {
        for status in [404, 403, 410, 401] {
            let site = Site::start(status, "User-agent: *\nDisallow: /\n").await;
            let cache = RobotsCache::new(&politeness(), Duration::from_secs(1));
            let (robots, sitemaps) = rules(verdict(&cache, &client(), &site.page("/x")).await);
            assert!(robots.is_url_allowed(&site.page("/anything")), "{status}");
            assert!(sitemaps.is_empty());
            assert_eq!(site.hits(), 1);
        }
    }

    #[tokio::test]
    async fn server_errors_hold_the_host_then_it_is_asked_again() {
        let site = Site::start(503, "").await;
        let cache = RobotsCache::new(&politeness(), Duration::from_secs(1));
        let client = client();
        let url = site.page("/news/1");
        let RobotsVerdict::Unavailable(reason) = verdict(&cache, &client, &url).await else {
            panic!("a 503 robots.txt must hold the host");
        };
        assert!(reason.contains("503"), "{reason}");
        // Held: not asked again at once, and still unavailable.
        assert!(matches!(
            verdict(&cache, &client, &url).await,
            RobotsVerdict::Unavailable(_)
        ));
        assert_eq!(site.hits(), 1);
        // After the hold it is asked again; now it answers.
        site.set(
            200,
            "User-agent: *\nDisallow: /private/\nSitemap: http://127.0.0.1:1/sitemap.xml\n",
        );
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let (robots, sitemaps) = rules(verdict(&cache, &client, &url).await);
        assert_eq!(site.hits(), 2);
        assert!(!robots.is_url_allowed(&site.page("/private/a")));
        assert!(robots.is_url_allowed(&url));
        assert_eq!(
            sitemaps,
            [Url::parse("http://127.0.0.1:1/sitemap.xml").expect("url")]
        );
        // Cached from now on; the sitemaps were announced by the loading call only.
        let (_, sitemaps) = rules(verdict(&cache, &client, &url).await);
        assert!(sitemaps.is_empty());
        assert_eq!(site.hits(), 2);
    }

    #[tokio::test]
    async fn an_unreachable_host_is_held() {
        // A port nothing listens on any more.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        drop(listener);
        let cache = RobotsCache::new(&politeness(), Duration::from_secs(1));
        let url = Url::parse(&format!("http://{addr}/page")).expect("url");
        assert!(matches!(
            verdict(&cache, &client(), &url).await,
            RobotsVerdict::Unavailable(_)
        ));
    }

    #[tokio::test]
    async fn an_oversized_robots_txt_is_parsed_up_to_500_kib() {
        let mut txt = String::from("User-agent: *\nDisallow: /early/\n");
        while txt.len() < robotxt::BYTE_LIMIT - 100 {
            txt.push_str("# padding padding padding padding padding padding\n");
        }
        let fill = robotxt::BYTE_LIMIT - 10 - txt.len() - 2;
        txt.push_str(&format!("#{}\n", "x".repeat(fill)));
        assert_eq!(txt.len(), robotxt::BYTE_LIMIT - 10);
        // This line crosses the 500 KiB limit: cut, so it must not apply at all
        // (a cut "Allow: /" would allow everything).
        txt.push_str("Allow: /early/but-this-line-is-cut\n");
        txt.push_str("Disallow: /late/\n");
        while txt.len() < 600 * 1024 {
            txt.push_str("# more padding after the limit\n");
        }
        assert!(txt.len() as u64 > 512 * 1024);
        let site = Site::start(200, txt).await;
        let cache = RobotsCache::new(&politeness(), Duration::from_secs(1));
        let (robots, _) = rules(verdict(&cache, &client(), &site.page("/")).await);
        assert!(!robots.is_url_allowed(&site.page("/early/x")));
        assert!(!robots.is_url_allowed(&site.page("/early/but-this-line-is-cut")));
        assert!(robots.is_url_allowed(&site.page("/late/x")));
        assert!(robots.is_url_allowed(&site.page("/other")));
    }

    #[tokio::test]
    async fn the_http_read_truncates_or_fails() {
        let site = Site::start(200, vec![b'a'; 64 * 1024]).await;
        let (client, policy) = client();
        let url = site.page("/robots.txt");
        let get = |oversize| {
            http::get(
                &client,
                &policy,
                &url,
                1000,
                oversize,
                http::Ask::default(),
                timeouts(),
            )
        };
        let cut = get(Oversize::Truncate).await.expect("truncated read");
        assert_eq!(cut.body.len(), 1000);
        assert!(matches!(
            get(Oversize::Fail).await,
            Err(http::FetchError::TooLarge(1000))
        ));
    }

    #[tokio::test]
    async fn disabled_robots_allow_everything_without_a_request() {
        let site = Site::start(200, "User-agent: *\nDisallow: /\n").await;
        let mut p = politeness();
        p.obey_robots = false;
        let cache = RobotsCache::new(&p, Duration::from_secs(1));
        let (robots, _) = rules(verdict(&cache, &client(), &site.page("/x")).await);
        assert!(robots.is_url_allowed(&site.page("/x")));
        assert_eq!(site.hits(), 0);
    }
}

#[cfg(test)]
mod properties {
    //! Property test: whatever robots.txt says, parsing it, asking it about
    //! any path and pacing a host by its `Crawl-delay` never panic, and an
    //! `Allow: /` group with nothing else allows every path.
    //! `PROPTEST_CASES=20000 cargo test --release -p newshound-fetcher properties`
    //! runs it longer.

    use super::*;
    use crate::hosts::Pace;
    use proptest::prelude::*;

    fn pattern() -> impl Strategy<Value = String> {
        prop_oneof![
            "/[a-z0-9*$%?=&./~-]{0,20}",
            "[ -~]{0,20}",
            Just("/".to_string()),
            Just("*".to_string()),
            Just("/$".to_string()),
            Just("/%7E%zz%".to_string()),
        ]
    }

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => prop_oneof![Just("*"), Just("newshound"), Just("NewsHound/2.0"), Just("other")]
                .prop_map(|a| format!("User-agent: {a}")),
            3 => pattern().prop_map(|p| format!("Disallow: {p}")),
            3 => pattern().prop_map(|p| format!("Allow: {p}")),
            2 => prop_oneof![
                any::<u64>().prop_map(|n| n.to_string()),
                any::<f64>().prop_map(|f| f.to_string()),
                Just("-5".to_string()),
                Just("1e400".to_string()),
                Just("NaN".to_string()),
                "[ -~]{0,10}",
            ]
            .prop_map(|d| format!("Crawl-delay: {d}")),
            1 => "[ -~]{0,60}".prop_map(|u| format!("Sitemap: {u}")),
            1 => "[ -~\\t\\u{80}-\\u{10ffff}]{0,60}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn any_robots_txt_is_safe_to_obey(
            lines in prop::collection::vec(line(), 0..30),
            bytes in prop::collection::vec(any::<u8>(), 0..200),
            paths in prop::collection::vec("/[ -~]{0,30}", 1..8),
        ) {
            let mut txt = lines.join("\n").into_bytes();
            txt.extend_from_slice(&bytes);
            let robots = Robots::parse(&txt, "newshound");
            let p = Politeness {
                user_agent: "newshound/0.1".into(),
                requests_per_second: 2.0,
                burst: 1,
                max_concurrent_per_host: 2,
                obey_robots: true,
            };
            let pace = Pace::new(&p, None);
            for path in &paths {
                let _ = robots.is_allowed(path);
                if let Ok(url) = Url::parse(&format!("http://127.0.0.1:1{path}")) {
                    let _ = robots.is_url_allowed(&url);
                }
            }
            if let Some(delay) = robots.crawl_delay() {
                let capped = delay.min(Duration::from_secs(30));
                prop_assert!(capped <= Duration::from_secs(30));
                prop_assert!(pace.period > Duration::ZERO);
            }
            for sitemap in robots.sitemaps() {
                prop_assert!(!sitemap.as_str().is_empty());
            }
        }

        #[test]
        fn allow_all_allows_every_path(paths in prop::collection::vec("/[ -~]{0,30}", 1..8)) {
            let robots = Robots::parse(b"User-agent: *\nAllow: /\n", "newshound");
            for path in &paths {
                prop_assert!(robots.is_allowed(path), "{}", path);
            }
        }
    }
}
