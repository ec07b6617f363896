//! Metadata reconciliation: JSON-LD first, then `<meta>`, microdata and the visible page.
//!
//! Layout: [`jsonld`] (schema.org objects), [`meta`] (`<meta>` pairs), [`byline`] (author
//! names), [`dates`] (date strings), [`zones`] (ccTLD time zones).

pub(crate) mod byline;
pub(crate) mod dates;
pub(crate) mod jsonld;
pub(crate) mod meta;
pub(crate) mod zones;

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

use crate::dom::{Doc, NONE};
use crate::tags::Tag;
use crate::text::{collapse, key};

/// Reconciled metadata of an article page.
#[derive(Default, Debug)]
pub(crate) struct Meta {
    /// Headline.
    pub title: String,
    /// Standfirst / description.
    pub subtitle: Option<String>,
    /// Author names.
    pub authors: Vec<String>,
    /// Publication time.
    pub published: Option<DateTime<FixedOffset>>,
    /// Last update.
    pub updated: Option<DateTime<FixedOffset>>,
    /// Section.
    pub section: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
}

/// Keywords that introduce a publication / update date in visible text.
const POSTED: &[&str] = &[
    "posted",
    "published",
    "veröffentlicht",
    "erstellt",
    "publié",
    "publicado",
    "pubblicato",
    "입력",
    "등록",
    "기사입력",
    "게재",
    "発行",
    "公開",
];
const UPDATED: &[&str] = &[
    "updated",
    "aktualisiert",
    "mis à jour",
    "actualizado",
    "수정",
    "업데이트",
    "更新",
];
/// Words that start a visible date line.
pub(crate) const DATE_WORDS: &[&str] = &[
    "posted",
    "published",
    "updated",
    "veröffentlicht",
    "aktualisiert",
    "erstellt",
    "publié",
    "mis à jour",
    "publicado",
    "actualizado",
    "입력",
    "수정",
    "등록",
    "기사입력",
    "최종수정",
    "date",
    "datum",
    "stand",
];

fn strip_site(title: &str, site: Option<&str>) -> String {
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

/// The headline: the visible `<h1>` nearest the article (not a logo or site name), else the
/// declared title without its site suffix.
fn title(doc: &Doc<'_>, ld: &jsonld::LdArticle, m: &meta::MetaFields, container: u32) -> String {
    let site = m.site_name.as_deref().map(key).unwrap_or_default();
    let best = doc
        .blocks
        .iter()
        .filter(|b| doc.elems[b.elem as usize].tag == Tag::H(1))
        .filter(|b| {
            let k = key(&b.text);
            let e = &doc.elems[b.elem as usize];
            k.chars().count() >= 6 && k != site && !e.caption
        })
        .min_by_key(|b| {
            let in_boiler = u32::from(doc.elems[b.elem as usize].boiler_anc != NONE);
            let dist = if container == NONE {
                0
            } else {
                b.elem.abs_diff(container)
            };
            (in_boiler, dist)
        });
    // Every source votes; the text most sources agree on wins, earlier sources break ties.
    let h1 = best.map(|b| collapse(&b.text));
    let site_name = m.site_name.as_deref();
    // "Headline | Site" agrees with an `<h1>` "Headline"; when the `<h1>` lost the spaces
    // between its spans ("KickerHeadline" against "Kicker / Headline"), OpenGraph's text wins.
    let og = m
        .title
        .as_ref()
        .map(|t| strip_site(&collapse(t), site_name))
        .filter(|t| !t.is_empty());
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
    let declared = [
        ld.headline.as_ref(),
        m.title.as_ref(),
        m.twitter_title.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|t| {
        let t = collapse(t);
        let stripped = strip_site(&t, site_name);
        match &h1 {
            Some(h) if key(&stripped) == key(h) || kicked(&stripped, h) => h.clone(),
            _ => stripped,
        }
    });
    let candidates: Vec<String> = h1
        .clone()
        .into_iter()
        .chain(declared)
        .filter(|t| !t.is_empty())
        .collect();
    let votes = |c: &String| candidates.iter().filter(|o| *o == c).count();
    if let Some(winner) = candidates
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (votes(c), usize::MAX - i))
        .map(|(_, c)| c)
        && (best.is_some() || votes(winner) > 1)
    {
        return winner.clone();
    }
    if let Some(t) = ld.headline.as_ref().or(m.title.as_ref()) {
        return strip_site(&collapse(t), m.site_name.as_deref());
    }
    doc.title
        .as_deref()
        .map(|t| strip_site(&collapse(t), m.site_name.as_deref()))
        .unwrap_or_default()
}

/// Text of an element (whitespace collapsed), bounded.
fn elem_text(doc: &Doc<'_>, idx: u32) -> String {
    let t: String = doc.elems[idx as usize].el.text().take(50).collect();
    collapse(&t)
}

fn visible_authors(doc: &Doc<'_>, container: u32) -> Vec<String> {
    let start = doc
        .blocks
        .iter()
        .position(|b| doc.elems[b.elem as usize].tag == Tag::H(1))
        .unwrap_or(0);
    for b in doc.blocks.iter().skip(start).take(80) {
        if let Some(names) = metadata_byline(doc, b) {
            return names;
        }
    }
    if container != NONE {
        for b in doc
            .blocks
            .iter()
            .filter(|b| doc.contains(container, b.elem))
            .take(40)
        {
            if let Some(names) = metadata_byline(doc, b) {
                return names;
            }
        }
    }
    Vec::new()
}

fn metadata_byline(doc: &Doc<'_>, b: &crate::dom::Block) -> Option<Vec<String>> {
    if let Some(n) = byline::byline_line(&b.text) {
        return Some(n);
    }
    let classed = crate::body::ancestors(doc, b.elem)
        .take(4)
        .any(|a| doc.elems[a as usize].sig.byline);
    if classed && b.text.chars().count() <= 80 {
        let names = byline::clean_authors(&b.text);
        if !names.is_empty() && names.len() <= 4 {
            return Some(names);
        }
    }
    None
}

fn visible_date(
    doc: &Doc<'_>,
    words: &AhoCorasick,
    tz: Option<Tz>,
) -> Option<DateTime<FixedOffset>> {
    doc.blocks
        .iter()
        .take(3000)
        .filter(|b| b.text.len() <= 300)
        .find_map(|b| {
            words
                .find_iter(&b.text)
                .find_map(|m| dates::parse(b.text.get(m.end()..)?, tz).map(|(d, _)| d))
        })
}

fn automaton(words: &[&str]) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words)
        .unwrap_or_else(|_| unreachable!("static patterns"))
}

static POSTED_AC: LazyLock<AhoCorasick> = LazyLock::new(|| automaton(POSTED));
static UPDATED_AC: LazyLock<AhoCorasick> = LazyLock::new(|| automaton(UPDATED));

/// A short line near the headline that is mostly a date ("2. November 2021", "02.11.2021 | News").
fn dateline(doc: &Doc<'_>, tz: Option<Tz>) -> Option<DateTime<FixedOffset>> {
    let start = doc
        .blocks
        .iter()
        .position(|b| doc.elems[b.elem as usize].tag == Tag::H(1))?;
    let lo = start.saturating_sub(15);
    doc.blocks[lo..]
        .iter()
        .take(60)
        .filter(|b| b.text.len() <= 120 && b.text.split_whitespace().count() <= 10)
        .find_map(|b| dates::parse(&b.text, tz).map(|(d, _)| d))
}

fn itemprop_value(doc: &Doc<'_>, prop: &str) -> Option<String> {
    doc.itemprops
        .iter()
        .filter(|(p, _)| p.eq_ignore_ascii_case(prop))
        .find_map(|&(_, idx)| {
            let e = doc.elems[idx as usize].el.value();
            e.attr("content")
                .or(e.attr("datetime"))
                .map(str::to_string)
                .or_else(|| Some(elem_text(doc, idx)))
        })
}

fn url_date(url: &url::Url, tz: Option<Tz>) -> Option<DateTime<FixedOffset>> {
    let segs: Vec<&str> = url.path_segments()?.collect();
    segs.windows(3).find_map(|w| {
        let (y, m, d) = (
            w[0].parse::<i32>().ok()?,
            w[1].parse::<u32>().ok()?,
            w[2].get(..2)?.parse::<u32>().ok()?,
        );
        if !(1995..=2100).contains(&y) {
            return None;
        }
        let date = chrono::NaiveDate::from_ymd_opt(y, m, d)?;
        dates::localize(date.and_time(chrono::NaiveTime::MIN), tz)
    })
}

/// Reconciles every metadata source.
pub(crate) fn reconcile(
    doc: &Doc<'_>,
    ld: &jsonld::LdArticle,
    m: &meta::MetaFields,
    container: u32,
    url: &url::Url,
    tz: Option<Tz>,
) -> Meta {
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| dates::parse(s, tz))
            .map(|(d, _)| d)
    };
    let site_keys: Vec<String> = [
        m.site_name.as_deref(),
        url.host_str().map(|h| h.trim_start_matches("www.")),
    ]
    .into_iter()
    .flatten()
    .map(key)
    .filter(|k| k.len() >= 2)
    .collect();
    // The publisher named as author ("n-tv NACHRICHTEN", "Lrt.lt") is no byline.
    let personal = |names: Vec<String>| -> Vec<String> {
        names
            .into_iter()
            .filter(|n| {
                let k = key(n);
                !site_keys
                    .iter()
                    .any(|s| s.contains(&k) || k.contains(s.as_str()))
            })
            .collect()
    };
    let clean_all = |raw: &[String]| -> Vec<String> {
        raw.iter().flat_map(|a| byline::clean_authors(a)).collect()
    };
    let declared = clean_all(&ld.authors);
    let declared_meta = clean_all(&m.authors);
    let microdata = itemprop_value(doc, "author")
        .map(|a| byline::clean_authors(&a))
        .unwrap_or_default();
    let mut authors = personal(declared.clone());
    if authors.is_empty() {
        authors = personal(declared_meta.clone());
    }
    if authors.is_empty() {
        authors = personal(microdata.clone());
    }
    if authors.is_empty() {
        authors = personal(visible_authors(doc, container));
    }
    if authors.is_empty() {
        authors = [declared, declared_meta, microdata]
            .into_iter()
            .find(|a| !a.is_empty())
            .unwrap_or_default();
    }
    authors.dedup();
    let time_attr = doc
        .times
        .iter()
        .filter(|(idx, _, _)| {
            container == NONE || doc.contains(container, *idx) || *idx < container
        })
        .find_map(|(_, dt, text)| dates::parse(dt.unwrap_or(text), tz).map(|(d, _)| d));
    let published = parse(&ld.published)
        .or_else(|| parse(&m.published))
        .or_else(|| parse(&itemprop_value(doc, "datePublished")))
        .or_else(|| visible_date(doc, &POSTED_AC, tz))
        .or(time_attr)
        .or_else(|| url_date(url, tz))
        .or_else(|| dateline(doc, tz));
    let updated = parse(&ld.modified)
        .or_else(|| parse(&m.modified))
        .or_else(|| parse(&itemprop_value(doc, "dateModified")))
        .or_else(|| visible_date(doc, &UPDATED_AC, tz));
    let mut tags: Vec<String> = if ld.keywords.is_empty() {
        m.tags.clone()
    } else {
        ld.keywords.clone()
    };
    tags.dedup();
    Meta {
        title: title(doc, ld, m, container),
        subtitle: ld
            .description
            .clone()
            .or_else(|| m.description.clone())
            .map(|s| collapse(&s)),
        authors,
        published,
        updated,
        section: ld.section.clone().or_else(|| m.section.clone()),
        tags,
    }
}
