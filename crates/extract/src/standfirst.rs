//! The sub-headline (standfirst) and the related-stories list of an article.
//!
//! A sub-headline is what the page shows under its headline: the heading
//! right after the `<h1>`, or an element marked as one (`subtitle`, `standfirst`,
//! `dek`, ...). A meta/JSON-LD description stands in only when it is not
//! simply the article's first sentence, as it is on many sites.

use foldhash::HashMap;
use url::Url;

use crate::dom::{Doc, NONE};
use crate::tags::Tag;
use crate::text::key;

/// Class/id words that mark a sub-headline element.
const SUBTITLE_MARKS: &[&str] = &[
    "subtitle",
    "sub-title",
    "sub_title",
    "subhead",
    "sub-head",
    "standfirst",
    "strapline",
    "deck",
    "dek",
    "kicker-sub",
];

/// Words naming a box of related stories (class/id or heading), as opposed to
/// "top stories" or "most read" boxes.
const RELATED_NAMES: &[&str] = &[
    "related",
    "see also",
    "also read",
    "read also",
    "more on this",
    "lire aussi",
    "à lire",
    "mehr zum thema",
    "relacionad",
    "correlat",
    "관련",
    "関連",
    "相关",
];

fn class_and_id(doc: &Doc<'_>, idx: u32) -> String {
    let v = doc.elems[idx as usize].el.value();
    format!(
        "{} {}",
        v.attr("class").unwrap_or(""),
        v.attr("id").unwrap_or("")
    )
    .to_ascii_lowercase()
}

/// The visible sub-headline, else a description that is not the body's opening.
pub(crate) fn subtitle(
    doc: &Doc<'_>,
    title: &str,
    description: Option<&str>,
    body: &str,
) -> Option<String> {
    let title_key = key(title);
    let h1 = doc
        .blocks
        .iter()
        .position(|b| doc.elems[b.elem as usize].tag == Tag::H(1) && key(&b.text) == title_key);
    if let Some(h1) = h1 {
        // Between the headline and the first body paragraph: datelines,
        // share buttons, the lead photo, and the sub-headline if there is one.
        let mut first = true;
        for b in doc.blocks.iter().skip(h1 + 1).take(12) {
            let e = &doc.elems[b.elem as usize];
            let len = b.text.chars().count();
            if e.tag == Tag::P && len > 150 {
                break;
            }
            if e.caption || e.boiler_anc != NONE || !(10..=300).contains(&len) {
                continue;
            }
            let marked = {
                let own = class_and_id(doc, b.elem);
                SUBTITLE_MARKS.iter().any(|m| own.contains(m))
            };
            if marked || (first && matches!(e.tag, Tag::H(2..=4))) {
                return Some(crate::text::collapse(&b.text));
            }
            first = false;
        }
    }
    let description = crate::text::collapse(description?);
    let opening: String = body
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .take(200)
        .collect();
    let probe: String = key(&description).chars().take(60).collect();
    (!description.is_empty() && !opening.contains(&probe) && key(&description) != title_key)
        .then_some(description)
}

/// Whether the box `a` is named as related stories, by its class or id or by its first
/// heading.
fn named_related(doc: &Doc<'_>, a: u32) -> bool {
    let own = class_and_id(doc, a);
    if RELATED_NAMES.iter().any(|n| own.contains(n)) {
        return true;
    }
    doc.blocks
        .iter()
        .find(|b| matches!(doc.elems[b.elem as usize].tag, Tag::H(_)) && doc.contains(a, b.elem))
        .is_some_and(|h| {
            let text = h.text.to_lowercase();
            RELATED_NAMES.iter().any(|n| text.contains(n))
        })
}

/// Whether the story box around `elem` (if any) is named as related stories; `named` keeps
/// the answer for each box already looked at.
fn in_related_box(doc: &Doc<'_>, elem: u32, named: &mut HashMap<u32, bool>) -> bool {
    crate::body::ancestors(doc, elem)
        .filter(|&a| doc.elems[a as usize].sig.related)
        .any(|a| *named.entry(a).or_insert_with(|| named_related(doc, a)))
}

/// Absolute URLs of the links inside related-stories boxes, in page order,
/// without repeats; only links `keep` accepts (same-site articles).
pub(crate) fn related_stories(
    doc: &Doc<'_>,
    base: &Url,
    keep: impl Fn(&Url) -> bool,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut listed = std::collections::HashSet::new();
    let mut named = HashMap::default();
    for link in &doc.links {
        if !in_related_box(doc, link.elem, &mut named) {
            continue;
        }
        let Ok(url) = base.join(link.href.trim()) else {
            continue;
        };
        if !keep(&url) {
            continue;
        }
        let url = url.to_string();
        if listed.insert(url.clone()) {
            out.push(url);
        }
    }
    out
}
