//! Pure article extraction for newshound: HTML bytes, the page URL and options in; page kind,
//! metadata, body text and classified links out. No I/O, no async, deterministic.
//!
//! Layout:
//! - [`decode_html`] (`decode.rs`): charset from BOM, HTTP header, `<meta>`, chardetng.
//! - `strip.rs`: byte-level removal of scripts, styles, comments, SVG, templates and unread
//!   attributes before parsing; `nesting.rs`: the depth and formatting-element caps it applies
//!   (pathological nesting would make the HTML5 tree builder quadratic).
//! - `tags.rs`: tag classes; `dom.rs`: one walk over the parsed tree into an element table,
//!   text blocks, links, metas, JSON-LD scripts.
//! - `classify.rs`: class/id signals (boilerplate, related boxes, captions, bylines).
//! - `body.rs`: one bottom-up container scoring pass, body assembly; images and captions.
//! - `standfirst.rs`: the sub-headline and the related-stories list.
//! - `metadata/`: JSON-LD, `<meta>`, bylines, dates, time zones (ccTLD, page language) and the
//!   headline vote, reconciled.
//! - `text.rs`: whitespace, weights and keys.
//! - `links.rs`: link classification; `kind.rs`: article vs hub; `lang.rs`: language.
//! - `options.rs`: [`ExtractOptions`] and per-site [`SiteSelectors`].
#![deny(missing_docs)]

mod body;
mod classify;
mod decode;
mod dom;
mod kind;
mod lang;
mod links;
mod metadata;
mod nesting;
mod options;
mod standfirst;
mod strip;
mod tags;
mod text;

use std::collections::HashSet;

use scraper::Html;
use url::Url;

pub use decode::decode_html;
pub use newshound_model::{ArticleFields, Image};
pub use options::{DEFAULT_MAX_LINKS, ExtractOptions, RawSelectors, SelectorError, SiteSelectors};

/// Whether a page is one article or a list of links to articles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PageKind {
    /// A single story.
    Article,
    /// A home, section, tag, author, search or other list page.
    Hub,
}

/// What a link points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LinkKind {
    /// A story on the same site.
    Article,
    /// A list page on the same site.
    Hub,
    /// An RSS/Atom feed on the same site.
    Feed,
    /// Another registrable domain.
    OffSite,
    /// An image, document, script or other file.
    Asset,
}

/// One link of the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Absolute URL, resolved against `<base>` or the page URL; fragment kept.
    pub url: Url,
    /// What it points to.
    pub kind: LinkKind,
    /// Inside a related / top stories / most read / recommended box.
    pub related: bool,
}

/// Which rule decided each field of a page: for `newshound eval --explain`, so that a rule that
/// fires on one site only is visible.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Explain {
    /// The page kind and the signals that decided it.
    pub kind: String,
    /// The headline's rule.
    pub title: &'static str,
    /// The authors' source.
    pub authors: &'static str,
    /// The publication date's source.
    pub published: &'static str,
    /// Where the body came from.
    pub body: &'static str,
}

/// Why [`extract`] gives no result for a page.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The bytes are not text (binary data served as a page): no article, no links.
    #[error("not text: {reason}")]
    NotText {
        /// What the check found, in words.
        reason: String,
    },
}

/// The result of [`extract`].
#[derive(Clone, Debug, PartialEq)]
pub struct Extraction {
    /// Article or hub.
    pub kind: PageKind,
    /// `<link rel=canonical>` or `og:url`, absolute.
    pub canonical_url: Option<Url>,
    /// Language: an ISO 639-1 code (e.g. `en`), from the page's declaration or detected.
    pub language: Option<String>,
    /// Article fields; `Some` iff `kind == Article`.
    pub article: Option<ArticleFields>,
    /// The links, classified: the first [`ExtractOptions::max_links`] distinct ones in
    /// document order (feeds named in the head first).
    pub links: Vec<Link>,
    /// Links (`href`s, repeats included) past [`ExtractOptions::max_links`], neither resolved
    /// nor classified.
    pub links_dropped: usize,
    /// Name of the encoding the bytes were decoded with.
    pub encoding: &'static str,
    /// The rule behind each field.
    pub explain: Explain,
}

/// Extracts everything from one page. Never panics; malformed HTML still gives a result;
/// bytes that are not text give [`ExtractError::NotText`]. Time and memory are linear in the
/// page's size: pathological nesting is capped before parsing (see `nesting.rs`) and links
/// past [`ExtractOptions::max_links`] are counted, not kept.
pub fn extract(
    html: &[u8],
    content_type: Option<&str>,
    url: &Url,
    options: &ExtractOptions,
) -> Result<Extraction, ExtractError> {
    let (text, encoding) = decode_html(html, content_type);
    if let Some(reason) = decode::not_text(&text) {
        return Err(ExtractError::NotText { reason });
    }
    let parsed = Html::parse_document(&strip::strip(&text, !options.selectors.is_empty()));
    let doc = dom::walk(&parsed);
    let sel = &options.selectors;

    let base = doc
        .base
        .and_then(|b| url.join(b).ok())
        .unwrap_or_else(|| url.clone());
    let canonical_url = doc.canonical.and_then(|c| base.join(c).ok());

    let ld = metadata::jsonld::read(&doc.jsonld);
    let meta = metadata::meta::read(&doc);
    let canonical_url =
        canonical_url.or_else(|| meta.url.as_deref().and_then(|u| base.join(u).ok()));

    let (forced, excluded) = overrides(&parsed, &doc, sel);
    let declared_keys: Vec<String> = [
        ld.headline.as_deref(),
        meta.title.as_deref(),
        meta.twitter_title.as_deref(),
        doc.title.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(text::key)
    .collect();
    let declared_titles: Vec<String> = declared_keys
        .iter()
        .filter(|k| !k.is_empty())
        .cloned()
        .collect();
    let titles: HashSet<String> = declared_keys
        .into_iter()
        .chain(
            doc.blocks
                .iter()
                .filter(|b| doc.elems[b.elem as usize].tag == tags::Tag::H(1))
                .map(|b| text::key(&b.text)),
        )
        .filter(|k| k.chars().count() >= 10)
        .collect();
    let body = body::extract(&doc, forced.as_ref(), &excluded, &titles, &declared_titles);
    let mut body_rule = if forced.is_some() {
        "site body selector"
    } else {
        body.rule
    };
    let mut body_text = body.paragraphs.join("\n\n");
    if let Some(ld_body) = ld
        .body
        .as_deref()
        .filter(|b| b.len() > body_text.len() * 2 && b.len() > 500)
    {
        body_text = ld_body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        body_rule = "json-ld articleBody (twice the page's text)";
    }
    let language = lang::detect(doc.lang, ld.language.as_deref(), &body_text);
    // The publisher's zone: the site config, else the ccTLD, else a single-zone page language.
    let tz = options
        .default_timezone
        .or_else(|| url.host_str().and_then(metadata::zones::tz_for_host))
        .or_else(|| {
            doc.lang
                .or(ld.language.as_deref())
                .or(language.as_deref())
                .and_then(metadata::zones::tz_for_language)
        });
    let loc = metadata::dates::Locale {
        tz,
        month_first: metadata::dates::page_month_first(
            metadata::zones::month_first(
                doc.lang.or(ld.language.as_deref()),
                language.as_deref(),
                url.host_str(),
            ),
            doc.blocks
                .iter()
                .map(|b| b.text.as_str())
                .chain(doc.times.iter().map(|(_, _, t)| t.as_str()))
                .chain(
                    [&ld.published, &ld.modified, &meta.published, &meta.modified]
                        .into_iter()
                        .filter_map(|s| s.as_deref()),
                ),
        ),
        offset: if tz.is_none() {
            metadata::dates::page_offset(
                [&ld.published, &ld.modified, &meta.published, &meta.modified]
                    .into_iter()
                    .filter_map(|s| s.as_deref())
                    .chain(doc.times.iter().filter_map(|(_, dt, _)| *dt)),
            )
        } else {
            None
        },
    };
    let (mut fields, mut explain) = metadata::reconcile(&doc, &ld, &meta, body.container, url, loc);
    apply_overrides(&parsed, sel, loc, &mut fields);
    fields.subtitle =
        standfirst::subtitle(&doc, &fields.title, fields.subtitle.as_deref(), &body_text);
    let (links, links_dropped) =
        links::collect(&doc, url, &base, &options.site_hosts, options.max_links);
    let (kind, kind_unsure, kind_rule) = kind::decide(
        &doc,
        &kind::KindInput {
            og_type: meta.og_type.as_deref(),
            ld_article: ld.is_article,
            ld_hub: ld.is_hub,
            good: body.good.max(text::weight(&body_text) / 2),
            bad: body.bad,
            dated: fields.published.is_some(),
            url_article: links::looks_like_article(url, ""),
            url_hub: links::looks_like_hub(url),
            prose: prose(&body_text),
            container: body.container,
            titles: &declared_titles,
            url_root: url.path().trim_matches('/').is_empty()
                && url.query().is_none_or(|q| q.is_empty()),
        },
    );
    explain.kind = kind_rule;
    explain.body = body_rule;
    let article = (kind == PageKind::Article).then(|| {
        let mut images: Vec<Image> = body::images(&doc, body.container)
            .into_iter()
            .filter_map(|(src, caption)| {
                base.join(&src).ok().map(|u| Image {
                    url: u.to_string(),
                    caption,
                })
            })
            .collect();
        if images.is_empty()
            && let Some(u) = meta
                .image
                .as_deref()
                .or(ld.image.as_deref())
                .and_then(|s| base.join(s).ok())
        {
            images.push(Image {
                url: u.to_string(),
                caption: None,
            });
        }
        let articles: HashSet<&str> = links
            .iter()
            .filter(|l| l.kind == LinkKind::Article)
            .map(|l| l.url.as_str())
            .collect();
        let related = standfirst::related_stories(&doc, &base, |u| articles.contains(u.as_str()));
        ArticleFields {
            body: body_text,
            images,
            related,
            kind_unsure,
            ..fields
        }
    });
    Ok(Extraction {
        kind,
        canonical_url,
        language,
        article,
        links,
        links_dropped,
        encoding: encoding.name(),
        explain,
    })
}

/// Weight and count of the paragraphs that read as prose: sentences of some length. A body
/// set as one block with line breaks counts a paragraph per three sentences.
fn prose(body: &str) -> (u32, usize) {
    body.split("\n\n")
        .filter(|p| text::ends_sentence(p))
        .map(|p| (text::weight(p), text::sentences(p)))
        .filter(|&(w, _)| w >= 80)
        .fold((0, 0), |(w, n), (pw, ps)| {
            (w + pw, n + ps.div_ceil(3).max(1))
        })
}

/// Element indices matched by the body and exclude overrides.
fn overrides(
    parsed: &Html,
    doc: &dom::Doc<'_>,
    sel: &SiteSelectors,
) -> (Option<HashSet<u32>>, HashSet<u32>) {
    if sel.body.is_none() && sel.exclude.is_empty() {
        return (None, HashSet::new());
    }
    let index: std::collections::HashMap<_, u32> = doc
        .elems
        .iter()
        .enumerate()
        .map(|(i, e)| (e.el.id(), i as u32))
        .collect();
    let matched = |s: &scraper::Selector| -> HashSet<u32> {
        parsed
            .select(s)
            .filter_map(|e| index.get(&e.id()).copied())
            .collect()
    };
    let forced = sel.body.as_ref().map(&matched).filter(|s| !s.is_empty());
    let excluded = sel.exclude.iter().flat_map(&matched).collect();
    (forced, excluded)
}

/// Title, authors and date from per-site selectors, when set and matching.
fn apply_overrides(
    parsed: &Html,
    sel: &SiteSelectors,
    loc: metadata::dates::Locale,
    m: &mut ArticleFields,
) {
    let text = |e: scraper::ElementRef<'_>| text::collapse(&e.text().collect::<String>());
    if let Some(t) = sel
        .title
        .as_ref()
        .and_then(|s| parsed.select(s).next())
        .map(text)
        .filter(|t| !t.is_empty())
    {
        m.title = t;
    }
    if let Some(s) = &sel.authors {
        let names: Vec<String> = parsed
            .select(s)
            .flat_map(|e| metadata::byline::clean_authors(&text(e)))
            .collect();
        if !names.is_empty() {
            m.authors = names;
        }
    }
    if let Some(e) = sel.published.as_ref().and_then(|s| parsed.select(s).next()) {
        let raw = e
            .value()
            .attr("datetime")
            .or(e.value().attr("content"))
            .map(str::to_string)
            .unwrap_or_else(|| text(e));
        if let Some((d, _)) = metadata::dates::parse_in(&raw, loc) {
            m.published = Some(d);
        }
    }
}

#[cfg(test)]
mod tests;
