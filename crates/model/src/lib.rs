//! What the extractor and the rest of newshound share, defined once: the fields of
//! an extracted article (the extractor fills them, `newshound-extract`; the record
//! newshound writes carries them, `newshound_core::message::Article`, flattened into
//! it in JSON) and a site's CSS overrides as its config writes them (read by the
//! config loader in `newshound-core`, compiled by the extractor).
#![deny(missing_docs)]

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// A photo of an article, with its caption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// Absolute image URL.
    pub url: String,
    /// The caption or credit shown with it.
    pub caption: Option<String>,
}

/// What an article page says of itself: headline, people, times, text, images.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ArticleFields {
    /// Headline.
    pub title: String,
    /// Sub-headline: the standfirst or the declared description.
    pub subtitle: Option<String>,
    /// Author names.
    pub authors: Vec<String>,
    /// First publication time, with the offset the page gave (or inferred).
    pub published: Option<DateTime<FixedOffset>>,
    /// Last update time.
    pub updated: Option<DateTime<FixedOffset>>,
    /// Site section.
    pub section: Option<String>,
    /// Keywords / tags.
    pub tags: Vec<String>,
    /// Body text, paragraphs separated by a blank line.
    pub body: String,
    /// Photos with captions.
    pub images: Vec<Image>,
    /// URLs of the related stories linked from the page (absolute as extracted; canonical in
    /// the record).
    pub related: Vec<String>,
    /// The page had the signals of a list page and was kept as an article for its
    /// article-sized prose (or as a dated short post at an article URL): worth a look.
    #[serde(default)]
    pub kind_unsure: bool,
}

/// Per-site CSS selectors as written in the site config.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSelectors {
    /// Element holding the headline.
    pub title: Option<String>,
    /// Element(s) holding the article body.
    pub body: Option<String>,
    /// Element(s) holding author names.
    pub authors: Option<String>,
    /// Element holding the publication date (`datetime`/`content` attribute or text).
    pub published: Option<String>,
    /// Elements to drop from the body.
    #[serde(default)]
    pub exclude: Vec<String>,
}
