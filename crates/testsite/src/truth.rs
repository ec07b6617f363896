//! Ground truth: what an extractor should read from each article page.

use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};

use crate::model::{Article, SECTIONS};
use crate::render::Origin;
use crate::site::Snapshot;

/// What an article page says, as a perfect extractor would report it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TruthArticle {
    /// Canonical absolute URL of the article page.
    pub url: String,
    /// Headline (the `<h1>`, also `<title>` without the " - Site Name" suffix).
    pub title: String,
    /// Sub-headline, when the article has one.
    pub subtitle: Option<String>,
    /// Byline names, in byline order.
    pub authors: Vec<String>,
    /// Publication time, RFC 3339 with the Korea offset (`2023-01-30T16:30:00+09:00`).
    pub published: String,
    /// Time of the last update ("Updated :" line), RFC 3339 with offset, when shown.
    pub updated: Option<String>,
    /// Display name of the section (`"North Korea"`, `"Entertainment & Arts"`).
    pub section: String,
    /// Body text: paragraphs, pulled quotes and list items, separated by `"\n\n"`; captions excluded.
    pub body: String,
    /// Canonical absolute URLs of the stories in the "Related stories" box, in box order.
    pub related: Vec<String>,
    /// Version of the article: 1 as generated or first published, one more per update made while the site is
    /// served (left out of the JSON when 1, so a site that does not change writes the same truth as before).
    #[serde(default = "first_revision", skip_serializing_if = "is_first_revision")]
    pub revision: u32,
    /// The real instant (Unix milliseconds) an article published while the site is served was published;
    /// absent for the articles the site was generated with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at_ms: Option<i64>,
    /// The real instant (Unix milliseconds) of the last update made while the site is served; absent when
    /// there was none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at_ms: Option<i64>,
}

/// The revision of an article never updated.
fn first_revision() -> u32 {
    1
}

/// Whether `revision` is the first (serde cannot compare with a constant).
fn is_first_revision(revision: &u32) -> bool {
    *revision == 1
}

/// Korea Standard Time, +09:00.
pub const KST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("+09:00 is a valid offset"),
};

/// RFC 3339 with the Korea offset, to the second: `2023-01-30T16:30:00+09:00`.
pub fn rfc3339(local: NaiveDateTime) -> String {
    match KST.from_local_datetime(&local).single() {
        Some(time) => time.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        None => local.format("%Y-%m-%dT%H:%M:%S+09:00").to_string(),
    }
}

impl TruthArticle {
    /// The truth for `article` as served from `origin`; `site` resolves related indexes.
    pub(crate) fn of(site: &Snapshot, article: &Article, origin: &Origin<'_>) -> TruthArticle {
        TruthArticle {
            url: format!("{}{}", origin.home_of(site, article), article.path()),
            title: article.title.clone(),
            subtitle: article.subtitle.clone(),
            authors: article.authors.clone(),
            published: rfc3339(article.published),
            updated: article.updated.map(rfc3339),
            section: SECTIONS[article.section].name.to_string(),
            body: article.body_paragraphs().collect::<Vec<_>>().join("\n\n"),
            related: article
                .related
                .iter()
                .map(|&i| {
                    let r = &site.articles[i];
                    format!("{}{}", origin.home_of(site, r), r.path())
                })
                .collect(),
            revision: article.revision,
            published_at_ms: article.published_ms,
            updated_at_ms: article.updated_ms,
        }
    }
}
