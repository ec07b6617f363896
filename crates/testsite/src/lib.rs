//! A deterministic synthetic news site served on loopback, for newshound's tests, demos and benchmarks.
//!
//! [`Site::generate`] builds the articles (text, bylines, times, related stories) from a seed; pages are
//! rendered on request by [`Site::render`], laid out like a real Korean English-language news site (menus,
//! ticker, "Top 10 Stories", ads, footer), 60–120 KB each. [`Site::truth`] says what each article page holds.
//! Article 0 is built from a real article page (The Korea Times, 2023-01-30).
//!
//! URL patterns: `/`, `/section/{section}[/{sub}][?page=N]`, `/{section}/{yyyy}/{mm}/{dd}/{slug}-{id}`,
//! `/robots.txt`, `/sitemap.xml`, `/rss.xml`, `/__truth.jsonl`; `/search` and `/member/...` exist but
//! robots.txt disallows them; `/static/...` and `/images/...` are assets.
//!
//! A site may be spread over several hosts ([`SiteOptions::hosts`], served on one listener per host): each
//! article then lives on one host, every host serves the home and section pages, and pages link across hosts
//! with absolute URLs.
//!
//! Layout:
//! - `site.rs`: [`Site`], [`SiteOptions`], generation of listings and picks, request routing;
//! - `model.rs`: sections and the article data;
//! - `content.rs`, `words.rs`, `vocab.rs`: seeded text generation; `seed.rs`: the article from the seed page;
//! - `render/`: HTML pages (`article`, `hub`), shared page parts (`chrome`, `assets`), feeds (`feeds`);
//! - `truth.rs`: [`TruthArticle`];
//! - `server.rs`: [`serve`] over axum, with the access log.
#![deny(missing_docs)]

mod content;
mod model;
mod render;
mod seed;
mod server;
mod site;
mod truth;
mod vocab;
mod words;

pub use render::{Origin, Response};
pub use server::{ServeOptions, serve};
pub use site::{Site, SiteOptions};
pub use truth::TruthArticle;
