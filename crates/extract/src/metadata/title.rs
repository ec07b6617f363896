//! The headline: the visible `<h1>` and the declared titles (JSON-LD `headline`, OpenGraph,
//! Twitter card) reconciled by vote.

use scraper::Html;

use super::jsonld::LdArticle;
use super::meta::MetaFields;
use crate::dom::{Doc, NONE};
use crate::tags::Tag;
use crate::text::{collapse, key};

/// Removes site-name suffixes: "Headline | Site", "Headline - Site" (when it names the site),
/// and short last " | " parts ("Headline | News", "Headline | Site | by Author").
pub(crate) fn strip_site(title: &str, site: Option<&str>) -> String {
    let mut best = title.to_string();
    for _ in 0..3 {
        let shorter = strip_one_suffix(&best, site);
        if shorter == best {
            break;
        }
        best = shorter;
    }
    best
}

/// One pass of [`strip_site`]: at most one suffix per separator.
fn strip_one_suffix(title: &str, site: Option<&str>) -> String {
    let mut best = title.to_string();
    for sep in [" | ", " - ", " – ", " — ", " :: ", " · ", " « ", " » "] {
        if let Some((a, b)) = best.rsplit_once(sep) {
            let (kb, ks) = (key(b), site.map(key).unwrap_or_default());
            let site_match =
                !ks.is_empty() && !kb.is_empty() && (kb.contains(&ks) || ks.contains(&kb));
            if site_match
                || (sep == " | " && b.split_whitespace().count() <= 4 && a.len() > b.len())
            {
                best = a.trim().to_string();
            }
        }
    }
    best
}

/// Whether `long` is `short` behind a kicker: "Kicker: short", "Kicker – short".
fn kicked(long: &str, short: &str) -> bool {
    long.len() > short.len()
        && long.ends_with(short)
        && long[..long.len() - short.len()]
            .trim_end()
            .ends_with([':', '–', '—', '|', '/'])
}

/// Character references left in a declared value ("R&uuml;ckbau", "It&#8217;s"), decoded by
/// the HTML parser; the value unchanged when it has none.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') || !s.contains(';') {
        return s.to_string();
    }
    let frag = Html::parse_fragment(&s.replace('<', "&lt;"));
    frag.root_element().text().collect()
}

/// Class tokens of text kept for screen readers only ("Kicker<span class=sr-only>: </span>").
fn screen_reader_only(class: &str) -> bool {
    class.split_ascii_whitespace().any(|t| {
        matches!(
            t,
            "sr-only" | "visually-hidden" | "visuallyhidden" | "screen-reader-text" | "a11y-hidden"
        )
    })
}

/// Text of a heading element: its own block, or all of it when a screen-reader separator joins
/// a kicker to the headline inside it.
fn heading_text(doc: &Doc<'_>, idx: u32, block_text: &str) -> String {
    let e = &doc.elems[idx as usize];
    let joined = (idx + 1..e.end).any(|i| {
        doc.elems[i as usize]
            .el
            .value()
            .attr("class")
            .is_some_and(screen_reader_only)
    });
    if joined {
        collapse(&e.el.text().collect::<String>())
    } else {
        collapse(block_text)
    }
}

/// Whether an element sits in a `<nav>` or a breadcrumb trail.
fn in_trail(doc: &Doc<'_>, idx: u32) -> bool {
    crate::body::ancestors(doc, idx).take(8).any(|a| {
        let e = doc.elems[a as usize].el.value();
        e.name() == "nav"
            || [e.attr("class"), e.attr("id")]
                .into_iter()
                .flatten()
                .any(|v| v.to_ascii_lowercase().contains("breadcrumb"))
    })
}

/// The visible headline: the `<h1>` a declared title repeats, else the one nearest the article
/// (not a logo, site name or caption).
/// An `<h1>` in navigation or a breadcrumb trail names the page's place in the site, not its
/// story: when the page declares a title, an `<h2>`/`<h3>` that repeats one stands in (with the
/// declared text, OpenGraph's first, since headings often lose the kicker's separator).
fn visible(
    doc: &Doc<'_>,
    site: &str,
    container: u32,
    declared: &[String],
    og: Option<&String>,
) -> Option<String> {
    let keys: Vec<String> = declared.iter().map(|d| key(d)).collect();
    let best = doc
        .blocks
        .iter()
        .filter(|b| doc.elems[b.elem as usize].tag == Tag::H(1))
        .filter(|b| {
            let k = key(&b.text);
            k.chars().count() >= 6 && k != site && !doc.elems[b.elem as usize].caption
        })
        .min_by_key(|b| {
            let unconfirmed = u32::from(!keys.contains(&key(&b.text)));
            let in_boiler = u32::from(doc.elems[b.elem as usize].boiler_anc != NONE);
            let dist = if container == NONE {
                0
            } else {
                b.elem.abs_diff(container)
            };
            (unconfirmed, in_boiler, dist)
        });
    match best {
        Some(b) if !in_trail(doc, b.elem) || declared.is_empty() => {
            Some(heading_text(doc, b.elem, &b.text))
        }
        _ => {
            let k = doc
                .blocks
                .iter()
                .filter(|b| {
                    matches!(doc.elems[b.elem as usize].tag, Tag::H(2) | Tag::H(3))
                        && doc.elems[b.elem as usize].boiler_anc == NONE
                })
                .map(|b| key(&heading_text(doc, b.elem, &b.text)))
                .find(|k| k.chars().count() >= 6 && keys.contains(k))?;
            og.filter(|o| key(o) == k)
                .or_else(|| declared.iter().find(|d| key(d) == k))
                .cloned()
        }
    }
}

/// The headline: every source votes; the text most sources agree on wins, the visible heading
/// and then earlier sources breaking ties; without a visible heading a lone declared title is
/// taken as JSON-LD, OpenGraph, then `<title>` give it.
/// Returns the headline and the rule that chose it.
pub(crate) fn title(
    doc: &Doc<'_>,
    ld: &LdArticle,
    m: &MetaFields,
    container: u32,
) -> (String, &'static str) {
    let site_name = m.site_name.as_deref();
    let site = site_name.map(key).unwrap_or_default();
    let clean = |t: &String| strip_site(&collapse(&decode_entities(t)), site_name);
    let og = m.title.as_ref().map(clean).filter(|t| !t.is_empty());
    let declared: Vec<String> = [
        ld.headline.as_ref().map(clean),
        og.clone(),
        m.twitter_title.as_ref().map(clean),
    ]
    .into_iter()
    .flatten()
    .chain(m.other_titles.iter().map(clean))
    .filter(|t| !t.is_empty())
    .collect();
    let h1 = visible(doc, &site, container, &declared, og.as_ref());
    let has_h1 = h1.is_some();
    // "Headline | Site" agrees with an `<h1>` "Headline"; when the `<h1>` lost the spaces
    // between its spans ("KickerHeadline" against "Kicker / Headline"), OpenGraph's text wins.
    let h1 = match (h1, &og) {
        (Some(h), Some(o))
            if key(&h) == key(o) && o.split_whitespace().count() > h.split_whitespace().count() =>
        {
            Some(o.clone())
        }
        // An `<h1>` "Kicker: Headline" whose headline OpenGraph gives alone.
        (Some(h), Some(o)) if kicked(&h, o) => Some(o.clone()),
        (h, _) => h,
    };
    // JSON-LD and the social tags all declaring "Kicker: Headline" over an `<h1>` of the
    // headline alone: the publisher's headline carries its kicker.
    if let (Some(h), Some(first)) = (&h1, declared.first())
        && ld.headline.is_some()
        && declared.len() >= 2
        && declared.iter().all(|d| d == first)
        && kicked(first, h)
    {
        return (first.clone(), "declared kicker over <h1>");
    }
    let candidates: Vec<String> = h1
        .clone()
        .into_iter()
        .chain(declared.iter().map(|t| match &h1 {
            Some(h) if key(t) == key(h) || kicked(t, h) => h.clone(),
            _ => t.clone(),
        }))
        .collect();
    let votes = |c: &String| candidates.iter().filter(|o| *o == c).count();
    if let Some(winner) = candidates
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (votes(c), usize::MAX - i))
        .map(|(_, c)| c)
        && (has_h1 || votes(winner) > 1)
    {
        let why = match (has_h1 && h1.as_ref() == Some(winner), votes(winner)) {
            (true, 1) => "<h1> alone",
            (true, _) => "<h1> confirmed by declared titles",
            (false, _) => "declared titles agreeing",
        };
        return (winner.clone(), why);
    }
    if let Some(t) = declared.first() {
        return (t.clone(), "first declared title");
    }
    (
        doc.title
            .as_deref()
            .map(|t| strip_site(&collapse(t), site_name))
            .unwrap_or_default(),
        "<title>",
    )
}

#[cfg(test)]
mod tests {
    use super::strip_site;

    #[test]
    fn strips_every_site_and_author_suffix() {
        let site = Some("The Daily Example");
        assert_eq!(
            strip_site("Storm hits coast | The Daily Example | by Jane Doe", site),
            "Storm hits coast"
        );
        assert_eq!(
            strip_site("Storm hits coast - The Daily Example", site),
            "Storm hits coast"
        );
        assert_eq!(
            strip_site("Storm hits coast | News", None),
            "Storm hits coast"
        );
        assert_eq!(
            strip_site("Rain, then sun - what the week brings", site),
            "Rain, then sun - what the week brings"
        );
    }
}
