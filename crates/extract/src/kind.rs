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
    /// The body container's element index ([`crate::dom::NONE`] when the page has no text).
    pub container: u32,
    /// Comparison keys (see [`crate::text::key`]) of the titles the page declares: JSON-LD
    /// headline, `og:title`, `twitter:title`, `<title>`.
    pub titles: &'a [String],
    /// The page URL is a site's root (no path, no id query).
    pub url_root: bool,
}

/// Prose that makes a record worth keeping whatever the other signals say: a few hundred
/// words over several paragraphs (a hub's teasers are links, and do not count).
const ARTICLE_PROSE: u32 = 1200;
/// Paragraphs that article-sized prose spans.
const ARTICLE_PARAGRAPHS: usize = 3;

/// Linked headings outside boilerplate and related boxes: a list page's story teasers.
fn teasers(doc: &Doc<'_>) -> usize {
    doc.blocks.iter().filter(|b| is_teaser(doc, b)).count()
}

fn is_teaser(doc: &Doc<'_>, b: &crate::dom::Block) -> bool {
    let e = &doc.elems[b.elem as usize];
    matches!(e.tag, crate::tags::Tag::H(2..=4))
        && e.boiler_anc == crate::dom::NONE
        && b.link_weight * 2 > b.weight
}

/// Shortest heading key that can confirm a declared title.
const MIN_HEADLINE_KEY: usize = 8;

/// Whether a heading's key names the page the way a declared title does: equal to one, or
/// the part of one before or after the site's name ("Headline - Site", "Site » Headline").
pub(crate) fn confirms(heading: &str, titles: &[String]) -> bool {
    heading.chars().count() >= MIN_HEADLINE_KEY
        && titles
            .iter()
            .any(|t| t == heading || t.starts_with(heading) || t.ends_with(heading))
}

/// The page's own headline: a heading (h1-h3) at or above the body's text that a declared
/// title confirms. Returns its text, the number of teasers that are not it (a permalinked
/// headline is a linked heading too) and whether one of those stands between the headline and
/// the end of the body's text (the text is then a teaser's summary, not the story's).
fn headline<'d>(doc: &'d Doc<'_>, k: &KindInput<'_>) -> Option<(&'d str, usize, bool)> {
    // Text in a boilerplate box (a footer's credits) is not a story's.
    if k.container == crate::dom::NONE
        || doc.elems[k.container as usize].boiler_anc != crate::dom::NONE
    {
        return None;
    }
    let end = doc.elems[k.container as usize].end;
    let found = doc.blocks.iter().find(|b| {
        matches!(doc.elems[b.elem as usize].tag, crate::tags::Tag::H(1..=3))
            && b.elem < end
            && confirms(&crate::text::key(&b.text), k.titles)
    })?;
    let others: Vec<&crate::dom::Block> = doc
        .blocks
        .iter()
        .filter(|b| is_teaser(doc, b) && !confirms(&crate::text::key(&b.text), k.titles))
        .collect();
    let between = others.iter().any(|b| b.elem > found.elem && b.elem < end);
    Some((found.text.as_str(), others.len(), between))
}

/// Running text under a confirmed headline that is a story's, not a list's: this much weight
/// at least, with links at most half of it.
const HEADLINE_TEXT: u32 = 60;

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
    } else if let Some((h, others, _)) = headline(doc, k).filter(|&(_, others, between)| {
        others <= 2
            && !between
            && !k.url_root
            && k.good >= HEADLINE_TEXT
            && k.bad.saturating_mul(2) <= k.good
    }) {
        // One headline that the page's declared titles confirm, above running text with few
        // links and no run of linked headlines: a single (short) story, whatever its URL says.
        (
            PageKind::Article,
            true,
            format!(
                "article, unsure: {signals}, a headline the title confirms ({:?}), {others} other teasers",
                h.chars().take(60).collect::<String>()
            ),
        )
    } else {
        (PageKind::Hub, false, format!("hub: {signals}"))
    }
}
