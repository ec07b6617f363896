//! The generated site: articles, listings, site-wide picks, request routing, and the changes made while
//! served (publications and updates).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::{SliceRandom, index};
use rand::{RngExt, SeedableRng};

use crate::model::{Article, Block, ENTERTAINMENT, SECTIONS};
use crate::render::chrome::{self, Chrome, Picks};
use crate::render::{Origin, Response, article, assets, etag, feeds, http_date, hub};
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

/// A generated site, rendered on request. Articles can be published and updated while it is served
/// ([`Site::publish`], [`Site::update`]): each change builds the next snapshot of the site aside and swaps it
/// in, so a render only clones an `Arc` and never waits for a change to be built.
pub struct Site {
    /// The current state of the site.
    current: RwLock<Arc<Snapshot>>,
    /// Serializes publications and updates.
    changing: Mutex<()>,
    /// Seed of every random choice.
    seed: u64,
    /// The date in the URLs of articles published while served (the day the site was generated, Korea time).
    filed: NaiveDate,
}

/// The site as it is at one moment: what pages are rendered from.
#[derive(Clone)]
pub(crate) struct Snapshot {
    /// Published articles: the generated ones in generation order (index 0 is the seed page's article), then
    /// those published while served, in publication order.
    pub(crate) articles: Vec<Arc<Article>>,
    /// Article index by URL path.
    by_path: HashMap<String, usize>,
    /// All article indexes, newest first.
    pub(crate) latest: Vec<usize>,
    /// Per section, newest first.
    pub(crate) by_section: Vec<Vec<usize>>,
    /// Per section and sub-section, newest first.
    pub(crate) by_sub: Vec<Vec<Vec<usize>>>,
    /// Shared page parts.
    pub(crate) chrome: Arc<Chrome>,
    /// Number of hosts the articles are spread over.
    hosts: usize,
    /// Number of updates made while served (picks the next article to update).
    updates: usize,
    /// When the site last changed (Unix milliseconds): the latest publication or update, real time for those
    /// made while served, site time for the generated articles.
    pub(crate) changed_ms: i64,
}

/// How many articles updates go round: the 2nd to the 11th newest (the newest is left alone, so that its
/// update time is never its publication time).
const UPDATE_POOL: usize = 10;

/// How far back from the site's newest article the news sitemap reaches, in hours.
const NEWS_HOURS: i64 = 48;

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

/// Unix milliseconds of a Korea local time.
fn kst_millis(local: NaiveDateTime) -> Option<i64> {
    KST.from_local_datetime(&local)
        .single()
        .map(|t| t.timestamp_millis())
}

/// The current time as Unix milliseconds and as Korea local time to the second.
fn now() -> (i64, NaiveDateTime) {
    let utc = Utc::now();
    let local = DateTime::from_timestamp(utc.timestamp(), 0)
        .unwrap_or(utc)
        .with_timezone(&KST)
        .naive_local();
    (utc.timestamp_millis(), local)
}

/// The id of the article at `index` (generation or publication order) when it is published while served:
/// above every generated article's id, and growing.
fn fresh_id(index: usize) -> u32 {
    let index = u32::try_from(index).unwrap_or(u32::MAX);
    340_000_u32
        .saturating_add(index.saturating_mul(3))
        .saturating_add(index % 3)
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
        let changed_ms = articles
            .iter()
            .filter_map(|a| kst_millis(a.updated.unwrap_or(a.published)))
            .max()
            .unwrap_or(0);
        let snapshot = Snapshot {
            articles: articles.into_iter().map(Arc::new).collect(),
            by_path,
            latest,
            by_section,
            by_sub,
            chrome: Arc::new(chrome),
            hosts,
            updates: 0,
            changed_ms,
        };
        Site {
            current: RwLock::new(Arc::new(snapshot)),
            changing: Mutex::new(()),
            seed: options.seed,
            filed: now().1.date(),
        }
    }

    /// The site as it is now.
    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Makes one change: `change` edits a copy of the current snapshot, which then replaces it.
    fn change<T>(&self, change: impl FnOnce(&mut Snapshot) -> T) -> T {
        let _changing = self.changing.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = Snapshot::clone(&self.snapshot());
        let result = change(&mut next);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(next);
        result
    }

    /// Article `index` as it is published while served (before its publication time and related stories are
    /// set): generated from the seed like any other, with an id above every earlier one.
    fn upcoming(&self, index: usize) -> Article {
        let mut article = content::article(self.seed, index, base_time());
        article.id = fresh_id(index);
        article.filed = self.filed;
        article.updated = None;
        article
    }

    /// The site-relative URL path of the article [`Site::publish`] publishes next (its page is "not found"
    /// until then).
    pub fn upcoming_path(&self) -> String {
        self.upcoming(self.snapshot().articles.len()).path()
    }

    /// Publishes the next article now: it gets the current time as its publication time (and in the truth's
    /// `published_at_ms`), goes to the top of the home page, its section and sub-section, the feeds and the
    /// sitemaps, and its page is served from then on. Returns its site-relative URL path.
    pub fn publish(&self) -> String {
        let (millis, local) = now();
        self.change(|site| {
            let index = site.articles.len();
            let mut article = self.upcoming(index);
            let newest = site.latest.first().map(|&i| site.articles[i].published);
            article.published = newest.map_or(local, |newest| local.max(newest));
            article.published_ms = Some(millis);
            let mut rng = StdRng::seed_from_u64(self.seed ^ 0x5173_u64 ^ ((index as u64) << 24));
            article.related = pick_related(
                &mut rng,
                index,
                &site.by_section[article.section],
                &site.latest,
            );
            let path = article.path();
            site.latest.insert(0, index);
            site.by_section[article.section].insert(0, index);
            if let Some(sub) = article.sub {
                site.by_sub[article.section][sub].insert(0, index);
            }
            site.by_path.insert(path.clone(), index);
            site.articles.push(Arc::new(article));
            site.changed_ms = millis;
            path
        })
    }

    /// Updates a recently published article now: one of the ten articles after the newest, in
    /// turn. Its body gains a paragraph, its update time becomes the current time (shown on the page, in
    /// JSON-LD `dateModified` and `article:modified_time`; in the truth's `updated_at_ms`) and its revision
    /// goes up by one. Returns its site-relative URL path, or `None` when fewer than two articles are published.
    pub fn update(&self) -> Option<String> {
        let (millis, local) = now();
        self.change(|site| {
            let pool = site.latest.len().saturating_sub(1).min(UPDATE_POOL);
            if pool == 0 {
                return None;
            }
            let index = site.latest[1 + site.updates % pool];
            site.updates += 1;
            let mut article = Article::clone(&site.articles[index]);
            article.revision += 1;
            article.blocks.push(Block::Para(content::follow_up(
                self.seed,
                index,
                article.revision,
                article.section,
            )));
            article.updated = Some(local.max(article.published + Duration::seconds(1)));
            article.updated_ms = Some(millis);
            let path = article.path();
            site.articles[index] = Arc::new(article);
            site.changed_ms = millis;
            Some(path)
        })
    }

    /// Number of hosts the articles are spread over.
    pub fn hosts(&self) -> usize {
        self.snapshot().hosts
    }

    /// Number of articles published so far.
    pub fn article_count(&self) -> usize {
        self.snapshot().articles.len()
    }

    /// The truth for every article published so far (generation order, the first is the seed page's, then
    /// publication order) of a single-host site served under `base`.
    pub fn truth(&self, base: &str) -> Vec<TruthArticle> {
        self.truth_from(&Origin::single(base))
    }

    /// The truth for every article published so far as served from `origin` (on any of its hosts: the URLs
    /// are the same).
    pub fn truth_from(&self, origin: &Origin<'_>) -> Vec<TruthArticle> {
        let site = self.snapshot();
        site.articles
            .iter()
            .map(|a| TruthArticle::of(&site, a, origin))
            .collect()
    }

    /// Renders the response for a request path (with query) on a single-host site served under `base`
    /// (e.g. "http://127.0.0.1:8311").
    pub fn render(&self, base: &str, path_and_query: &str) -> Response {
        self.render_from(&Origin::single(base), path_and_query)
    }

    /// Renders the response for a request path (with query) that reached the host `origin` names. A `200`
    /// response carries a strong `ETag` (a hash of the body) and, for pages with a meaningful modification
    /// time (articles, hubs, feeds, sitemaps) once that time is a whole second in the past, `Last-Modified`.
    pub fn render_from(&self, origin: &Origin<'_>, path_and_query: &str) -> Response {
        let site = self.snapshot();
        let (response, modified) = site.route(origin, path_and_query);
        with_validators(response, modified)
    }
}

impl Snapshot {
    /// Which host serves `article`.
    pub(crate) fn host_of(&self, article: &Article) -> usize {
        article.host(self.hosts)
    }

    /// The site's "now": the newest publication time, or the generated site's base time if later.
    pub(crate) fn now(&self) -> NaiveDateTime {
        let newest = self.latest.first().map(|&i| self.articles[i].published);
        newest.map_or(base_time(), |newest| newest.max(base_time()))
    }

    /// The oldest publication time the news sitemap lists.
    pub(crate) fn news_since(&self) -> NaiveDateTime {
        self.now() - Duration::hours(NEWS_HOURS)
    }

    /// The response for a request path (with query), and the page's modification time (Unix seconds) when it
    /// has a meaningful one.
    fn route(&self, origin: &Origin<'_>, path_and_query: &str) -> (Response, Option<i64>) {
        let base = origin.base();
        let without_fragment = path_and_query.split('#').next().unwrap_or("");
        let (path, query) = without_fragment
            .split_once('?')
            .unwrap_or((without_fragment, ""));
        let changed = Some(self.changed_ms.div_euclid(1000));
        let xml = "application/xml; charset=utf-8";
        match path {
            "/" => (Response::html(200, hub::home(self, origin)), changed),
            "/robots.txt" => (
                Response::new(200, "text/plain; charset=utf-8", feeds::robots(base)),
                None,
            ),
            "/sitemap.xml" => (
                Response::new(200, xml, feeds::sitemap(self, origin)),
                changed,
            ),
            "/sitemap-news.xml" => (
                Response::new(200, xml, feeds::news_sitemap(self, origin)),
                changed,
            ),
            "/sitemap-index.xml" => (
                Response::new(200, xml, feeds::sitemap_index(self, origin)),
                changed,
            ),
            "/rss.xml" => (
                Response::new(
                    200,
                    "application/rss+xml; charset=utf-8",
                    feeds::rss(self, origin),
                ),
                changed,
            ),
            "/atom.xml" => (
                Response::new(
                    200,
                    "application/atom+xml; charset=utf-8",
                    feeds::atom(self, origin),
                ),
                changed,
            ),
            "/__truth.jsonl" => (
                Response::new(
                    200,
                    "application/x-ndjson",
                    feeds::truth_jsonl(self, origin),
                ),
                None,
            ),
            "/search" => (
                Response::html(
                    200,
                    hub::plain("Search", "Search results are available to subscribers."),
                ),
                None,
            ),
            _ => self.render_other(origin, path, query),
        }
    }

    fn render_other(
        &self,
        origin: &Origin<'_>,
        path: &str,
        query: &str,
    ) -> (Response, Option<i64>) {
        if let Some(rest) = path.strip_prefix("/section/") {
            return match self.render_listing(origin, rest, query) {
                Some(listing) => (listing, Some(self.changed_ms.div_euclid(1000))),
                None => (not_found(), None),
            };
        }
        if path.starts_with("/member/") {
            let page = hub::plain("Members", "Log in or register to comment and subscribe.");
            return (Response::html(200, page), None);
        }
        if path.starts_with("/images/") || path.starts_with("/static/img/") {
            let pixel = Response::new(200, "image/gif", assets::PIXEL_GIF)
                .with_header("Cache-Control", "public, max-age=86400");
            return (pixel, None);
        }
        if let Some((content_type, body)) = assets::static_file(path, &self.chrome.css) {
            let file = Response::new(200, content_type, body)
                .with_header("Cache-Control", "public, max-age=86400");
            return (file, None);
        }
        match self.by_path.get(path) {
            Some(&index) if origin.serves(self, &self.articles[index]) => {
                let a = &self.articles[index];
                let modified =
                    kst_millis(a.updated.unwrap_or(a.published)).map(|ms| ms.div_euclid(1000));
                (
                    Response::html(200, article::page(self, index, origin)),
                    modified,
                )
            }
            _ => (not_found(), None),
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

/// Adds the validators to a `200` response: a strong `ETag` from the body and, when `modified` (Unix seconds)
/// is a whole second in the past, `Last-Modified` (a time in the current second could still change within it,
/// so an `If-Modified-Since` holding it would be ambiguous).
fn with_validators(response: Response, modified: Option<i64>) -> Response {
    if response.status != 200 {
        return response;
    }
    let tag = etag(&response.body);
    let response = response.with_header("ETag", tag);
    let now = Utc::now().timestamp();
    match modified.filter(|&secs| secs < now).and_then(http_date) {
        Some(date) => response.with_header("Last-Modified", date),
        None => response,
    }
}
