//! A cheap model of the HTML tree builder's stack of open elements, run by the byte-level
//! pre-pass (`strip.rs`) to defuse pathological nesting before html5ever sees the page.
//!
//! html5ever's scope checks walk the whole stack of open elements for many tags, and the
//! "reconstruct the active formatting elements" step re-creates every formatting element left
//! open in each new block: 200,000 nested `<div>`s (2.2 MB) never finish parsing, and thousands
//! of unclosed `<b class=..>` multiply the tree. The model follows the tree builder's rules for
//! implied and explicit closes closely enough to know the depth, errs on the side of counting an
//! element as still open (it only pops where the tree builder surely pops at least as much), and
//! tells the pre-pass to drop a start tag (and later its end tag) past [`MAX_DEPTH`] open
//! elements, past [`MAX_OPEN_FORMATTING`] open formatting elements or past [`MAX_ELEMENTS`]
//! elements in all. The text of dropped
//! elements stays: only the tags go.

use foldhash::HashMap;

/// Open elements past which start tags are dropped. Real news pages nest a few dozen levels
/// (heavy component sites well under 100); the tree builder's per-tag scope checks cost up to
/// this many steps, so it bounds the parse at a few hundred steps per tag.
pub(crate) const MAX_DEPTH: usize = 256;

/// Formatting elements (`<b>`, `<i>`, `<font>`, ...) left open at once (between two table
/// cells or other markers) past which further ones are dropped. The tree builder re-creates
/// every open formatting element in each new paragraph, so `n` of them multiply the tree by up
/// to `n`; pages leave at most a handful open by mistake, and the extractor reads these tags
/// only for their class names.
pub(crate) const MAX_OPEN_FORMATTING: u32 = 8;

/// Elements (start tags kept, void ones included) past which every further start tag is
/// dropped. News pages have a few thousand elements, long live blogs a few tens of thousands;
/// each costs the tree a few hundred bytes, so this bounds the tree of any page at a few tens
/// of megabytes (500,000 links on a 10 MB page took 245 MB without it).
pub(crate) const MAX_ELEMENTS: usize = 100_000;

/// What the tree builder does with an element, as far as the model needs to know.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Id {
    /// Never open: `<br>`, `<img>`, ...
    Void,
    /// `<html>`, `<head>`, `<body>`, `<frameset>`: opened once, never nested.
    Root,
    P,
    Li,
    DdDt,
    Option,
    Optgroup,
    Cell,
    Tr,
    TableSection,
    Table,
    Caption,
    Template,
    /// `<applet>`, `<marquee>`, `<object>`: scope boundaries and formatting markers.
    ObjectLike,
    Button,
    List,
    Heading,
    Form,
    /// `<div>`, `<address>`: special, but no barrier for an implied `</li>`.
    DivLike,
    /// One of the formatting elements, by index in [`FORMATTING`].
    Formatting(u8),
    /// Any other special element.
    Special,
    /// Any other element.
    Other,
}

/// The formatting elements of the HTML standard, in the order of [`Id::Formatting`]'s index.
const FORMATTING: &[&[u8]] = &[
    b"a", b"b", b"big", b"code", b"em", b"font", b"i", b"nobr", b"s", b"small", b"strike",
    b"strong", b"tt", b"u",
];

/// Index of `<a>` in [`FORMATTING`].
const A: u8 = 0;
/// Index of `<nobr>` in [`FORMATTING`].
const NOBR: u8 = 7;

/// A tag name, classified.
#[derive(Clone, Copy)]
struct Name {
    hash: u64,
    id: Id,
    special: bool,
    /// Whether its start tag closes an open `<p>` in button scope.
    closes_p: bool,
}

fn classify(raw: &[u8]) -> Name {
    // FNV-1a of the lower-cased name: a collision only makes the model a little wrong.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut buf = [0u8; 12];
    for (i, b) in raw.iter().enumerate() {
        let l = b.to_ascii_lowercase();
        hash = (hash ^ u64::from(l)).wrapping_mul(0x0100_0000_01b3);
        if let Some(slot) = buf.get_mut(i) {
            *slot = l;
        }
    }
    let name: &[u8] = if raw.len() <= buf.len() {
        &buf[..raw.len()]
    } else {
        b""
    };
    // The HTML standard's element categories ("special", "formatting", void) and the start
    // tags that close a `<p>`.
    let (id, closes_p) = match name {
        b"html" | b"head" | b"body" | b"frameset" => (Id::Root, false),
        b"p" => (Id::P, true),
        b"li" => (Id::Li, true),
        b"dd" | b"dt" => (Id::DdDt, true),
        b"option" => (Id::Option, false),
        b"optgroup" => (Id::Optgroup, false),
        b"td" | b"th" => (Id::Cell, false),
        b"tr" => (Id::Tr, false),
        b"tbody" | b"thead" | b"tfoot" => (Id::TableSection, false),
        b"table" => (Id::Table, false),
        b"caption" => (Id::Caption, false),
        b"template" => (Id::Template, false),
        b"applet" | b"marquee" | b"object" => (Id::ObjectLike, false),
        b"button" => (Id::Button, false),
        b"ul" | b"ol" | b"dl" => (Id::List, true),
        b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" => (Id::Heading, true),
        b"form" => (Id::Form, true),
        b"div" | b"address" => (Id::DivLike, true),
        b"hr" => (Id::Void, true),
        b"area" | b"base" | b"br" | b"col" | b"embed" | b"img" | b"input" | b"keygen" | b"link"
        | b"meta" | b"param" | b"source" | b"track" | b"wbr" | b"basefont" | b"bgsound"
        | b"frame" | b"image" => (Id::Void, false),
        b"a" => (Id::Formatting(A), false),
        b"b" => (Id::Formatting(1), false),
        b"big" => (Id::Formatting(2), false),
        b"code" => (Id::Formatting(3), false),
        b"em" => (Id::Formatting(4), false),
        b"font" => (Id::Formatting(5), false),
        b"i" => (Id::Formatting(6), false),
        b"nobr" => (Id::Formatting(NOBR), false),
        b"s" => (Id::Formatting(8), false),
        b"small" => (Id::Formatting(9), false),
        b"strike" => (Id::Formatting(10), false),
        b"strong" => (Id::Formatting(11), false),
        b"tt" => (Id::Formatting(12), false),
        b"u" => (Id::Formatting(13), false),
        b"article" | b"aside" | b"blockquote" | b"center" | b"details" | b"dir" | b"fieldset"
        | b"figcaption" | b"figure" | b"footer" | b"header" | b"hgroup" | b"main" | b"menu"
        | b"nav" | b"search" | b"section" | b"summary" | b"pre" | b"listing" | b"xmp"
        | b"plaintext" => (Id::Special, true),
        b"colgroup" | b"iframe" | b"noembed" | b"noframes" | b"noscript" | b"script"
        | b"select" | b"style" | b"textarea" | b"title" => (Id::Special, false),
        b"dialog" => (Id::Other, true),
        _ => (Id::Other, false),
    };
    Name {
        hash,
        id,
        special: !matches!(id, Id::Formatting(_) | Id::Other),
        closes_p,
    }
}

/// An open element of the model.
#[derive(Clone, Copy)]
struct Open {
    hash: u64,
    id: Id,
    special: bool,
}

impl Open {
    /// A boundary of the tree builder's default scope.
    fn default_boundary(&self) -> bool {
        matches!(
            self.id,
            Id::Root | Id::Table | Id::Cell | Id::Caption | Id::Template | Id::ObjectLike
        )
    }

    fn table_boundary(&self) -> bool {
        matches!(self.id, Id::Root | Id::Table | Id::Template)
    }

    /// Opens a new list of active formatting elements.
    fn marker(&self) -> bool {
        matches!(
            self.id,
            Id::Cell | Id::Caption | Id::Template | Id::ObjectLike
        )
    }
}

/// Open formatting elements per name, since the last marker.
type Level = [u32; FORMATTING.len()];

/// The model's state over one page.
pub(crate) struct Nesting {
    stack: Vec<Open>,
    /// Formatting counts per marker level (the first is the document's).
    levels: Vec<Level>,
    /// Start tags dropped and not yet matched by an end tag, by name hash.
    dropped: HashMap<u64, usize>,
    /// Their sum (most pages drop none: end tags then skip the lookup).
    dropped_total: usize,
    /// `<p>` elements on the stack (most tags look for one).
    open_p: usize,
    /// Start tags kept so far.
    elements: usize,
}

impl Default for Nesting {
    fn default() -> Self {
        Self {
            stack: Vec::new(),
            levels: vec![[0; FORMATTING.len()]],
            dropped: HashMap::default(),
            dropped_total: 0,
            open_p: 0,
            elements: 0,
        }
    }
}

impl Nesting {
    /// Index of the innermost open element matching `want`, unless a `stop` element comes
    /// first.
    fn find(&self, want: impl Fn(&Open) -> bool, stop: impl Fn(&Open) -> bool) -> Option<usize> {
        for (i, e) in self.stack.iter().enumerate().rev() {
            if want(e) {
                return Some(i);
            }
            if stop(e) {
                return None;
            }
        }
        None
    }

    /// Pops the element at `i` and everything above it.
    fn pop_to(&mut self, i: usize) {
        let removed = &self.stack[i..];
        let markers = removed.iter().filter(|e| e.marker()).count();
        self.open_p = self
            .open_p
            .saturating_sub(removed.iter().filter(|e| e.id == Id::P).count());
        for _ in 0..markers {
            if self.levels.len() > 1 {
                self.levels.pop();
            }
        }
        self.stack.truncate(i);
    }

    fn level(&mut self) -> &mut Level {
        if self.levels.is_empty() {
            self.levels.push([0; FORMATTING.len()]);
        }
        let last = self.levels.len() - 1;
        &mut self.levels[last]
    }

    /// Takes a start tag named `raw`; false when the pre-pass must drop it.
    pub(crate) fn start(&mut self, raw: &[u8]) -> bool {
        let n = classify(raw);
        let top = self.stack.last().map(|e| e.id);
        match n.id {
            Id::Root => return true,
            Id::Void => {
                // Never open, so no end tag to drop with it.
                self.elements += 1;
                return self.elements <= MAX_ELEMENTS;
            }
            Id::Li => {
                if let Some(i) = self.find(
                    |e| e.id == Id::Li,
                    |e| e.special && !matches!(e.id, Id::DivLike | Id::P),
                ) {
                    self.pop_to(i);
                }
            }
            Id::DdDt => {
                if let Some(i) = self.find(
                    |e| e.id == Id::DdDt,
                    |e| e.special && !matches!(e.id, Id::DivLike | Id::P),
                ) {
                    self.pop_to(i);
                }
            }
            Id::Option | Id::Optgroup if top == Some(Id::Option) => {
                self.pop_to(self.stack.len() - 1);
            }
            Id::Button => {
                if let Some(i) = self.find(|e| e.id == Id::Button, Open::default_boundary) {
                    self.pop_to(i);
                }
            }
            Id::Cell => {
                if let Some(i) = self.find(|e| e.id == Id::Cell, Open::table_boundary) {
                    self.pop_to(i);
                }
            }
            Id::Tr => {
                if let Some(i) = self.find(|e| e.id == Id::Tr, Open::table_boundary) {
                    self.pop_to(i);
                }
            }
            Id::TableSection => {
                if let Some(i) = self.find(|e| e.id == Id::TableSection, Open::table_boundary) {
                    self.pop_to(i);
                }
            }
            // A new `<a>` (or `<nobr>`) closes the open one; counted as closed only when
            // nothing special is open inside it (else the adoption agency keeps the depth).
            Id::Formatting(f) if f == A || f == NOBR => {
                if let Some(i) = self.find(|e| e.hash == n.hash, |e| e.special) {
                    self.pop_to(i);
                }
            }
            _ => {}
        }
        if n.closes_p
            && self.open_p > 0
            && let Some(i) = self.find(
                |e| e.id == Id::P,
                |e| e.default_boundary() || e.id == Id::Button,
            )
        {
            self.pop_to(i);
        }
        if n.id == Id::Heading && self.stack.last().is_some_and(|e| e.id == Id::Heading) {
            self.pop_to(self.stack.len() - 1);
        }
        let keep = self.elements < MAX_ELEMENTS
            && self.stack.len() < MAX_DEPTH
            && match n.id {
                Id::Formatting(f) => {
                    let level = self.level();
                    let open: u32 = level.iter().sum();
                    let slot = &mut level[f as usize];
                    if f == A && *slot > 0 {
                        // The new `<a>` takes the old one's place in the list.
                        true
                    } else if open < MAX_OPEN_FORMATTING {
                        *slot += 1;
                        true
                    } else {
                        false
                    }
                }
                _ => true,
            };
        if !keep {
            *self.dropped.entry(n.hash).or_insert(0) += 1;
            self.dropped_total += 1;
            return false;
        }
        let open = Open {
            hash: n.hash,
            id: n.id,
            special: n.special,
        };
        self.elements += 1;
        if open.marker() {
            self.levels.push([0; FORMATTING.len()]);
        }
        self.open_p += usize::from(open.id == Id::P);
        self.stack.push(open);
        true
    }

    /// Takes an end tag named `raw`; false when the pre-pass must drop it (it closes a
    /// dropped start tag).
    pub(crate) fn end(&mut self, raw: &[u8]) -> bool {
        let n = classify(raw);
        if self.dropped_total > 0
            && let Some(count) = self.dropped.get_mut(&n.hash)
            && *count > 0
        {
            *count -= 1;
            self.dropped_total -= 1;
            return false;
        }
        let same = |e: &Open| e.hash == n.hash;
        let found = match n.id {
            Id::Void | Id::Root => None,
            Id::Form => {
                // `</form>` closes the form element alone.
                if let Some(i) = self.find(same, Open::default_boundary) {
                    self.stack.remove(i);
                }
                None
            }
            Id::P => self.find(same, |e| e.default_boundary() || e.id == Id::Button),
            Id::Li => self.find(same, |e| e.default_boundary() || e.id == Id::List),
            Id::Heading => self.find(|e| e.id == Id::Heading, Open::default_boundary),
            Id::Table => self.find(same, |e| matches!(e.id, Id::Root | Id::Template)),
            Id::Cell | Id::Tr | Id::TableSection | Id::Caption => {
                self.find(same, Open::table_boundary)
            }
            Id::Formatting(f) => {
                let slot = &mut self.level()[f as usize];
                *slot = slot.saturating_sub(1);
                self.find(same, |e| e.special)
            }
            Id::Other => self.find(same, |e| e.special),
            _ => self.find(same, Open::default_boundary),
        };
        if let Some(i) = found {
            self.pop_to(i);
        }
        true
    }

    /// Current depth of the model (for tests).
    #[cfg(test)]
    pub(crate) fn depth(&self) -> usize {
        self.stack.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `tags` (`"div"` a start tag, `"/div"` an end tag) and returns the kept ones.
    fn run(tags: &[&str]) -> (Nesting, usize) {
        let mut n = Nesting::default();
        let mut kept = 0;
        for t in tags {
            let k = match t.strip_prefix('/') {
                Some(name) => n.end(name.as_bytes()),
                None => n.start(t.as_bytes()),
            };
            kept += usize::from(k);
        }
        (n, kept)
    }

    #[test]
    fn formatting_names_match_their_index() {
        for (i, name) in FORMATTING.iter().enumerate() {
            assert_eq!(classify(name).id, Id::Formatting(i as u8));
            assert_eq!(
                classify(&name.to_ascii_uppercase()).id,
                Id::Formatting(i as u8)
            );
        }
        assert_eq!(classify(b"custom-element-name").id, Id::Other);
    }

    #[test]
    fn elements_past_the_cap_are_dropped_with_their_end_tags() {
        let mut n = Nesting::default();
        let mut kept = 0;
        for _ in 0..MAX_ELEMENTS + 10 {
            kept += usize::from(n.start(b"a"));
            kept += usize::from(n.end(b"a"));
            kept += usize::from(n.start(b"br"));
        }
        // Each kept `<a>` keeps its `</a>`; a dropped one drops it too.
        assert_eq!(kept, MAX_ELEMENTS / 2 * 3);
        assert_eq!(n.depth(), 0);
    }

    #[test]
    fn deep_divs_are_capped_and_their_end_tags_dropped() {
        let mut tags = vec!["div"; 1000];
        tags.extend(vec!["/div"; 1000]);
        let (n, kept) = run(&tags);
        assert_eq!(kept, 2 * MAX_DEPTH);
        assert_eq!(n.depth(), 0);
    }

    #[test]
    fn implied_closes_keep_flat_shapes_flat() {
        let tags: Vec<&str> = ["p", "li", "dd", "a", "td", "tr", "option", "h2", "h3"]
            .iter()
            .flat_map(|t| std::iter::repeat_n(*t, 1000))
            .collect();
        let (n, kept) = run(&tags);
        assert_eq!(kept, tags.len());
        assert!(n.depth() < 10, "depth {}", n.depth());
    }

    #[test]
    fn unclosed_formatting_is_capped_per_marker_level() {
        let tags = vec!["b"; 100];
        let (_, kept) = run(&tags);
        assert_eq!(kept, MAX_OPEN_FORMATTING as usize);
        // Each table cell starts a new list: eight per cell.
        let mut tags = vec!["table", "tr"];
        for _ in 0..10 {
            tags.push("td");
            tags.extend(vec!["i"; 20]);
        }
        let (_, kept) = run(&tags);
        assert_eq!(kept, 2 + 10 * (1 + MAX_OPEN_FORMATTING as usize));
    }

    #[test]
    fn end_tags_do_not_pop_past_what_the_tree_builder_pops() {
        // `</div>` inside a cell is ignored by the tree builder: the model keeps the depth.
        let tags: Vec<&str> = std::iter::repeat_n(["div", "table", "tr", "td", "/div"], 200)
            .flatten()
            .collect();
        let (n, _) = run(&tags);
        assert_eq!(n.depth(), MAX_DEPTH);
        // `</b>` with a `<div>` open inside it: the adoption agency keeps the depth.
        let tags: Vec<&str> = std::iter::repeat_n(["b", "div", "/b"], 300)
            .flatten()
            .collect();
        let (n, _) = run(&tags);
        assert_eq!(n.depth(), MAX_DEPTH);
    }
}
