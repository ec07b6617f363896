//! One pass over the parsed tree: a flat pre-order element table, text blocks, links, images,
//! `<meta>` pairs, JSON-LD scripts and the other raw material of the later passes.

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node};

use crate::classify::{self, Signals};
use crate::tags::Tag;
use crate::tags::{structural_boiler, tag_of};
use crate::text::char_weight;

/// Text weight above which a paywall-named element is the article's wrapper, not a prompt.
const PAYWALL_TEXT: u32 = 600;
/// Running text a boilerplate-looking wrapper must hold to be taken for the page's wrapper.
const WRAPPER_TEXT: u32 = 400;

/// Marks "no element".
pub(crate) const NONE: u32 = u32::MAX;

/// One element of the pre-order table.
pub(crate) struct Elem<'a> {
    /// Parent index ([`NONE`] for the root).
    pub parent: u32,
    /// One past the last descendant's index.
    pub end: u32,
    /// Tag class.
    pub tag: Tag,
    /// What its attributes say.
    pub sig: Signals,
    /// Nearest boilerplate ancestor-or-self (filled after the walk).
    pub boiler_anc: u32,
    /// Inside a figure caption or caption-classed element.
    pub caption: bool,
    /// Hidden or skipped: its text makes no block.
    pub skipped: bool,
    /// The element itself.
    pub el: ElementRef<'a>,
}

/// A run of text between two block boundaries.
pub(crate) struct Block {
    /// Index of the innermost block-level element holding the text.
    pub elem: u32,
    /// Text, whitespace collapsed; `\n` marks a `<br>`.
    pub text: String,
    /// Weighted length of the text (see `text::char_weight`).
    pub weight: u32,
    /// Weighted length of the text inside links.
    pub link_weight: u32,
}

/// A raw `<a href>`.
pub(crate) struct RawLink<'a> {
    /// The `href` attribute.
    pub href: &'a str,
    /// Index of the `<a>` element.
    pub elem: u32,
    /// Anchor text.
    pub text: String,
}

/// Everything the walk gathers.
#[derive(Default)]
pub(crate) struct Doc<'a> {
    /// Elements in document order.
    pub elems: Vec<Elem<'a>>,
    /// Text blocks in document order.
    pub blocks: Vec<Block>,
    /// Links in document order.
    pub links: Vec<RawLink<'a>>,
    /// `(element index, src)` of images.
    pub images: Vec<(u32, String)>,
    /// `<meta>` key (name, property, itemprop or http-equiv; lower-cased) and content.
    pub metas: Vec<(String, &'a str)>,
    /// JSON-LD script texts.
    pub jsonld: Vec<String>,
    /// `<title>` text.
    pub title: Option<String>,
    /// `<base href>`.
    pub base: Option<&'a str>,
    /// `<link rel=canonical>`.
    pub canonical: Option<&'a str>,
    /// `<link rel=alternate>` feeds.
    pub feeds: Vec<&'a str>,
    /// `<html lang>`.
    pub lang: Option<&'a str>,
    /// `(element index, datetime attribute, text)` of `<time>` elements.
    pub times: Vec<(u32, Option<&'a str>, String)>,
    /// `(itemprop, element index)` of microdata elements outside `<meta>`.
    pub itemprops: Vec<(&'a str, u32)>,
    /// Elements whose heading text introduces a related box.
    pub related_headings: Vec<u32>,
}

/// The attributes the walk reads, gathered in one pass over the element's attributes.
#[derive(Default)]
struct Attrs<'a> {
    class: Option<&'a str>,
    id: Option<&'a str>,
    role: Option<&'a str>,
    itemprop: Option<&'a str>,
    hidden: bool,
}

fn attrs(e: &scraper::node::Element) -> Attrs<'_> {
    let mut a = Attrs::default();
    for (name, value) in e.attrs() {
        match name {
            "class" => a.class = Some(value),
            "id" => a.id = Some(value),
            "role" => a.role = Some(value),
            "itemprop" => a.itemprop = Some(value),
            "hidden" => a.hidden = true,
            "style" => {
                let v = value.as_bytes();
                a.hidden |= memchr::memmem::find(v, b"none").is_some() && {
                    let s = value.to_ascii_lowercase();
                    s.contains("display:none") || s.contains("display: none")
                };
            }
            _ => {}
        }
    }
    // Utility classes that hide an element (Bootstrap, Tailwind, Bulma): script-toggled
    // prompts and duplicates a reader never sees.
    a.hidden |= a.class.is_some_and(|c| {
        c.split_ascii_whitespace()
            .any(|t| matches!(t, "hidden" | "d-none" | "is-hidden" | "hide"))
    });
    // React streaming puts server-rendered content in `<div hidden id="S:n">` until scripts
    // move it into place: that content is the page.
    if a.id.is_some_and(|id| id.starts_with("S:")) {
        a.hidden = false;
    }
    a
}

/// Whether an id ends in a number ("TOC_TITLE_1"): generated, not a description.
fn numbered(id: &str) -> bool {
    id.rsplit(['_', '-'])
        .next()
        .is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
}

struct Buf {
    text: String,
    weight: u32,
    link_weight: u32,
    space: bool,
}

impl Buf {
    fn push_text(&mut self, s: &str, in_link: bool) {
        for c in s.chars() {
            // Soft hyphens only mark where a word may break.
            if c == '\u{ad}' {
                continue;
            }
            if c.is_whitespace() || c == '\u{200b}' {
                self.space = true;
                continue;
            }
            if self.space && !self.text.is_empty() && !self.text.ends_with('\n') {
                self.text.push(' ');
            }
            self.space = false;
            self.text.push(c);
            let w = char_weight(c);
            self.weight += w;
            if in_link {
                self.link_weight += w;
            }
        }
    }
}

/// Walks the whole document once.
pub(crate) fn walk(html: &Html) -> Doc<'_> {
    let mut doc = Doc::default();
    let mut stack: Vec<u32> = Vec::new();
    let mut block_stack: Vec<u32> = Vec::new();
    let mut classifier = classify::Classifier::default();
    let mut skip = 0u32;
    let mut skip_stack: Vec<bool> = Vec::new();
    let mut in_link = 0u32;
    let mut link_open: Option<usize> = None;
    let mut buf = Buf {
        text: String::new(),
        weight: 0,
        link_weight: 0,
        space: false,
    };
    for edge in html.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Text(t) if skip == 0 => {
                    buf.push_text(t, in_link > 0);
                    if let Some(l) = link_open {
                        doc.links[l].text.push_str(t);
                    }
                }
                Node::Element(e) => {
                    let Some(el) = ElementRef::wrap(node) else {
                        continue;
                    };
                    let name = e.name();
                    let (tag, skip_tag) = tag_of(name);
                    let idx = doc.elems.len() as u32;
                    let parent = stack.last().copied().unwrap_or(NONE);
                    // `<body>`/`<html>` classes describe the page, not a region of it.
                    let at = attrs(e);
                    let mut sig = if matches!(name, "body" | "html")
                        || (at.class.is_none() && at.id.is_none() && at.role.is_none())
                    {
                        Signals::default()
                    } else {
                        // A heading's id is an anchor made from its text ("nav_nur_die_folie").
                        // So is a numbered id ("TOC_TITLE_1", "section-3").
                        let id = at
                            .id
                            .filter(|id| !matches!(tag, Tag::H(_)) && !numbered(id));
                        classifier.signals(at.class, id, at.role)
                    };
                    sig.boiler |= structural_boiler(name);
                    let parent_caption = parent != NONE && doc.elems[parent as usize].caption;
                    let caption = parent_caption || sig.caption || tag == Tag::Figcaption;
                    doc.elems.push(Elem {
                        parent,
                        end: idx + 1,
                        tag,
                        sig,
                        boiler_anc: NONE,
                        caption,
                        skipped: false,
                        el,
                    });
                    stack.push(idx);
                    head_element(&mut doc, name, e, el);
                    // An inline boilerplate or caption element (a credit `<span>` inside a
                    // paragraph, tag links in a meta line) has no block of its own to drop.
                    let inline_noise = matches!(name, "span" | "small" | "em" | "i" | "font")
                        && (sig.boiler || sig.caption);
                    let skips = skip_tag || (skip == 0 && (at.hidden || inline_noise));
                    skip += u32::from(skips);
                    skip_stack.push(skips);
                    doc.elems[idx as usize].skipped = skip > 0;
                    if tag == Tag::Cell {
                        buf.space = true;
                    } else if tag.is_block() {
                        flush(&mut doc, &mut buf, block_stack.last().copied());
                        block_stack.push(idx);
                    } else if name == "br" && skip == 0 {
                        buf.text.push('\n');
                        buf.space = false;
                    }
                    if skip == 0 {
                        if tag == Tag::A {
                            in_link += 1;
                            if let Some(href) = e.attr("href") {
                                doc.links.push(RawLink {
                                    href,
                                    elem: idx,
                                    text: String::new(),
                                });
                                link_open = Some(doc.links.len() - 1);
                            }
                        } else if name == "img" {
                            let src = ["src", "data-src", "data-lazy-src", "data-original"]
                                .iter()
                                .filter_map(|a| e.attr(a))
                                .find(|s| !s.is_empty() && !s.starts_with("data:"));
                            if let Some(src) = src {
                                doc.images.push((idx, src.to_string()));
                            }
                        } else if name == "time" {
                            doc.times
                                .push((idx, e.attr("datetime"), el.text().collect()));
                        }
                        if let Some(p) = at.itemprop {
                            doc.itemprops.push((p, idx));
                        }
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if !node.value().is_element() {
                    continue;
                }
                let Some(idx) = stack.pop() else { continue };
                let tag = doc.elems[idx as usize].tag;
                doc.elems[idx as usize].end = doc.elems.len() as u32;
                if tag == Tag::Cell {
                    buf.space = true;
                } else if tag.is_block() {
                    if let Tag::H(_) = tag
                        && classify::is_related_heading(&buf.text)
                    {
                        doc.related_headings.push(idx);
                    }
                    flush(&mut doc, &mut buf, Some(idx));
                    block_stack.pop();
                }
                if skip == 0 && tag == Tag::A {
                    in_link = in_link.saturating_sub(1);
                    link_open = None;
                }
                if skip_stack.pop().unwrap_or(false) {
                    skip = skip.saturating_sub(1);
                }
            }
        }
    }
    flush(&mut doc, &mut buf, block_stack.last().copied());
    finish(&mut doc);
    doc
}

fn head_element<'a>(
    doc: &mut Doc<'a>,
    name: &str,
    e: &'a scraper::node::Element,
    el: ElementRef<'a>,
) {
    match name {
        "meta" => {
            let key = e
                .attr("property")
                .or(e.attr("name"))
                .or(e.attr("itemprop"))
                .or(e.attr("http-equiv"));
            if let (Some(k), Some(c)) = (key, e.attr("content")) {
                doc.metas.push((k.trim().to_ascii_lowercase(), c));
            }
        }
        "title" if doc.title.is_none() => doc.title = Some(el.text().collect()),
        "html" => doc.lang = e.attr("lang").or(e.attr("xml:lang")),
        "base" if doc.base.is_none() => doc.base = e.attr("href"),
        "link" => {
            let rel = e.attr("rel").unwrap_or("").to_ascii_lowercase();
            let ty = e.attr("type").unwrap_or("").to_ascii_lowercase();
            if rel.split_whitespace().any(|r| r == "canonical") && doc.canonical.is_none() {
                doc.canonical = e.attr("href");
            } else if rel.contains("alternate") && (ty.contains("rss") || ty.contains("atom")) {
                doc.feeds.extend(e.attr("href"));
            }
        }
        "script"
            if e.attr("type")
                .is_some_and(|t| t.to_ascii_lowercase().contains("ld+json")) =>
        {
            doc.jsonld.push(el.text().collect());
        }
        _ => {}
    }
}

fn flush(doc: &mut Doc<'_>, buf: &mut Buf, owner: Option<u32>) {
    if buf.weight > 0
        && let Some(elem) = owner
    {
        let text = std::mem::take(&mut buf.text);
        doc.blocks.push(Block {
            elem,
            text: text.trim().to_string(),
            weight: buf.weight,
            link_weight: buf.link_weight,
        });
    }
    buf.text.clear();
    buf.weight = 0;
    buf.link_weight = 0;
    buf.space = false;
}

/// Marks related boxes found through their headings and fills `boiler_anc`.
fn finish(doc: &mut Doc<'_>) {
    for &h in &doc.related_headings {
        let end = doc.elems[h as usize].end;
        let mut cur = h;
        loop {
            let p = doc.elems[cur as usize].parent;
            if p == NONE {
                break;
            }
            cur = p;
            if doc.elems[p as usize].end > end {
                break;
            }
        }
        if doc.elems[cur as usize].tag != Tag::Block
            || doc.elems[cur as usize].el.value().name() != "body"
        {
            doc.elems[cur as usize].sig.related = true;
        }
    }
    // A boilerplate-looking class on an element that holds the page's `<main>`, its
    // `articleBody` or its microformat entry content (hAtom `entry-content`, h-entry
    // `e-content`: "widget Blog" around a blog post) names a wrapper, not a box.
    let anchors: Vec<u32> = doc
        .elems
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.tag == Tag::Main
                || e.el.value().attr("class").is_some_and(|c| {
                    c.split_ascii_whitespace()
                        .any(|t| t == "entry-content" || t == "e-content")
                })
        })
        .map(|(i, _)| i as u32)
        .chain(
            doc.itemprops
                .iter()
                .filter(|(p, _)| p.eq_ignore_ascii_case("articlebody"))
                .map(|&(_, i)| i),
        )
        .collect();
    for a in anchors {
        let mut cur = doc.elems[a as usize].parent;
        while cur != NONE {
            let e = &mut doc.elems[cur as usize];
            if !structural_boiler(e.el.value().name()) {
                e.sig.boiler = false;
                e.sig.related = false;
            }
            cur = e.parent;
        }
    }
    // Running text (net of links) under each element.
    let mut text = vec![0u32; doc.elems.len()];
    for b in &doc.blocks {
        text[b.elem as usize] += b.weight - b.link_weight;
    }
    for i in (1..doc.elems.len()).rev() {
        let p = doc.elems[i].parent;
        if p != NONE {
            text[p as usize] += text[i];
        }
    }
    // Paywall-named elements are boilerplate unless they hold the article's text.
    for (e, &t) in doc.elems.iter_mut().zip(&text) {
        e.sig.boiler |= e.sig.paywall && t < PAYWALL_TEXT;
    }
    // A boilerplate-looking element (a `<form>` around an ASP.NET page, a "sidebar-layout"
    // wrapper) that holds most of the page's running text wraps the page; it is no box.
    // Comment threads and related boxes keep their mark whatever their size.
    let total = text
        .iter()
        .zip(&doc.elems)
        .find(|(_, e)| e.parent == NONE)
        .map_or(0, |(t, _)| *t);
    for (e, &t) in doc.elems.iter_mut().zip(&text) {
        if e.sig.boiler
            && !e.sig.comment
            && !e.sig.related
            && t >= WRAPPER_TEXT
            && t * 3 >= total * 2
        {
            e.sig.boiler = false;
        }
    }
    for i in 0..doc.elems.len() {
        let e = &doc.elems[i];
        let own = e.sig.boiler || e.sig.related;
        let inherited = if e.parent == NONE {
            NONE
        } else {
            doc.elems[e.parent as usize].boiler_anc
        };
        doc.elems[i].boiler_anc = if own { i as u32 } else { inherited };
    }
}

impl Doc<'_> {
    /// Whether `anc` is `idx` or one of its ancestors.
    pub(crate) fn contains(&self, anc: u32, idx: u32) -> bool {
        anc <= idx && idx < self.elems[anc as usize].end
    }

    /// First meta content for any of `keys` (lower-case), non-empty.
    pub(crate) fn meta(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| {
            self.metas
                .iter()
                .find(|(mk, c)| mk == k && !c.trim().is_empty())
                .map(|(_, c)| c.trim())
        })
    }

    /// Every meta content for `key`.
    pub(crate) fn metas_all<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.metas
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, c)| c.trim())
    }
}
