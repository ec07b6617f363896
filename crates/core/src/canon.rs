//! URL canonicalization, fingerprints and scope rules, applied by the frontier
//! before deduplication so that one story is one URL.

use url::Url;

/// Query parameters removed by default: analytics and click trackers that never
/// change the page. A trailing `*` matches any suffix.
pub const DEFAULT_STRIP_PARAMS: &[&str] = &[
    "utm_*",
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "yclid",
    "igshid",
    "_ga",
    "_gl",
    "ref_src",
    "cmpid",
    "ocid",
    "ncid",
    "sessionid",
    "phpsessid",
    "jsessionid",
    "sid",
];

/// How URLs are canonicalized.
#[derive(Clone, Debug)]
pub struct CanonRules {
    strip_exact: Vec<String>,
    strip_prefix: Vec<String>,
}

impl Default for CanonRules {
    fn default() -> Self {
        Self::new(DEFAULT_STRIP_PARAMS.iter().copied())
    }
}

impl CanonRules {
    /// Rules stripping the given query parameters (case-insensitive; `name*` strips a prefix).
    pub fn new<'a>(strip_params: impl IntoIterator<Item = &'a str>) -> Self {
        let mut rules = CanonRules {
            strip_exact: Vec::new(),
            strip_prefix: Vec::new(),
        };
        for p in strip_params {
            let p = p.to_ascii_lowercase();
            match p.strip_suffix('*') {
                Some(prefix) => rules.strip_prefix.push(prefix.to_string()),
                None => rules.strip_exact.push(p),
            }
        }
        rules
    }

    fn strips(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.strip_exact.contains(&name)
            || self
                .strip_prefix
                .iter()
                .any(|p| name.starts_with(p.as_str()))
    }

    /// The canonical form of an http(s) URL, or `None` for other schemes.
    ///
    /// Lower-cases scheme and host and drops the default port (done by `url`
    /// on parse), drops the fragment, strips tracking parameters, sorts the
    /// remaining query parameters, decodes percent-escapes of unreserved
    /// characters and upper-cases the hex of the others.
    pub fn canonicalize(&self, url: &Url) -> Option<Url> {
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return None;
        }
        let mut out = url.clone();
        out.set_fragment(None);
        let path = normalize_escapes(url.path());
        out.set_path(&path);
        match url.query() {
            None => {}
            Some(query) => {
                let mut params: Vec<(String, &str)> = query
                    .split('&')
                    .filter(|pair| !pair.is_empty())
                    .filter(|pair| !self.strips(pair.split('=').next().unwrap_or(pair)))
                    .map(|pair| (normalize_escapes(pair), pair))
                    .collect();
                params.sort();
                params.dedup_by(|a, b| a.0 == b.0);
                if params.is_empty() {
                    out.set_query(None);
                } else {
                    let joined: Vec<&str> = params.iter().map(|(p, _)| p.as_str()).collect();
                    out.set_query(Some(&joined.join("&")));
                }
            }
        }
        Some(out)
    }
}

/// Decodes `%XX` escapes of unreserved characters (RFC 3986 §2.3) and upper-cases
/// the hex digits of the escapes that stay.
fn normalize_escapes(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2]));
            if let (Some(hi), Some(lo)) = hex {
                let byte = hi * 16 + lo;
                // A decoded hex digit after a stray `%` ("%4%41") would make a new escape
                // that the next pass decodes: such an escape stays, so that the result is a
                // fixed point.
                let tail = out.as_bytes();
                let forms_escape = byte.is_ascii_hexdigit()
                    && (tail.last() == Some(&b'%')
                        || (tail.len() >= 2
                            && tail[tail.len() - 2] == b'%'
                            && tail[tail.len() - 1].is_ascii_hexdigit()));
                if !forms_escape
                    && (byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~'))
                {
                    out.push(byte as char);
                } else {
                    out.push('%');
                    out.push(bytes[i + 1].to_ascii_uppercase() as char);
                    out.push(bytes[i + 2].to_ascii_uppercase() as char);
                }
                i += 3;
                continue;
            }
        }
        // Non-ASCII bytes cannot occur: `url` percent-encodes them on parse.
        out.push(bytes[i] as char);
        i += 1;
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The 64-bit dedup key of a canonical URL.
pub fn fingerprint(url: &Url) -> u64 {
    xxhash_rust::xxh3::xxh3_64(url.as_str().as_bytes())
}

/// The politeness key of a URL: host and port (`example.com`, `127.0.0.1:8311`).
pub fn host_key(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => String::new(),
    }
}

/// Why a URL is out of scope.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutOfScope {
    /// Its host is not one of the site's.
    #[error("host not allowed")]
    Host,
    /// It is further from the seeds than `max_depth`.
    #[error("too deep")]
    Depth,
    /// It is longer than `max_url_length`.
    #[error("URL too long")]
    Length,
    /// It has more query parameters than `max_query_params`.
    #[error("too many query parameters")]
    QueryParams,
    /// It is a list page numbered beyond `max_page` (a pagination trap).
    #[error("page number beyond the limit")]
    Pagination,
    /// It names a year before `oldest_year` or after next year (a calendar trap).
    #[error("date outside the crawled years")]
    Calendar,
}

/// Bounds on the endless URL spaces of a site: numbered list pages and
/// calendars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrapLimits {
    /// Highest list page followed (`?page=N`, `?p=N`, `/page/N`).
    pub max_page: u64,
    /// Oldest year a URL may name (`/2019/05/`, `?year=2019`, `?date=2019-05-01`);
    /// the newest is next year.
    pub oldest_year: i32,
}

impl Default for TrapLimits {
    fn default() -> Self {
        TrapLimits {
            max_page: 200,
            oldest_year: 1990,
        }
    }
}

/// Query parameters that number list pages.
const PAGE_PARAMS: &[&str] = &["page", "p", "pg", "paged", "pagenum", "page_no"];

/// Query parameters that name a date or a year.
const DATE_PARAMS: &[&str] = &["date", "day", "year", "month", "archive", "d"];

impl TrapLimits {
    /// The page number a URL asks for, if any.
    fn page_number(url: &Url) -> Option<u64> {
        let from_query = url.query_pairs().find_map(|(k, v)| {
            PAGE_PARAMS
                .contains(&k.to_ascii_lowercase().as_str())
                .then(|| v.parse::<u64>().ok())
                .flatten()
        });
        let mut segments = url.path_segments()?;
        let from_path = std::iter::from_fn(|| segments.next())
            .collect::<Vec<_>>()
            .windows(2)
            .find_map(|w| (w[0] == "page").then(|| w[1].parse::<u64>().ok()).flatten());
        from_query.or(from_path)
    }

    /// The years a URL names: four-digit path segments and the leading
    /// digits of date parameters.
    fn years(url: &Url) -> Vec<i32> {
        let mut years: Vec<i32> = url
            .path_segments()
            .into_iter()
            .flatten()
            .filter(|s| s.len() == 4)
            .filter_map(year_prefix)
            .collect();
        years.extend(url.query_pairs().filter_map(|(k, v)| {
            DATE_PARAMS
                .contains(&k.to_ascii_lowercase().as_str())
                .then(|| year_prefix(&v))
                .flatten()
        }));
        years
    }

    fn check(&self, url: &Url) -> Result<(), OutOfScope> {
        if Self::page_number(url).is_some_and(|n| n > self.max_page) {
            return Err(OutOfScope::Pagination);
        }
        let newest = chrono::Datelike::year(&chrono::Utc::now()) + 1;
        if Self::years(url)
            .into_iter()
            .any(|y| y < self.oldest_year || y > newest)
        {
            return Err(OutOfScope::Calendar);
        }
        Ok(())
    }
}

/// The year `s` starts with (`2019`, `2019-05-01`, `201905`, `20190501`):
/// a run of 4, 6 or 8 digits whose first four are 1000 to 2999.
fn year_prefix(s: &str) -> Option<i32> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits != 4 && digits != 6 && digits != 8 {
        return None;
    }
    s.get(..4)?
        .parse::<i32>()
        .ok()
        .filter(|y| (1000..3000).contains(y))
}

/// Which URLs a site's crawl may fetch.
#[derive(Clone, Debug)]
pub struct Scope {
    hosts: Vec<HostPattern>,
    max_depth: u16,
    max_url_length: usize,
    max_query_params: usize,
    traps: TrapLimits,
}

#[derive(Clone, Debug)]
enum HostPattern {
    /// `example.com` or `127.0.0.1:8311` (port optional).
    Exact { host: String, port: Option<u16> },
    /// `*.example.com`: the domain and its subdomains.
    Subdomains(String),
}

impl Scope {
    /// A scope from host patterns (`example.com`, `*.example.com`, `127.0.0.1:8311`).
    ///
    /// # Errors
    /// Returns the pattern that is not a host name with an optional port.
    pub fn new(
        hosts: &[String],
        max_depth: u16,
        max_url_length: usize,
        max_query_params: usize,
    ) -> Result<Self, String> {
        let mut patterns = Vec::with_capacity(hosts.len());
        for h in hosts {
            let h = h.trim().to_ascii_lowercase();
            if let Some(domain) = h.strip_prefix("*.") {
                if domain.is_empty() || domain.contains([':', '/', '*']) {
                    return Err(h);
                }
                patterns.push(HostPattern::Subdomains(domain.to_string()));
                continue;
            }
            let parsed = Url::parse(&format!("http://{h}/")).map_err(|_| h.clone())?;
            let host = parsed.host_str().ok_or_else(|| h.clone())?.to_string();
            if parsed.path() != "/" || h.contains(['/', '@', '?', '#']) {
                return Err(h);
            }
            let port = if h
                .rsplit_once(':')
                .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
            {
                parsed.port_or_known_default()
            } else {
                None
            };
            patterns.push(HostPattern::Exact { host, port });
        }
        Ok(Scope {
            hosts: patterns,
            max_depth,
            max_url_length,
            max_query_params,
            traps: TrapLimits::default(),
        })
    }

    /// The same scope with other pagination and calendar bounds.
    #[must_use]
    pub fn with_trap_limits(mut self, traps: TrapLimits) -> Scope {
        self.traps = traps;
        self
    }

    /// The host names (or domains, for `*.` patterns) the site covers, without ports.
    pub fn host_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::with_capacity(self.hosts.len());
        for p in &self.hosts {
            let name = match p {
                HostPattern::Exact { host, .. } => host,
                HostPattern::Subdomains(domain) => domain,
            };
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// Whether the site covers this URL's host.
    pub fn allows_host(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        self.hosts.iter().any(|p| match p {
            HostPattern::Exact { host: h, port } => {
                h == host && port.is_none_or(|p| Some(p) == url.port_or_known_default())
            }
            HostPattern::Subdomains(d) => {
                host == d
                    || host
                        .strip_suffix(d.as_str())
                        .is_some_and(|s| s.ends_with('.'))
            }
        })
    }

    /// Checks a canonical URL found at `depth` links from the seeds.
    ///
    /// # Errors
    /// Says which rule the URL breaks.
    pub fn check(&self, url: &Url, depth: u16) -> Result<(), OutOfScope> {
        if !self.allows_host(url) {
            return Err(OutOfScope::Host);
        }
        if depth > self.max_depth {
            return Err(OutOfScope::Depth);
        }
        if url.as_str().len() > self.max_url_length {
            return Err(OutOfScope::Length);
        }
        if url.query_pairs().count() > self.max_query_params {
            return Err(OutOfScope::QueryParams);
        }
        self.traps.check(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        let url = Url::parse(s).expect("test URL parses");
        CanonRules::default()
            .canonicalize(&url)
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn drops_fragment_default_port_and_trackers() {
        assert_eq!(
            canon("HTTP://Example.COM:80/a/b.html?utm_source=x&id=3&fbclid=y#comments"),
            "http://example.com/a/b.html?id=3"
        );
        assert_eq!(
            canon("https://example.com:443/?utm_medium=z"),
            "https://example.com/"
        );
        assert_eq!(
            canon("http://127.0.0.1:8311/x#top"),
            "http://127.0.0.1:8311/x"
        );
    }

    #[test]
    fn sorts_query_and_normalizes_escapes() {
        assert_eq!(
            canon("http://e.com/%7euser/%2fa%2Fb?b=2&a=%4a%2f"),
            "http://e.com/~user/%2Fa%2Fb?a=J%2F&b=2"
        );
        assert_eq!(
            canon("http://e.com/p?b=1&a=2&b=1"),
            "http://e.com/p?a=2&b=1"
        );
        assert_eq!(canon("http://e.com/p?"), "http://e.com/p");
    }

    #[test]
    fn rejects_other_schemes() {
        assert_eq!(canon("mailto:reporter@example.com"), "");
        assert_eq!(canon("javascript:void(0)"), "");
        assert_eq!(canon("ftp://e.com/file"), "");
    }

    #[test]
    fn canonicalization_is_idempotent() {
        for s in [
            "http://e.com/a/../b/./c?z=1&y=%41#f",
            "https://www.koreatimes.co.kr/www/nation/2023/01/113_344277.html?utm_campaign=a",
            "http://127.0.0.1:8311/section/politics?page=2&utm_source=rss",
            "http://e.com/%E2%82%AC?q=%e2%82%ac&x",
        ] {
            let once = canon(s);
            assert_eq!(canon(&once), once, "{s}");
        }
    }

    #[test]
    fn pagination_and_calendar_traps_stop_at_their_bounds() {
        let hosts = ["news.example.com".to_string()];
        let scope = Scope::new(&hosts, 50, 2000, 10)
            .expect("valid patterns")
            .with_trap_limits(TrapLimits {
                max_page: 30,
                oldest_year: 2000,
            });
        let check = |u: &str| scope.check(&Url::parse(u).expect("test url"), 1);
        let next_year = chrono::Datelike::year(&chrono::Utc::now()) + 1;
        for ok in [
            "http://news.example.com/section/world?page=30",
            "http://news.example.com/tag/rates/page/2",
            "http://news.example.com/world/2024/05/01/story-123456",
            "http://news.example.com/archive?date=2001-01-31",
            &format!("http://news.example.com/calendar/{next_year}/01"),
            "http://news.example.com/story-12345678",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for (trap, why) in [
            (
                "http://news.example.com/section/world?page=31",
                OutOfScope::Pagination,
            ),
            (
                "http://news.example.com/tag/rates/page/4000",
                OutOfScope::Pagination,
            ),
            (
                "http://news.example.com/list?p=99999",
                OutOfScope::Pagination,
            ),
            (
                "http://news.example.com/calendar/1999/12",
                OutOfScope::Calendar,
            ),
            (
                "http://news.example.com/events?date=2999-01-01",
                OutOfScope::Calendar,
            ),
            (
                "http://news.example.com/archive?year=1970",
                OutOfScope::Calendar,
            ),
        ] {
            assert_eq!(check(trap), Err(why), "{trap}");
        }
        let far = format!("http://news.example.com/calendar/{}/01", next_year + 1);
        assert_eq!(check(&far), Err(OutOfScope::Calendar));
    }

    #[test]
    fn scope_host_names_drop_ports_and_wildcards() {
        let hosts = [
            "127.0.0.11:8311",
            "127.0.0.11:8312",
            "*.example.com",
            "news.example.org",
        ]
        .map(String::from);
        let scope = Scope::new(&hosts, 5, 2000, 10).expect("valid patterns");
        assert_eq!(
            scope.host_names(),
            ["127.0.0.11", "example.com", "news.example.org"]
        );
    }

    #[test]
    fn scope_hosts_ports_and_subdomains() {
        let hosts = vec![
            "127.0.0.1:8311".into(),
            "*.example.com".into(),
            "news.org".into(),
        ];
        let scope = Scope::new(&hosts, 3, 200, 5).expect("valid scope");
        let ok = |s: &str, d| scope.check(&Url::parse(s).expect("url"), d);
        assert_eq!(ok("http://127.0.0.1:8311/a", 0), Ok(()));
        assert_eq!(ok("http://127.0.0.1:8312/a", 0), Err(OutOfScope::Host));
        assert_eq!(ok("https://www.example.com/a", 1), Ok(()));
        assert_eq!(ok("https://example.com/a", 1), Ok(()));
        assert_eq!(ok("https://badexample.com/a", 1), Err(OutOfScope::Host));
        assert_eq!(ok("https://news.org/a", 3), Ok(()));
        assert_eq!(ok("http://news.org:8080/a", 3), Ok(()));
        assert_eq!(ok("https://news.org/a", 4), Err(OutOfScope::Depth));
        assert_eq!(
            ok(&format!("https://news.org/{}", "a".repeat(300)), 0),
            Err(OutOfScope::Length)
        );
        assert_eq!(
            ok("https://news.org/?a=1&b=2&c=3&d=4&e=5&f=6", 0),
            Err(OutOfScope::QueryParams)
        );
    }

    #[test]
    fn scope_rejects_bad_patterns() {
        for bad in ["http://x.com/", "x.com/path", "*.", "a b"] {
            assert!(Scope::new(&[bad.to_string()], 1, 10, 1).is_err(), "{bad}");
        }
    }

    #[test]
    fn fingerprint_differs_per_url() {
        let a = Url::parse("http://e.com/a").expect("url");
        let b = Url::parse("http://e.com/b").expect("url");
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert_eq!(host_key(&a), "e.com");
    }
}
