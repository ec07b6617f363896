//! Ground truth: what an extractor should read from each article page.

use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};

use crate::Site;
use crate::model::{Article, SECTIONS};
use crate::render::Origin;

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
    /// The truth for `article` as served under `base`; `all` resolves related indexes.
    pub(crate) fn of(site: &Site, article: &Article, origin: &Origin<'_>) -> TruthArticle {
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
        }
    }
}
