//! The article body: one bottom-up scoring pass picks the container with the most running text
//! net of links and boilerplate, then its blocks are emitted in order without boilerplate.

use std::collections::HashSet;

use crate::dom::{Doc, NONE};
use crate::tags::Tag;
use crate::text::ends_sentence;

/// Share of a boilerplate box's running text that counts against the element holding it (a
/// comment thread under the story must not sink the story's container).
const BOX_TEXT_DIVISOR: i64 = 4;
/// Weight a block needs to count as running text on its own.
const MIN_GOOD: u32 = 40;
/// Net running text of a container that is an article on its own.
const ARTICLE_SCORE: i64 = 800;
/// Running text of an `<article>` that makes it a story, not a header.
const STORY_TEXT: i64 = 400;
/// Weight a sentence-like block needs.
const MIN_SENTENCE: u32 = 20;

/// The chosen container and its score details.
pub(crate) struct Body {
    /// Index of the container element ([`NONE`] when the page has no text).
    pub container: u32,
    /// Running text weight inside the container.
    pub good: u32,
    /// Link and boilerplate weight inside the container.
    pub bad: u32,
    /// Paragraphs in order.
    pub paragraphs: Vec<String>,
    /// Indices of the blocks emitted (parallel to their paragraphs' origin).
    pub blocks: Vec<usize>,
    /// The rule that chose the container.
    pub rule: &'static str,
}

fn is_good(doc: &Doc<'_>, b: &crate::dom::Block) -> bool {
    let e = &doc.elems[b.elem as usize];
    if matches!(e.tag, Tag::H(_)) || e.caption {
        return false;
    }
    let own = b.weight - b.link_weight;
    b.link_weight * 10 < b.weight * 3
        && (own >= MIN_GOOD || (own >= MIN_SENTENCE && ends_sentence(&b.text)))
}

/// Scores every element and returns the best container (or the override's).
pub(crate) fn choose(
    doc: &Doc<'_>,
    forced: Option<&HashSet<u32>>,
) -> (u32, Vec<i64>, Vec<i64>, &'static str) {
    let n = doc.elems.len();
    let mut good = vec![0i64; n];
    let mut bad = vec![0i64; n];
    for b in &doc.blocks {
        let i = b.elem as usize;
        if is_good(doc, b) {
            good[i] += i64::from(b.weight - b.link_weight);
            bad[i] += i64::from(b.link_weight);
        } else {
            // Short non-link text (datelines, labels) is neutral.
            bad[i] += i64::from(b.link_weight);
        }
    }
    for i in (1..n).rev() {
        let p = doc.elems[i].parent;
        if p == NONE {
            continue;
        }
        let (g, b) = (good[i], bad[i]);
        let p = p as usize;
        if doc.elems[i].sig.boiler || doc.elems[i].sig.related {
            bad[p] += b + g / BOX_TEXT_DIVISOR;
        } else {
            good[p] += g;
            bad[p] += b;
        }
    }
    if let Some(set) = forced
        && let Some(&first) = set.iter().min()
    {
        return (first, good, bad, "site body selector");
    }
    // Text inside a footer, sidebar or other boilerplate region (a copyright notice) is the
    // container only when nothing outside one has running text.
    // A container outside every boilerplate box with the running text of a real article
    // wins; else text inside a comment thread, sidebar widget or other boilerplate box counts
    // for a third, and footers, navigation and sidebars come last.
    let (clean, clean_score) = best_of(doc, &good, &bad, |i| doc.elems[i].boiler_anc == NONE);
    if clean != NONE && clean_score >= ARTICLE_SCORE {
        return (
            clean,
            good,
            bad,
            "article-sized container outside boilerplate",
        );
    }
    // Reader comments are never the story: a comment thread is a candidate only when nothing
    // else on the page has running text.
    let mut in_comments = vec![false; n];
    for i in 0..n {
        let p = doc.elems[i].parent;
        in_comments[i] = doc.elems[i].sig.comment || (p != NONE && in_comments[p as usize]);
    }
    let mut best = NONE;
    let mut best_score = i64::MIN;
    let mut rule = "no running text";
    for pass in [false, true] {
        for i in 0..n {
            let mut score = good[i] - bad[i];
            if doc.elems[i].boiler_anc != NONE && score > 0 {
                score /= 3;
            }
            let eligible = pass || !(in_structural_boiler(doc, i) || in_comments[i]);
            if good[i] > 0 && score >= best_score && eligible {
                best = i as u32;
                best_score = score;
                rule = match (pass, doc.elems[i].boiler_anc != NONE) {
                    (_, false) => "best small container",
                    (false, true) => "best container, in a boilerplate box",
                    (true, true) => "best container, in footer or navigation",
                };
            }
        }
        if best != NONE {
            break;
        }
    }
    (best, good, bad, rule)
}

/// The element with the best net running text among those `keep` accepts.
fn best_of(doc: &Doc<'_>, good: &[i64], bad: &[i64], keep: impl Fn(usize) -> bool) -> (u32, i64) {
    let mut best = (NONE, i64::MIN);
    for i in 0..doc.elems.len() {
        let score = good[i] - bad[i];
        if good[i] > 0 && score >= best.1 && keep(i) {
            best = (i as u32, score);
        }
    }
    best
}

/// Whether element `i` lies in a `<footer>`, `<nav>`, `<aside>` or similar region.
fn in_structural_boiler(doc: &Doc<'_>, i: usize) -> bool {
    let b = doc.elems[i].boiler_anc;
    b != NONE && crate::tags::structural_boiler(doc.elems[b as usize].el.value().name())
}

/// Extracts the body paragraphs.
pub(crate) fn extract(
    doc: &Doc<'_>,
    forced: Option<&HashSet<u32>>,
    excluded: &HashSet<u32>,
    titles: &HashSet<String>,
    declared: &[String],
) -> Body {
    let (mut container, good, bad, mut rule) = choose(doc, forced);
    if forced.is_none()
        && container != NONE
        && doc.elems[container as usize].boiler_anc != NONE
        && good[container as usize] < ARTICLE_SCORE
        && let Some(c) = under_headline(doc, container, declared)
        // Running text with few links, not a stretch of the page's links.
        && good[c as usize] >= i64::from(MIN_GOOD)
        && bad[c as usize] * 2 <= good[c as usize]
    {
        container = c;
        rule = "the text under the headline, not a boilerplate box";
    }
    if forced.is_none() && container != NONE {
        let narrowed = headline_article(doc, container, &good);
        if narrowed != container {
            rule = "the headline's <article> in the container";
        }
        container = narrowed;
    }
    let mut body = Body {
        rule,
        container,
        good: 0,
        bad: 0,
        paragraphs: Vec::new(),
        blocks: Vec::new(),
    };
    if container == NONE {
        return body;
    }
    body.good = good[container as usize].max(0) as u32;
    body.bad = bad[container as usize].max(0) as u32;
    let siblings = if forced.is_none() {
        siblings(doc, container, &good, &bad)
    } else {
        Vec::new()
    };
    let in_scope = |elem: u32| match forced {
        Some(set) if !set.is_empty() => set.iter().any(|&c| doc.contains(c, elem)),
        _ => doc.contains(container, elem) || siblings.iter().any(|&c| doc.contains(c, elem)),
    };
    // The standfirst often sits in the article header between the headline and the text.
    if forced.is_none() {
        let first = doc
            .blocks
            .iter()
            .position(|b| doc.contains(container, b.elem))
            .unwrap_or(doc.blocks.len());
        let h1 = doc.blocks[..first]
            .iter()
            .rposition(|b| doc.elems[b.elem as usize].tag == Tag::H(1));
        if let Some(h1) = h1.filter(|&h| first - h <= 8) {
            for (bi, b) in doc.blocks.iter().enumerate().take(first).skip(h1 + 1) {
                let e = &doc.elems[b.elem as usize];
                if is_good(doc, b) && e.boiler_anc == NONE && !is_meta_line(doc, b) {
                    body.paragraphs.push(b.text.replace('\n', " "));
                    body.blocks.push(bi);
                }
            }
        }
    }
    for (bi, b) in doc.blocks.iter().enumerate() {
        if !in_scope(b.elem) {
            continue;
        }
        let e = &doc.elems[b.elem as usize];
        let boiler = e.boiler_anc;
        if boiler != NONE && boiler > container && forced.is_none() {
            continue;
        }
        if e.caption
            || e.tag == Tag::H(1)
            || (b.link_weight * 2 > b.weight && !linked_sentence(e.tag, b))
        {
            continue;
        }
        if !excluded.is_empty() && ancestors(doc, b.elem).any(|a| excluded.contains(&a)) {
            continue;
        }
        if is_meta_line(doc, b) || is_noise(&b.text, b.weight, titles) {
            continue;
        }
        for para in b.text.split("\n\n") {
            let para = para
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            if !para.is_empty() {
                body.paragraphs.push(para);
                body.blocks.push(bi);
            }
        }
    }
    cut_tail(&mut body);
    drop_outro(&mut body);
    body
}

/// Blocks after the headline searched for the story's first text.
const HEADLINE_REACH: usize = 30;

/// When the best text is a short one inside a boilerplate box (a sidebar's "about me", a
/// disclaimer; a story's own box-named wrapper holds more) and
/// the page's headline, confirmed by a declared title, stands outside every box with text of
/// its own below it, the story is that text: the element around it, up to the headline and
/// short of any boilerplate or the box. `None` when the box sits between the headline and
/// that text (then it is the story's own wrapper).
fn under_headline(doc: &Doc<'_>, boxed: u32, declared: &[String]) -> Option<u32> {
    let (hi, h) = doc
        .blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| {
            let e = &doc.elems[b.elem as usize];
            matches!(e.tag, Tag::H(1..=3))
                && e.boiler_anc == NONE
                && crate::kind::confirms(&crate::text::key(&b.text), declared)
        })
        .max_by_key(|(_, b)| crate::text::key(&b.text).chars().count())?;
    let text = doc.blocks[hi + 1..].iter().take(HEADLINE_REACH).find(|b| {
        let e = &doc.elems[b.elem as usize];
        !matches!(e.tag, Tag::H(_))
            && e.boiler_anc == NONE
            && !e.caption
            && b.weight - b.link_weight >= MIN_SENTENCE
    })?;
    if doc.contains(boxed, text.elem) || (h.elem < boxed && boxed < text.elem) {
        return None;
    }
    let mut cur = text.elem;
    while !doc.contains(cur, h.elem) {
        let p = doc.elems[cur as usize].parent;
        if p == NONE || doc.elems[p as usize].boiler_anc != NONE || doc.contains(p, boxed) {
            break;
        }
        cur = p;
    }
    Some(cur)
}

/// A paragraph of running text whose links carry much of it ("X replaces Y, <a>who for eight
/// months combined the role with marketing</a>."): a sentence, not a link list.
fn linked_sentence(tag: Tag, b: &crate::dom::Block) -> bool {
    tag == Tag::P
        && b.link_weight * 4 <= b.weight * 3
        && b.weight - b.link_weight >= MIN_SENTENCE
        && ends_sentence(&b.text)
}

/// The `<article>` inside the container that holds the headline and most of the text: a
/// list of stories around the one the page is about narrows to that one.
fn headline_article(doc: &Doc<'_>, container: u32, good: &[i64]) -> u32 {
    let end = doc.elems[container as usize].end;
    let Some(h1) = doc
        .blocks
        .iter()
        .find(|b| doc.elems[b.elem as usize].tag == Tag::H(1) && doc.contains(container, b.elem))
    else {
        return container;
    };
    ancestors(doc, h1.elem)
        .take_while(|&a| a > container && a < end)
        .filter(|&a| doc.elems[a as usize].tag == Tag::Article)
        .last()
        .filter(|&a| {
            good[a as usize] >= STORY_TEXT || good[a as usize] * 2 >= good[container as usize]
        })
        .unwrap_or(container)
}

/// Siblings of the container that hold running text of their own (an article split around an
/// ad or a paywall box), as readability merges them.
fn siblings(doc: &Doc<'_>, container: u32, good: &[i64], bad: &[i64]) -> Vec<u32> {
    let parent = doc.elems[container as usize].parent;
    if parent == NONE {
        return Vec::new();
    }
    let min = (good[container as usize] / 5).max(200);
    let mut out = Vec::new();
    let mut i = parent + 1;
    while i < doc.elems[parent as usize].end {
        let e = &doc.elems[i as usize];
        let (g, b) = (good[i as usize], bad[i as usize]);
        // Another `<article>` next to a story `<article>` is another story.
        let story = e.tag == Tag::Article && doc.elems[container as usize].tag == Tag::Article;
        if i != container && !story && !e.sig.boiler && !e.sig.related && g >= min && g > 2 * b {
            out.push(i);
        }
        i = e.end;
    }
    out
}

/// Headings that open the furniture after an article (contact boxes, sources, tags, author
/// bios, sharing and newsletter prompts).
const TAIL_HEADINGS: &[&str] = &[
    "kontakt",
    "contact",
    "weitere informationen",
    "weiterführende informationen",
    "weiterführende links",
    "quellen",
    "quellenangaben",
    "quelle",
    "sources",
    "schlagworte",
    "schlagwörter",
    "tags",
    "themen",
    "weitere themen",
    "mehr zum thema",
    "über den autor",
    "über die autorin",
    "about the author",
    "related",
    "related articles",
    "share",
    "teilen",
    "newsletter",
    "pressekontakt",
    "telefon",
    "ansprechpartner",
    "ansprechpartnerin",
    "media contact",
    "press contact",
    "über uns",
    "about us",
    "zusatzinformationen",
    "weitere beiträge",
    "links",
    "zum weiterlesen",
    "das könnte sie auch interessieren",
    "you may also like",
    "more from",
];

/// Openings of a press contact heading ("Ansprechpartner Presse bei X", "Media contacts").
const CONTACT_PREFIXES: &[&str] = &[
    "ansprechpartner",
    "pressekontakt",
    "medienkontakt",
    "media contact",
    "press contact",
];

/// Cuts the body at a short furniture heading in its second half.
fn cut_tail(body: &mut Body) {
    let n = body.paragraphs.len();
    let from = n / 2;
    let cut = (from.max(1)..n).find(|&i| {
        let p = body.paragraphs[i].trim();
        let words = p.split_whitespace().count();
        let lower = p.to_lowercase();
        let bare = lower.trim_end_matches([':', '.', ' ']);
        words <= 5
            && (TAIL_HEADINGS.contains(&bare)
                || CONTACT_PREFIXES.iter().any(|c| bare.starts_with(c))
                || TAIL_HEADINGS.iter().any(|h| {
                    h.contains(' ')
                        && bare
                            .strip_prefix(h)
                            .is_some_and(|rest| rest.starts_with(' '))
                }))
    });
    if let Some(i) = cut {
        body.paragraphs.truncate(i);
        body.blocks.truncate(i);
    }
}

/// Phrases (lower-cased) of the publisher's sign-off after a story: tip lines, follow and
/// subscribe prompts, app and newsletter plugs.
const OUTRO_PHRASES: &[&str] = &[
    "got a story?",
    "get in touch with our",
    "for more stories like this",
    "follow us on",
    "on twitter and facebook",
    "on facebook and twitter",
    "sign up to our",
    "sign up for our",
    "subscribe to our",
    "subscribe now",
    "download the",
    "if you enjoyed",
    "folgen sie uns",
    "jetzt abonnieren",
    "abonnieren sie",
    "síguenos en",
    "suscríbete",
    "hazte miembro",
    "suivez-nous",
    "abonnez-vous",
    "seguici su",
    "iscriviti",
];

/// Drops the publisher's sign-off lines that end a story ("Got a story? Get in touch...",
/// "Follow us on Twitter..."): at most three short paragraphs, from the end.
fn drop_outro(body: &mut Body) {
    for _ in 0..3 {
        if body.paragraphs.len() < 3 {
            return;
        }
        let Some(last) = body.paragraphs.last() else {
            return;
        };
        let lower = last.to_lowercase();
        let outro = last.split_whitespace().count() <= 40
            && OUTRO_PHRASES.iter().any(|p| lower.contains(p))
            && (!lower.contains("download the") || lower.contains("app"));
        if !outro {
            return;
        }
        body.paragraphs.pop();
        body.blocks.pop();
    }
}

/// A short byline, dateline or byline-box line inside the article (metadata, not body).
fn is_meta_line(doc: &Doc<'_>, b: &crate::dom::Block) -> bool {
    if b.weight > 150 {
        return false;
    }
    if ancestors(doc, b.elem)
        .take(3)
        .any(|a| doc.elems[a as usize].sig.byline)
        && b.weight < 100
    {
        return true;
    }
    if crate::metadata::byline::byline_line(&b.text).is_some() && !ends_sentence(&b.text) {
        return true;
    }
    let lower = b.text.to_lowercase();
    crate::metadata::DATE_WORDS
        .iter()
        .any(|w| lower.starts_with(w))
        && crate::metadata::dates::parse(&lower, None).is_some()
}

/// Picture agencies and wire services whose name ends a photo credit ("Friso Gentsch/dpa",
/// "Getty Images", "REUTERS").
const AGENCIES: &[&str] = &[
    "getty images",
    "getty",
    "reuters",
    "ap",
    "ap photo",
    "afp",
    "dpa",
    "epa",
    "epa-efe",
    "efe",
    "ansa",
    "imago",
    "imago images",
    "picture alliance",
    "shutterstock",
    "istock",
    "istockphoto",
    "pa",
    "pa wire",
    "pa images",
    "keystone",
    "apa",
    "anp",
    "ntb",
    "tt",
    "ritzau scanpix",
    "xinhua",
    "alamy",
];

/// Whether a short line (lower-cased) is a photo credit: a picture agency alone or after the
/// photographer's name and a slash.
fn agency_credit(lower: &str) -> bool {
    let last = lower.rsplit(['/', '|']).next().unwrap_or(lower);
    let last = last.trim_matches(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '.'));
    !ends_sentence(lower) && AGENCIES.contains(&last)
}

/// Short lines that are page furniture: the headline repeated, datelines, reading times,
/// copyright and advertisement labels, "read more" prompts.
fn is_noise(text: &str, weight: u32, titles: &HashSet<String>) -> bool {
    if weight > 160 {
        return false;
    }
    let k = crate::text::key(text);
    if titles.contains(&k) {
        return true;
    }
    if weight > 90 {
        return false;
    }
    let lower = text.to_lowercase();
    let words = text.split_whitespace().count();
    const LABELS: &[&str] = &[
        "anzeige",
        "werbung",
        "advertisement",
        "publicité",
        "publicidad",
        "pubblicità",
        "reklama",
        "광고",
        "sponsored",
        "annons",
        "annonse",
        "annonce",
        "mainos",
        "reklame",
        "advertentie",
        "read more",
        "weiterlesen",
        "lesen sie auch",
        "mehr zum thema",
        "weitere informationen",
        "czytaj więcej",
        "czytaj też",
        "lire aussi",
        "à lire aussi",
        "leia também",
        "lee también",
        "leggi anche",
        "see also",
        "related",
        "autoplay",
        "article continues below",
        "story continues below",
        "advertisement continues below",
        "more about",
    ];
    if LABELS
        .iter()
        .any(|l| lower.trim_end_matches([':', '.', ' ']) == *l)
        || crate::classify::is_related_heading(text) && words <= 4
    {
        return true;
    }
    if lower.starts_with('©') || lower.starts_with("copyright") || lower.starts_with("(c)") {
        return true;
    }
    // Photo credit lines ("Crédits photos : Agency", "Foto: dpa") belong to the images.
    const CREDITS: &[&str] = &[
        "crédits photos",
        "crédit photo",
        "photo credit",
        "image credit",
        "credit:",
        "credits:",
        "photo:",
        "photos:",
        "foto:",
        "fotos:",
        "bildnachweis",
        "bildquelle",
    ];
    if words <= 8 && CREDITS.iter().any(|c| lower.starts_with(c)) {
        return true;
    }
    if words <= 5 && agency_credit(&lower) {
        return true;
    }
    let reading = [
        "min read",
        "minute read",
        "minutes read",
        "lesedauer",
        "lesezeit",
        "min.",
        " min",
        "분 분량",
    ];
    if words <= 6
        && reading.iter().any(|r| lower.contains(r))
        && lower.chars().any(|c| c.is_ascii_digit())
    {
        return true;
    }
    // Gallery counters: "Image 1 of 5", "Foto 2/7".
    let counter = words <= 5
        && ["image", "photo", "foto", "bild", "slide"]
            .iter()
            .any(|w| lower.starts_with(w))
        && lower.chars().any(|c| c.is_ascii_digit());
    // A clock time with a word or two ("Heute, 12:37 Uhr", "Publicerad 22:31").
    let clock = words <= 4
        && lower
            .as_bytes()
            .windows(3)
            .any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit());
    counter || clock || words <= 8 && crate::metadata::dates::parse(text, None).is_some()
}

/// The element whose images belong to the article: the nearest `<article>`/`<main>` above
/// the container (within a few levels), else the container's parent.
fn image_scope(doc: &Doc<'_>, container: u32) -> u32 {
    ancestors(doc, container)
        .take(5)
        .find(|&a| matches!(doc.elems[a as usize].tag, Tag::Article | Tag::Main))
        .or_else(|| ancestors(doc, container).nth(1))
        .unwrap_or(container)
}

/// `idx` and its ancestors, innermost first.
pub(crate) fn ancestors<'d>(doc: &'d Doc<'_>, idx: u32) -> impl Iterator<Item = u32> + 'd {
    std::iter::successors(Some(idx), |&i| {
        let p = doc.elems[i as usize].parent;
        (p != NONE).then_some(p)
    })
}

/// Images inside the container, with captions from their figure or a nearby caption element.
pub(crate) fn images(doc: &Doc<'_>, container: u32) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    if container == NONE {
        return out;
    }
    let container = image_scope(doc, container);
    for (idx, src) in &doc.images {
        if !doc.contains(container, *idx) {
            continue;
        }
        let boiler = doc.elems[*idx as usize].boiler_anc;
        if boiler != NONE && boiler > container {
            continue;
        }
        let scope = ancestors(doc, *idx)
            .skip(1)
            .take(4)
            .take_while(|&a| a > container)
            .find(|&a| doc.elems[a as usize].tag == Tag::Figure)
            .or_else(|| ancestors(doc, *idx).nth(2).filter(|&a| a > container));
        let caption = scope.and_then(|s| {
            let text: Vec<&str> = doc
                .blocks
                .iter()
                .filter(|b| doc.contains(s, b.elem) && doc.elems[b.elem as usize].caption)
                .map(|b| b.text.as_str())
                .collect();
            (!text.is_empty()).then(|| crate::text::collapse(&text.join(" ")))
        });
        if !out.iter().any(|(u, _)| u == src) {
            out.push((src.clone(), caption));
        }
    }
    out
}
