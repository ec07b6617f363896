//! The generated site: articles, listings, site-wide picks, and request routing.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::{SliceRandom, index};
use rand::{RngExt, SeedableRng};

use crate::model::{Article, ENTERTAINMENT, SECTIONS};
use crate::render::chrome::{self, Chrome, Picks};
use crate::render::{Origin, Response, article, assets, feeds, hub};
use crate::truth::{KST, TruthArticle};
use crate::{content, seed};

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiteOptions {
    /// Number of articles (the first is the one built from the seed page).
    pub articles: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of hosts the articles are spread over (1: a single-host site). Every host serves the home and
    /// section pages, `robots.txt` and the feed; each article lives on one host, and pages link across hosts.
    pub hosts: usize,
}

impl Default for SiteOptions {
    fn default() -> Self {
        SiteOptions {
            articles: 1000,
            seed: 1,
            hosts: 1,
        }
    }
}

/// A generated site, rendered on request.
pub struct Site {
    /// Articles in generation order (index 0 is the seed page's article).
    pub(crate) articles: Vec<Article>,
    /// Article index by URL path.
    by_path: HashMap<String, usize>,
    /// All article indexes, newest first.
    pub(crate) latest: Vec<usize>,
    /// Per section, newest first.
    pub(crate) by_section: Vec<Vec<usize>>,
    /// Per section and sub-section, newest first.
    pub(crate) by_sub: Vec<Vec<Vec<usize>>>,
    /// Shared page parts.
    pub(crate) chrome: Chrome,
    /// Number of hosts the articles are spread over.
    hosts: usize,
}

/// The site's "now": publication times reach back two years from here.
fn base_time() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 12, 31)
        .and_then(|d| d.and_hms_opt(18, 0, 0))
        .unwrap_or_default()
}

/// Picks up to `count` distinct entries of `pool`, never `except`.
fn pick(rng: &mut StdRng, pool: &[usize], count: usize, except: Option<usize>) -> Vec<usize> {
    let amount = (count + 1).min(pool.len());
    index::sample(rng, pool.len(), amount)
        .into_iter()
        .map(|k| pool[k])
        .filter(|&i| Some(i) != except)
        .take(count)
        .collect()
}

/// Related stories for article `i`: 4 to 8, at least half from its own section.
fn pick_related(rng: &mut StdRng, i: usize, section: &[usize], all: &[usize]) -> Vec<usize> {
    let count = rng.random_range(4..=8).min(all.len().saturating_sub(1));
    let same = rng.random_range(count / 2..=count);
    let mut related = pick(rng, section, same, Some(i));
    let others = pick(rng, all, count + related.len(), Some(i));
    for other in others {
        if related.len() == count {
            break;
        }
        if !related.contains(&other) {
            related.push(other);
        }
    }
    related.shuffle(rng);
    related
}

impl Site {
    /// Generates the site; the same options always give the same site, byte for byte.
    pub fn generate(options: SiteOptions) -> Site {
        let base = base_time();
        let mut articles: Vec<Article> = (0..options.articles)
            .map(|i| {
                if i == 0 {
                    seed::article()
                } else {
                    content::article(options.seed, i, base)
                }
            })
            .collect();

        let mut latest: Vec<usize> = (0..articles.len()).collect();
        latest.sort_by_key(|&i| (std::cmp::Reverse(articles[i].published), i));
        for (rank, &i) in latest.iter().rev().enumerate() {
            articles[i].id = 340_000 + 3 * rank as u32 + (i % 3) as u32;
        }
        let mut by_section: Vec<Vec<usize>> = vec![Vec::new(); SECTIONS.len()];
        let mut by_sub: Vec<Vec<Vec<usize>>> = SECTIONS
            .iter()
            .map(|s| vec![Vec::new(); s.subs.len()])
            .collect();
        for &i in &latest {
            let a = &articles[i];
            by_section[a.section].push(i);
            if let Some(sub) = a.sub {
                by_sub[a.section][sub].push(i);
            }
        }

        let mut rng = StdRng::seed_from_u64(options.seed ^ 0x5173_u64);
        for i in 0..articles.len() {
            articles[i].related =
                pick_related(&mut rng, i, &by_section[articles[i].section], &latest);
        }
        let with_photo: Vec<usize> = latest
            .iter()
            .copied()
            .filter(|&i| articles[i].lead.is_some())
            .take(60)
            .collect();
        let picks = Picks {
            most_read: pick(&mut rng, &latest[..latest.len().min(200)], 20, None),
            top10: pick(&mut rng, &latest[..latest.len().min(300)], 10, None),
            entertainment: pick(&mut rng, &by_section[ENTERTAINMENT], 5, None),
            darkroom: pick(&mut rng, &with_photo, 5, None),
        };
        let hosts = options.hosts.max(1);
        let chrome = chrome::build(&articles, &picks, options.seed, hosts);
        let by_path = articles
            .iter()
            .enumerate()
            .map(|(i, a)| (a.path(), i))
            .collect();
        Site {
            articles,
            by_path,
            latest,
            by_section,
            by_sub,
            chrome,
            hosts,
        }
    }

    /// Number of hosts the articles are spread over.
    pub fn hosts(&self) -> usize {
        self.hosts
    }

    /// Which host serves `article`.
    pub(crate) fn host_of(&self, article: &Article) -> usize {
        article.host(self.hosts)
    }

    /// Number of articles.
    pub fn article_count(&self) -> usize {
        self.articles.len()
    }

    /// The truth for every article (generation order; the first is the seed page's) of a single-host site
    /// served under `base`.
    pub fn truth(&self, base: &str) -> Vec<TruthArticle> {
        self.truth_from(&Origin::single(base))
    }

    /// The truth for every article as served from `origin` (on any of its hosts: the URLs are the same).
    pub fn truth_from(&self, origin: &Origin<'_>) -> Vec<TruthArticle> {
        self.articles
            .iter()
            .map(|a| TruthArticle::of(self, a, origin))
            .collect()
    }

    /// Renders the response for a request path (with query) on a single-host site served under `base`
    /// (e.g. "http://127.0.0.1:8311").
    pub fn render(&self, base: &str, path_and_query: &str) -> Response {
        self.render_from(&Origin::single(base), path_and_query)
    }

    /// Renders the response for a request path (with query) that reached the host `origin` names.
    pub fn render_from(&self, origin: &Origin<'_>, path_and_query: &str) -> Response {
        let base = origin.base();
        let without_fragment = path_and_query.split('#').next().unwrap_or("");
        let (path, query) = without_fragment
            .split_once('?')
            .unwrap_or((without_fragment, ""));
        match path {
            "/" => Response::html(200, hub::home(self, origin)),
            "/robots.txt" => Response::new(200, "text/plain; charset=utf-8", feeds::robots(base)),
            "/sitemap.xml" => Response::new(
                200,
                "application/xml; charset=utf-8",
                feeds::sitemap(self, origin),
            ),
            "/rss.xml" => Response::new(
                200,
                "application/rss+xml; charset=utf-8",
                feeds::rss(self, origin),
            ),
            "/__truth.jsonl" => Response::new(
                200,
                "application/x-ndjson",
                feeds::truth_jsonl(self, origin),
            ),
            "/search" => Response::html(
                200,
                hub::plain("Search", "Search results are available to subscribers."),
            ),
            _ => self.render_other(origin, path, query),
        }
    }

    fn render_other(&self, origin: &Origin<'_>, path: &str, query: &str) -> Response {
        if let Some(rest) = path.strip_prefix("/section/") {
            return self
                .render_listing(origin, rest, query)
                .unwrap_or_else(not_found);
        }
        if path.starts_with("/member/") {
            return Response::html(
                200,
                hub::plain("Members", "Log in or register to comment and subscribe."),
            );
        }
        if path.starts_with("/images/") || path.starts_with("/static/img/") {
            return Response::new(200, "image/gif", assets::PIXEL_GIF)
                .with_header("Cache-Control", "public, max-age=86400");
        }
        if let Some((content_type, body)) = assets::static_file(path, &self.chrome.css) {
            return Response::new(200, content_type, body)
                .with_header("Cache-Control", "public, max-age=86400");
        }
        match self.by_path.get(path) {
            Some(&index) if origin.serves(self, &self.articles[index]) => {
                let a = &self.articles[index];
                let modified = http_date(a.updated.unwrap_or(a.published));
                Response::html(200, article::page(self, index, origin))
                    .with_header("Last-Modified", modified)
            }
            _ => not_found(),
        }
    }

    fn render_listing(&self, origin: &Origin<'_>, rest: &str, query: &str) -> Option<Response> {
        let (slug, sub_slug) = match rest.split_once('/') {
            Some((slug, sub)) => (slug, Some(sub)),
            None => (rest, None),
        };
        let section = SECTIONS.iter().position(|s| s.slug == slug)?;
        let sub = match sub_slug {
            Some(sub_slug) => Some(
                SECTIONS[section]
                    .subs
                    .iter()
                    .position(|(s, _)| *s == sub_slug)?,
            ),
            None => None,
        };
        let page = match query.split('&').find_map(|pair| pair.strip_prefix("page=")) {
            Some(value) => value.parse().ok()?,
            None => 1,
        };
        hub::listing(self, origin, section, sub, page).map(|html| Response::html(200, html))
    }
}

fn not_found() -> Response {
    Response::html(
        404,
        hub::plain(
            "Page not found",
            "The page you requested does not exist or has been moved.",
        ),
    )
}

/// A Korea local time as an HTTP date (`Mon, 30 Jan 2023 07:30:00 GMT`).
fn http_date(local: NaiveDateTime) -> String {
    let utc = KST
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc));
    utc.map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default()
}
