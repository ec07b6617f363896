//! Metadata reconciliation: JSON-LD first, then `<meta>`, microdata and the visible page.
//!
//! Layout: [`jsonld`] (schema.org objects), [`meta`] (`<meta>` pairs), [`byline`] (author
//! names), [`dates`] (date strings), [`title`] (the headline), [`zones`] (time zones of ccTLDs
//! and languages).

pub(crate) mod byline;
pub(crate) mod dates;
pub(crate) mod jsonld;
pub(crate) mod meta;
pub(crate) mod title;
pub(crate) mod zones;

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use chrono::{DateTime, FixedOffset, Timelike};
use chrono_tz::Tz;
use ego_tree::iter::Edge;
use scraper::Node;

use crate::dom::{Doc, NONE};
use crate::tags::Tag;
use crate::text::{collapse, key};
use crate::{ArticleFields, Explain};

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

/// Text of an element (whitespace collapsed), bounded.
fn elem_text(doc: &Doc<'_>, idx: u32) -> String {
    let t: String = doc.elems[idx as usize].el.text().take(50).collect();
    collapse(&t)
}

/// Whether an element sits in reader comments, a related-stories box or other boilerplate
/// (an author box, boilerplate by name, still counts as a byline). Wrappers of the article
/// `container` or of the `headline` are no box, and neither is an `<article>`'s own footer.
fn off_article(doc: &Doc<'_>, idx: u32, container: u32, headline: u32) -> bool {
    let wraps = |a: u32, x: u32| x != NONE && doc.contains(a, x);
    let path = crate::body::ancestors(doc, idx)
        .take_while(|&a| !wraps(a, container) && !wraps(a, headline));
    for a in path {
        let e = &doc.elems[a as usize];
        let s = e.sig;
        if s.comment || s.related {
            return true;
        }
        if s.boiler && !s.byline && !own_footer(doc, a, container) {
            return true;
        }
    }
    false
}

/// Whether a footer (by tag, class or id) is the article's own: inside an `<article>`, or
/// beside the article's text under one parent ("post-body" then "post-footer").
fn own_footer(doc: &Doc<'_>, idx: u32, container: u32) -> bool {
    let v = doc.elems[idx as usize].el.value();
    let named = |a: Option<&str>| a.is_some_and(|c| c.to_ascii_lowercase().contains("footer"));
    if !(v.name() == "footer" || named(v.attr("class")) || named(v.attr("id"))) {
        return false;
    }
    let parent = doc.elems[idx as usize].parent;
    in_article(doc, idx) || (container != NONE && parent != NONE && doc.contains(parent, container))
}

/// Whether an element has an `<article>` ancestor.
fn in_article(doc: &Doc<'_>, idx: u32) -> bool {
    crate::body::ancestors(doc, idx)
        .skip(1)
        .any(|a| doc.elems[a as usize].el.value().name() == "article")
}

/// Whether an element is a link to its author's page (`<a rel="author">`).
fn rel_author(doc: &Doc<'_>, idx: u32) -> bool {
    let e = &doc.elems[idx as usize];
    e.tag == Tag::A
        && e.el.value().attr("rel").is_some_and(|r| {
            r.split_ascii_whitespace()
                .any(|t| t.eq_ignore_ascii_case("author"))
        })
}

/// A space where an element starts or ends ("<a>Ann Lee</a><span>Follow</span>" are two
/// words), except inside words marked up for emphasis.
fn gap(out: &mut String, name: &str) {
    if !matches!(
        name,
        "b" | "i" | "em" | "strong" | "u" | "sup" | "sub" | "mark" | "abbr" | "wbr"
    ) && !out.ends_with(' ')
    {
        out.push(' ');
    }
}

/// Visible text of an element when it is short enough for a byline (whitespace collapsed):
/// the text of hidden descendants (see [`crate::dom::Elem::skipped`]) is left out.
fn short_text(doc: &Doc<'_>, idx: u32, max: usize) -> Option<String> {
    let mut out = String::new();
    // Elements are numbered in document order, so the walk can follow their indices.
    let mut open: Vec<u32> = Vec::new();
    let mut next = idx;
    for edge in doc.elems[idx as usize].el.traverse() {
        match edge {
            Edge::Open(n) => match n.value() {
                Node::Element(e) => {
                    open.push(next);
                    next += 1;
                    gap(&mut out, e.name());
                }
                Node::Text(t) => {
                    let visible = open
                        .last()
                        .and_then(|&k| doc.elems.get(k as usize))
                        .is_some_and(|e| !e.skipped);
                    if visible {
                        out.push_str(t);
                        if out.len() > max * 2 {
                            return None;
                        }
                    }
                }
                _ => {}
            },
            Edge::Close(n) => {
                if let Node::Element(e) = n.value() {
                    open.pop();
                    gap(&mut out, e.name());
                }
            }
        }
    }
    let out = collapse(&out);
    (!out.is_empty() && out.chars().count() <= max).then_some(out)
}

/// Names in a byline element's own short text: one to four. Controls ("Follow" buttons) and
/// long runs of CJK text (a profile blurb) are no byline.
fn element_names(doc: &Doc<'_>, idx: u32) -> Option<Vec<String>> {
    let e = &doc.elems[idx as usize];
    if !(e.sig.byline || rel_author(doc, idx))
        || e.sig.comment
        || e.caption
        || e.skipped
        || matches!(
            e.el.value().name(),
            "button" | "label" | "select" | "option"
        )
    {
        return None;
    }
    let text = short_text(doc, idx, 80)?;
    if text.chars().filter(|c| *c >= '\u{2e80}').count() > 24 {
        return None;
    }
    let names = byline::clean_authors(&text);
    (1..=4).contains(&names.len()).then_some(names)
}

/// The first byline element from `start` on: an element whose class or id names an author
/// or byline ("author vcard", "byline") or an `<a rel="author">`, outside comments and
/// boilerplate, whose short text holds one to four names. When byline elements nested in it
/// name as many people ("Von <span class=author>Anna Muster</span> Fr, 18. Mai"), their
/// names win. Returns the element's index and the names.
fn element_authors(
    doc: &Doc<'_>,
    start: u32,
    container: u32,
    headline: u32,
) -> Option<(u32, Vec<String>)> {
    let end = doc.elems.len().min(start as usize + 4000) as u32;
    (start..end).find_map(|i| {
        let names = element_names(doc, i)?;
        if off_article(doc, i, container, headline) {
            return None;
        }
        // The innermost nested byline elements that hold names.
        let mut leaves: Vec<(u32, Vec<String>)> = Vec::new();
        for j in i + 1..doc.elems[i as usize].end {
            // A dialog or box nested in the byline (an author bio pop-up) is no part of it.
            let boxed = || {
                crate::body::ancestors(doc, j)
                    .take_while(|&a| a != i)
                    .any(|a| doc.elems[a as usize].sig.boiler || doc.elems[a as usize].sig.related)
            };
            if let Some(n) = element_names(doc, j)
                && !boxed()
            {
                leaves.retain(|(k, _)| !doc.contains(*k, j));
                leaves.push((j, n));
            }
        }
        let mut inner: Vec<String> = Vec::new();
        for n in leaves.into_iter().flat_map(|(_, n)| n) {
            if !inner.iter().any(|o| o.eq_ignore_ascii_case(&n)) {
                inner.push(n);
            }
        }
        Some(if inner.len() >= names.len() {
            (i, inner)
        } else {
            (i, names)
        })
    })
}

fn visible_authors(doc: &Doc<'_>, container: u32) -> Vec<String> {
    let start = doc
        .blocks
        .iter()
        .position(|b| doc.elems[b.elem as usize].tag == Tag::H(1))
        .unwrap_or(0);
    let headline = doc
        .blocks
        .get(start)
        .filter(|b| doc.elems[b.elem as usize].tag == Tag::H(1))
        .map_or(NONE, |b| b.elem);
    // Byline elements may stand above the headline: in its `<article>`, else its parent.
    let start_elem = if headline == NONE {
        doc.blocks.get(start).map_or(0, |b| b.elem)
    } else {
        crate::body::ancestors(doc, headline)
            .skip(1)
            .find(|&a| doc.elems[a as usize].el.value().name() == "article")
            .unwrap_or_else(|| doc.elems[headline as usize].parent.min(headline))
    };
    let from_blocks = doc
        .blocks
        .iter()
        .skip(start)
        .take(80)
        .enumerate()
        .find_map(|(n, b)| {
            metadata_byline(doc, b, container)
                .or_else(|| (n < 12).then(|| name_date_line(&b.text)).flatten())
                .map(|names| (b.elem, names))
        });
    let from_elems = element_authors(doc, start_elem, container, headline);
    // The earlier of a byline line and a byline element wins.
    let first = match (from_blocks, from_elems) {
        (Some(b), Some(e)) => Some(if e.0 <= b.0 { e } else { b }),
        (b, e) => b.or(e),
    };
    if let Some((_, names)) = first {
        return names;
    }
    if container != NONE {
        for b in doc
            .blocks
            .iter()
            .filter(|b| doc.contains(container, b.elem))
            .take(40)
        {
            if let Some(names) = metadata_byline(doc, b, container) {
                return names;
            }
        }
        // A labelled credit anywhere in the article or just after it ("Text: Anna Muster").
        let first = doc
            .blocks
            .iter()
            .position(|b| doc.contains(container, b.elem))
            .unwrap_or(doc.blocks.len());
        let end = doc.elems[container as usize].end;
        let near: Vec<&crate::dom::Block> = doc.blocks[first..]
            .iter()
            .take(600)
            .take_while(|b| b.elem < end)
            .chain(
                doc.blocks[first..]
                    .iter()
                    .skip_while(|b| b.elem < end)
                    .take(20),
            )
            .filter(|b| !off_article(doc, b.elem, container, NONE))
            .collect();
        // Each line of a block; a label alone on its line takes the next block's text.
        let credit = near.iter().enumerate().find_map(|(i, b)| {
            b.text
                .split('\n')
                .find_map(byline::labelled_credit)
                .or_else(|| {
                    let label = b.text.trim();
                    let next = near.get(i + 1)?.text.split('\n').next()?;
                    byline::is_credit_label(label)
                        .then(|| byline::labelled_credit(&format!("{label} {next}")))
                        .flatten()
                })
        });
        if let Some(names) = credit {
            return names;
        }
    }
    Vec::new()
}

/// A line just below the headline that gives a name, a bar and a date ("Anna Muster |
/// 05.04.2025").
fn name_date_line(text: &str) -> Option<Vec<String>> {
    let (name, rest) = byline::name_before_date(text)?;
    dates::parse(rest, None).map(|_| vec![name])
}

fn metadata_byline(doc: &Doc<'_>, b: &crate::dom::Block, container: u32) -> Option<Vec<String>> {
    if let Some(n) = byline::byline_line(&b.text) {
        return (!off_article(doc, b.elem, container, NONE)).then_some(n);
    }
    // A byline class on a small element: on an `<article>` ("hentry author-x") it names the
    // post's author, not the line.
    let classed = crate::body::ancestors(doc, b.elem)
        .take(4)
        .any(|a| doc.elems[a as usize].sig.byline && short_text(doc, a, 160).is_some());
    if classed && b.text.chars().count() <= 80 && !off_article(doc, b.elem, container, NONE) {
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
    loc: dates::Locale,
) -> Option<DateTime<FixedOffset>> {
    doc.blocks
        .iter()
        .take(3000)
        .filter(|b| b.text.len() <= 300)
        .find_map(|b| {
            words
                .find_iter(&b.text)
                .find_map(|m| dates::parse_in(b.text.get(m.end()..)?, loc).map(|(d, _)| d))
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

/// Whether an element sits in navigation, a boilerplate box (menus, sidebars, footers) or a
/// related-stories box.
fn boxed(doc: &Doc<'_>, idx: u32) -> bool {
    crate::body::ancestors(doc, idx).take(10).any(|a| {
        let e = &doc.elems[a as usize];
        e.sig.boiler || e.sig.related || e.el.value().name() == "nav"
    })
}

/// A short line near the headline that is mostly a date ("2. November 2021", "02.11.2021 | News",
/// "Lübeck, 31. März 2003"). Searched around the heading of the headline (an `<h1>`, else an
/// `<h2>`/`<h3>`): the heading, the two lines just above it, the lines after it, then the
/// lines further up, nearest first; else before, then after, the start of the article body;
/// else around the first `<h1>`. Each line of a block counts on its own.
fn dateline(
    doc: &Doc<'_>,
    loc: dates::Locale,
    title: &str,
    container: u32,
) -> Option<DateTime<FixedOffset>> {
    let is_h1 = |b: &&crate::dom::Block| doc.elems[b.elem as usize].tag == Tag::H(1);
    let title_key = key(title);
    let headline = (!title_key.is_empty())
        .then(|| {
            let of_title = |b: &crate::dom::Block| key(&b.text) == title_key;
            let is_heading =
                |b: &crate::dom::Block| matches!(doc.elems[b.elem as usize].tag, Tag::H(1..=3));
            doc.blocks
                .iter()
                .position(|b| is_h1(&b) && of_title(b))
                .or_else(|| doc.blocks.iter().position(|b| is_heading(b) && of_title(b)))
        })
        .flatten();
    let body_start = (container != NONE)
        .then(|| {
            doc.blocks
                .iter()
                .position(|b| doc.contains(container, b.elem))
        })
        .flatten();
    let first_h1 = doc.blocks.iter().position(|b| is_h1(&b));
    let line_date = |text: &str| {
        text.lines()
            .map(str::trim)
            .filter(|l| l.len() <= 120 && l.split_whitespace().count() <= 12)
            .find_map(|l| dates::parse_in(l, loc).map(|(d, _)| d))
    };
    let near = |anchor: usize, before_first: bool| {
        let date = |b: &crate::dom::Block| (b.text.len() <= 600).then(|| line_date(&b.text))?;
        let after = || doc.blocks[anchor..].iter().take(45);
        let before = |from: usize, to: usize| {
            doc.blocks[anchor.saturating_sub(to)..anchor.saturating_sub(from)]
                .iter()
                .rev()
        };
        if before_first {
            before(0, 15).chain(after()).find_map(date)
        } else {
            let own = doc.blocks[anchor..].iter().take(1);
            // Just above the headline, but not the end of a menu or a teaser list.
            own.chain(before(0, 2).filter(|b| !boxed(doc, b.elem)))
                .chain(after().skip(1))
                .chain(before(2, 15))
                .find_map(date)
        }
    };
    // A dateline follows its headline or sits just above it, and comes before the body's
    // first paragraph.
    let mut tried: Vec<usize> = Vec::with_capacity(3);
    for (anchor, before_first) in [(headline, false), (body_start, true), (first_h1, false)] {
        let Some(anchor) = anchor.filter(|a| !tried.contains(a)) else {
            continue;
        };
        tried.push(anchor);
        if let Some(d) = near(anchor, before_first) {
            return Some(d);
        }
    }
    None
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

/// The microdata author: the `name` property nested in the first `itemprop="author"`
/// element, its `content`, or its text when short (an author box's biography is no name).
fn microdata_author(doc: &Doc<'_>) -> Option<String> {
    let (pos, &(_, idx)) = doc
        .itemprops
        .iter()
        .enumerate()
        .find(|(_, (p, _))| p.eq_ignore_ascii_case("author"))?;
    let nested = doc.itemprops[pos + 1..]
        .iter()
        .take_while(|(_, i)| doc.contains(idx, *i))
        .find(|(p, _)| p.eq_ignore_ascii_case("name"))
        .map(|&(_, i)| i);
    let e = doc.elems[nested.unwrap_or(idx) as usize].el.value();
    e.attr("content")
        .map(str::to_string)
        .or_else(|| short_text(doc, nested.unwrap_or(idx), 80))
}

/// The leading number of a path segment when 1 to `max` digits long and not followed by
/// another digit ("12", "12-story", "12_x.html").
fn leading_number(seg: &str, max: usize) -> Option<(u32, usize)> {
    let len = seg.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 || len > max {
        return None;
    }
    Some((seg.get(..len)?.parse().ok()?, len))
}

/// A date in the URL path: `/2023/01/30/`, `/2023/1/30-story`, or a segment starting with
/// `20230130` followed by a non-digit.
fn url_date(url: &url::Url, tz: Option<Tz>) -> Option<DateTime<FixedOffset>> {
    let segs: Vec<&str> = url.path_segments()?.collect();
    let in_range = |y: u32| (1995..=2100).contains(&y);
    let date = segs
        .windows(3)
        .find_map(|w| {
            let y = w[0].parse::<u32>().ok().filter(|&y| in_range(y))?;
            let (m, _) = leading_number(w[1], 2).filter(|&(_, l)| l == w[1].len())?;
            let (d, _) = leading_number(w[2], 2)?;
            chrono::NaiveDate::from_ymd_opt(y as i32, m, d)
        })
        .or_else(|| {
            segs.iter().find_map(|seg| {
                let (n, 8) = leading_number(seg, 8)? else {
                    return None;
                };
                let y = n / 10_000;
                in_range(y).then_some(())?;
                chrono::NaiveDate::from_ymd_opt(y as i32, n / 100 % 100, n % 100)
            })
        })?;
    dates::localize(date.and_time(chrono::NaiveTime::MIN), tz)
}

/// The URL's calendar date (`/2023/01/30/`), before any zone is applied.
fn url_day(url: &url::Url) -> Option<chrono::NaiveDate> {
    let d = url_date(url, None)?;
    Some(d.date_naive())
}

/// A timestamp given in UTC expressed in the publisher's zone (same instant), so that its
/// calendar day is the publisher's: the offset of a `<time datetime>` naming the same instant,
/// else the site's zone, else the nearest whole-hour offset that puts it on the URL's date
/// when that is the day before or after. Midnight UTC is a bare date and stays as it is.
fn publisher_time(
    d: DateTime<FixedOffset>,
    doc: &Doc<'_>,
    tz: Option<Tz>,
    url: &url::Url,
) -> DateTime<FixedOffset> {
    if d.offset().local_minus_utc() != 0 || d.time() == chrono::NaiveTime::MIN {
        return d;
    }
    for (_, dt, text) in &doc.times {
        let Some((t, _)) = dt.and_then(|dt| dates::parse(dt, None)) else {
            continue;
        };
        if (t.timestamp() - d.timestamp()).abs() >= 60 {
            continue;
        }
        if t.offset().local_minus_utc() != 0 {
            return d.with_timezone(t.offset());
        }
        // The element shows the UTC day (and clock) itself: the zone was UTC, or the wall
        // clock mislabelled.
        if dates::parse(text, None).is_some_and(|(v, has_time)| {
            v.date_naive() == d.date_naive() && (!has_time || v.time().hour() == d.time().hour())
        }) {
            return d;
        }
    }
    if let Some(tz) = tz {
        return d.with_timezone(&tz).fixed_offset();
    }
    let Some(day) = url_day(url) else {
        return d;
    };
    let secs = i32::try_from(d.num_seconds_from_midnight()).unwrap_or(0);
    let hours = match (day - d.date_naive()).num_days() {
        -1 => -(secs / 3600 + 1),
        1 => (86_400 - secs + 3599) / 3600,
        _ => return d,
    };
    match FixedOffset::east_opt(hours * 3600).filter(|_| (-12..=14).contains(&hours)) {
        Some(off) => d.with_timezone(&off),
        None => d,
    }
}

/// A declared publication date checked against the page: a bare date (midnight) yields to
/// the article's first `<time>` when that has a time of day within a day of it (the same
/// publication, read more precisely: an edition date is often the day after); a date more
/// than 30 days after the one in the URL is a republication, and the URL's date is the first.
fn refine_declared(
    d: DateTime<FixedOffset>,
    time_attr: Option<(DateTime<FixedOffset>, bool)>,
    in_url: Option<DateTime<FixedOffset>>,
) -> DateTime<FixedOffset> {
    if let Some(u) = in_url
        && (d - u).num_days() > 30
    {
        return u;
    }
    match time_attr {
        Some((t, true))
            if d.time() == chrono::NaiveTime::MIN && t != d && (t - d).num_hours().abs() <= 24 =>
        {
            t
        }
        _ => d,
    }
}

/// Reconciles every metadata source into the article's metadata fields (body, images and
/// related links are left for the body pass), and says which rule chose each.
pub(crate) fn reconcile(
    doc: &Doc<'_>,
    ld: &jsonld::LdArticle,
    m: &meta::MetaFields,
    container: u32,
    url: &url::Url,
    loc: dates::Locale,
) -> (ArticleFields, Explain) {
    let tz = loc.tz;
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| dates::parse_in(s, loc))
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
    let is_site = |s: &str| {
        let k = key(s);
        k.len() >= 2 && site_keys.iter().any(|sk| sk == &k)
    };
    // "Site - Anna Muster" declares Anna Muster; user handles read as names.
    let clean_all = |raw: &[String]| -> Vec<String> {
        raw.iter()
            .flat_map(|a| {
                let named = [" - ", " | ", " – "]
                    .iter()
                    .find_map(|bar| a.split_once(bar))
                    .filter(|(head, _)| is_site(head))
                    .map_or(a.as_str(), |(_, tail)| tail);
                byline::clean_declared(&byline::unhandle(named))
            })
            .collect()
    };
    let declared = clean_all(&ld.authors);
    let declared_meta = clean_all(&m.authors);
    let microdata = microdata_author(doc)
        .map(|a| byline::clean_authors(&a))
        .unwrap_or_default();
    let mut why = Explain::default();
    let visible = if [&declared, &declared_meta, &microdata]
        .iter()
        .all(|d| personal((*d).clone()).is_empty())
    {
        visible_authors(doc, container)
    } else {
        Vec::new()
    };
    // Declared names first (JSON-LD, `<meta>`, microdata), then the visible byline; when only
    // the publisher is named, a declared name first (a blog whose author goes by its name).
    let sources = [
        (declared, "json-ld author"),
        (declared_meta, "meta author"),
        (microdata, "microdata author"),
        (visible, "visible byline"),
    ];
    let (mut authors, rule) = sources
        .iter()
        .map(|(names, rule)| (personal(names.clone()), *rule))
        .find(|(names, _)| !names.is_empty())
        .or_else(|| {
            sources
                .iter()
                .find(|(names, _)| !names.is_empty())
                .map(|(names, _)| (names.clone(), "publisher as author"))
        })
        .unwrap_or((Vec::new(), "none"));
    why.authors = rule;
    authors.dedup();
    let time_attr = doc
        .times
        .iter()
        .filter(|(idx, _, _)| {
            container == NONE || doc.contains(container, *idx) || *idx < container
        })
        .find_map(|(_, dt, text)| dates::parse_in(dt.unwrap_or(text), loc));
    let (title, title_rule) = title::title(doc, ld, m, container);
    why.title = title_rule;
    let in_url = url_date(url, tz);
    let declared_date = [
        (parse(&ld.published), "json-ld datePublished"),
        (parse(&m.published), "meta published"),
        (
            parse(&itemprop_value(doc, "datePublished")),
            "itemprop datePublished",
        ),
    ]
    .into_iter()
    .find_map(|(d, rule)| Some((d?, rule)))
    .or_else(|| visible_date(doc, &POSTED_AC, loc).map(|d| (d, "visible 'published' line")));
    let (published, rule) = match declared_date {
        Some((d, rule)) => (Some(refine_declared(d, time_attr, in_url)), rule),
        None => match (time_attr, in_url) {
            (Some((d, _)), _) => (Some(d), "<time> element"),
            (None, Some(d)) => (Some(d), "date in the URL"),
            (None, None) => match dateline(doc, loc, &title, container) {
                Some(d) => (Some(d), "dateline near the headline"),
                None => (None, "none"),
            },
        },
    };
    why.published = rule;
    let published = published.map(|d| publisher_time(d, doc, tz, url));
    let updated = parse(&ld.modified)
        .or_else(|| parse(&m.modified))
        .or_else(|| parse(&itemprop_value(doc, "dateModified")))
        .or_else(|| visible_date(doc, &UPDATED_AC, loc))
        .map(|d| publisher_time(d, doc, tz, url));
    let mut tags: Vec<String> = if ld.keywords.is_empty() {
        m.tags.clone()
    } else {
        ld.keywords.clone()
    };
    tags.dedup();
    let fields = ArticleFields {
        title,
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
        ..ArticleFields::default()
    };
    (fields, why)
}
