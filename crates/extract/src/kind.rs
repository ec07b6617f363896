//! Article or hub: declared types, the running text of the best container, a date, the URL
//! shape and how much of the page is links.

use crate::PageKind;
use crate::dom::Doc;

/// What the decision looks at.
pub(crate) struct KindInput<'a> {
    /// `og:type`, lower-cased.
    pub og_type: Option<&'a str>,
    /// JSON-LD has an article object.
    pub ld_article: bool,
    /// JSON-LD has a list-page object and no article.
    pub ld_hub: bool,
    /// Running text weight of the body container.
    pub good: u32,
    /// Link/boilerplate weight inside the container.
    pub bad: u32,
    /// A publication date was found.
    pub dated: bool,
    /// The page URL looks like an article URL.
    pub url_article: bool,
    /// The page URL looks like a hub URL (site root, tag/author/section/search paths).
    pub url_hub: bool,
    /// Weight and number of the body's paragraphs that read as prose (sentences, few links).
    pub prose: (u32, usize),
}

/// Prose that makes a record worth keeping whatever the other signals say: a few hundred
/// words over several paragraphs (a hub's teasers are links, and do not count).
const ARTICLE_PROSE: u32 = 1200;
/// Paragraphs that article-sized prose spans.
const ARTICLE_PARAGRAPHS: usize = 3;

/// Linked headings outside boilerplate and related boxes: a list page's story teasers.
fn teasers(doc: &Doc<'_>) -> usize {
    doc.blocks
        .iter()
        .filter(|b| {
            let e = &doc.elems[b.elem as usize];
            matches!(e.tag, crate::tags::Tag::H(2..=4))
                && e.boiler_anc == crate::dom::NONE
                && b.link_weight * 2 > b.weight
        })
        .count()
}

/// Decides the page kind, whether that is unsure, and says why. A page with hub signals that
/// still carries an article-sized block of prose is kept as an article, marked unsure, so that
/// a crawl does not lose a story to a misleading URL or a missing declaration.
pub(crate) fn decide(doc: &Doc<'_>, k: &KindInput<'_>) -> (PageKind, bool, String) {
    let link_weight: u32 = doc.blocks.iter().map(|b| b.link_weight).sum();
    let teasers = teasers(doc);
    let mut score = 0i32;
    let declared = k.ld_article
        || k.og_type
            .is_some_and(|t| t == "article" || t.starts_with("article"));
    if declared {
        score += 2;
    }
    if k.ld_hub || k.og_type.is_some_and(|t| t == "website") {
        score -= 1;
    }
    if k.dated {
        score += 1;
    }
    // A page that declares itself a dated article at an article URL is one even when its
    // text is a paywalled teaser.
    let thin = if declared && k.dated && k.url_article {
        -1
    } else {
        -4
    };
    score += match k.good {
        g if g >= 1500 => 3,
        g if g >= 600 => 2,
        g if g >= 300 => 1,
        g if g >= 150 => 0,
        _ => thin,
    };
    // Running text with hardly any links in it: a story, whatever the rest of the page is.
    if k.good >= 400 && k.bad.saturating_mul(8) <= k.good {
        score += 1;
    }
    // A dominant block of running text (most of the page's non-link text) with a headline.
    let plain: u32 = doc.blocks.iter().map(|b| b.weight - b.link_weight).sum();
    let has_h1 = doc
        .blocks
        .iter()
        .any(|b| doc.elems[b.elem as usize].tag == crate::tags::Tag::H(1));
    if has_h1 && k.good.saturating_mul(2) >= plain {
        score += 1;
    }
    if k.url_article {
        score += 1;
    } else if k.url_hub {
        score -= 2;
    }
    if k.bad > k.good {
        score -= 1;
    }
    if link_weight > k.good.saturating_mul(4) && k.good < 3000 {
        score -= 1;
    }
    let signals = format!(
        "score {score} (declared {declared}, dated {}, text {}, links {}, teasers {teasers}, url {})",
        k.dated,
        k.good,
        k.bad,
        if k.url_article {
            "article"
        } else if k.url_hub {
            "hub"
        } else {
            "plain"
        }
    );
    if score >= 2 {
        (PageKind::Article, false, format!("article: {signals}"))
    } else if k.prose.0 >= ARTICLE_PROSE && k.prose.1 >= ARTICLE_PARAGRAPHS && teasers <= 3 {
        // A list page's teasers come with blurbs that read as prose too: the rescue is for
        // pages without a run of linked headlines.
        (
            PageKind::Article,
            true,
            format!(
                "article, unsure: {signals}, but {} paragraphs of prose ({})",
                k.prose.1, k.prose.0
            ),
        )
    } else if score >= 1
        && k.dated
        && k.url_article
        && k.good >= 150
        && k.bad.saturating_mul(4) <= k.good
        && teasers <= 2
    {
        // A short dated post at an article URL whose text has hardly any links: hubs list
        // stories as links, so this is a brief story (a photo post), not a list.
        (
            PageKind::Article,
            true,
            format!("article, unsure: {signals}, a dated short post at an article URL"),
        )
    } else {
        (PageKind::Hub, false, format!("hub: {signals}"))
    }
}
