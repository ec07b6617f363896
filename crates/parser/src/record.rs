//! From an extraction to the article record newshound writes.

use chrono::{DateTime, Utc};
use url::Url;

use newshound_core::canon::CanonRules;
use newshound_core::message::{Article, ArticleFields};
use newshound_extract::Extraction;

/// Related-story URLs, canonicalized (tracking parameters gone) and de-duplicated, in page order.
fn canonical_related(urls: &[String], canon: &CanonRules) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(urls.len());
    for raw in urls {
        let Some(url) = Url::parse(raw).ok().and_then(|u| canon.canonicalize(&u)) else {
            continue;
        };
        let url = url.to_string();
        if !out.contains(&url) {
            out.push(url);
        }
    }
    out
}

/// The record for an article page, or `None` for a hub page.
///
/// The canonical URL is the page's own (`rel=canonical`, `og:url`) when it
/// points to the same host, else the fetched URL; both canonicalized.
pub fn to_article(
    extraction: &Extraction,
    url: &Url,
    canon: &CanonRules,
    fetched_at: DateTime<Utc>,
) -> Option<Article> {
    let fields = extraction.article.as_ref()?;
    let declared = extraction.canonical_url.as_ref().filter(|c| {
        c.host_str() == url.host_str() && c.port_or_known_default() == url.port_or_known_default()
    });
    let canonical = declared.unwrap_or(url).clone();
    let canonical = canon.canonicalize(&canonical).unwrap_or(canonical);
    let mut article = Article {
        url: url.to_string(),
        redirected_from: Vec::new(),
        canonical_url: canonical.to_string(),
        fields: ArticleFields {
            related: canonical_related(&fields.related, canon),
            ..fields.clone()
        },
        language: extraction.language.clone(),
        fetched_at,
        content_hash: String::new(),
        revision: 1,
    };
    article.content_hash = article.compute_content_hash();
    Some(article)
}
