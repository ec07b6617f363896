//! A deterministic synthetic news site served on loopback, for newshound's tests, demos and benchmarks.
//!
//! [`Site::generate`] builds the articles (text, bylines, times, related stories) from a seed; pages are
//! rendered on request by [`Site::render`], laid out like a real Korean English-language news site (menus,
//! ticker, "Top 10 Stories", ads, footer), 60–120 KB each. [`Site::truth`] says what each article page holds.
//! Article 0 is built from a real article page (The Korea Times, 2023-01-30).
//!
//! URL patterns: `/`, `/section/{section}[/{sub}][?page=N]`, `/{section}/{yyyy}/{mm}/{dd}/{slug}-{id}`,
//! `/robots.txt`, `/sitemap.xml`, `/sitemap-news.xml` (a Google News sitemap: the articles of the 48 hours
//! before the newest), `/sitemap-index.xml` (naming the two sitemaps), `/rss.xml`, `/atom.xml`,
//! `/__truth.jsonl`; `/search` and `/member/...` exist but robots.txt disallows them; `/static/...` and
//! `/images/...` are assets. robots.txt names `/sitemap.xml`, then `/sitemap-index.xml`; every page links the
//! RSS and Atom feeds from its head.
//!
//! Every `200` response carries a strong `ETag` (a hash of the body); articles, hubs, feeds and sitemaps also
//! carry `Last-Modified` once that time is a whole second past. [`serve`] answers a matching `If-None-Match`
//! or `If-Modified-Since` with `304 Not Modified` and no body ([`Response::conditional`]); the access log
//! shows the `304`.
//!
//! The site can change while served ([`ServeOptions::publish_every`], [`ServeOptions::update_every`]; the
//! binary's `--publish-every SECS` and `--update-every SECS`, the latter twice the former by default):
//! [`Site::publish`] publishes the next article, generated from the seed like the others (its URL,
//! [`Site::upcoming_path`], is known and "not found" before), with the current time as its publication time, at
//! the top of the home page, its section, the feeds and the sitemaps; [`Site::update`] gives one of the ten
//! articles after the newest a new paragraph, the current time as its update time (shown, in JSON-LD
//! `dateModified` and in `article:modified_time`) and the next revision. The truth follows: each article's
//! current fields, its [`TruthArticle::revision`], and the real instants [`TruthArticle::published_at_ms`] and
//! [`TruthArticle::updated_at_ms`]. A site that is not changed renders the same, byte for byte, on every run.
//!
//! A site may be spread over several hosts ([`SiteOptions::hosts`], served on one listener per host): each
//! article then lives on one host, every host serves the home and section pages, and pages link across hosts
//! with absolute URLs.
//!
//! Layout:
//! - `site.rs`: [`Site`], [`SiteOptions`], generation of listings and picks, request routing, publications and
//!   updates (each builds the next immutable snapshot of the site and swaps it in: renders never wait);
//! - `model.rs`: sections and the article data;
//! - `content.rs`, `words.rs`, `vocab.rs`: seeded text generation; `seed.rs`: the article from the seed page;
//! - `render/`: HTML pages (`article`, `hub`), shared page parts (`chrome`, `assets`), feeds (`feeds`);
//! - `truth.rs`: [`TruthArticle`];
//! - `server.rs`: [`serve`] over axum, with the access log, conditional GET and the publishing timers;
//! - `dump.rs`: [`dump_site`], the whole site as static files for a web server to serve in its place.
#![deny(missing_docs)]

mod content;
mod dump;
mod model;
mod render;
mod seed;
mod server;
mod site;
mod truth;
mod vocab;
mod words;

pub use dump::{SiteDump, dump_site, file_stem, host_dir};
pub use render::{Origin, Response};
pub use server::{ServeOptions, serve};
pub use site::{Site, SiteOptions};
pub use truth::TruthArticle;
