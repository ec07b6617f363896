//! A byte-level pre-pass that drops what the extractor never reads (scripts other than
//! JSON-LD, styles, comments, inline SVG, templates, noscript and select boxes, and the
//! attributes no later pass reads) before the HTML5 parser sees the page: on news pages that is
//! over two thirds of the bytes, and the parser's time is proportional to them. It also runs
//! the nesting model of `nesting.rs` over every tag and drops the tags past its caps, so that
//! no page makes the tree builder quadratic.

use std::borrow::Cow;

use memchr::memmem;

use crate::nesting::Nesting;

/// Elements whose whole content is dropped; raw-text ones end at their first end tag.
const DROPPED: &[&[u8]] = &[
    b"script",
    b"style",
    b"svg",
    b"template",
    b"noscript",
    b"select",
];

fn starts_with_ci(hay: &[u8], at: usize, needle: &[u8]) -> bool {
    hay.get(at..at + needle.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(needle))
}

fn is_name_end(b: Option<&u8>) -> bool {
    matches!(
        b,
        Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>') | None
    )
}

/// End of a start tag beginning at `start` (index after its `>`), honouring quoted values.
fn tag_end(s: &[u8], start: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, &b) in s.iter().enumerate().skip(start) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return Some(i + 1),
            None => {}
        }
    }
    None
}

/// Index after the end tag `</name ...>` at or after `from`, case-insensitive.
fn end_tag(s: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let finder = memmem::Finder::new(b"</");
    let mut at = from;
    while let Some(pos) = finder.find(&s[at..]) {
        let p = at + pos;
        if starts_with_ci(s, p + 2, name) && is_name_end(s.get(p + 2 + name.len())) {
            return s[p..].iter().position(|&b| b == b'>').map(|e| p + e + 1);
        }
        at = p + 2;
    }
    None
}

/// Whether a `<noscript>`'s content is running text: several paragraphs, not a pixel or an
/// "enable JavaScript" line.
fn holds_text(inner: &[u8]) -> bool {
    inner.len() >= 500
        && memmem::find_iter(inner, b"<p")
            .filter(|&i| is_name_end(inner.get(i + 2)))
            .nth(1)
            .is_some()
}

/// Attributes the extractor reads; [`strip`] drops the others (`data-*` props, `aria-*`,
/// `srcset`, event handlers, ...), which are a fifth of a news page's bytes and most of its
/// character references. Every attribute a later pass reads must be listed here.
const READ_ATTRIBUTES: &[&[u8]] = &[
    b"class",
    b"id",
    b"role",
    b"itemprop",
    b"hidden",
    b"style",
    b"href",
    b"src",
    b"data-src",
    b"data-lazy-src",
    b"data-original",
    b"datetime",
    b"content",
    b"type",
    b"rel",
    b"property",
    b"name",
    b"lang",
    b"xml:lang",
    b"http-equiv",
    b"charset",
];

/// Elements whose content is text up to their end tag (RCDATA and raw text the tokenizer does
/// not read as markup): their content is copied as it is.
const TEXT_ONLY: &[&[u8]] = &[
    b"title",
    b"textarea",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
];

/// Whether a name is one of `names`, ASCII case-insensitively.
fn listed(names: &[&[u8]], name: &[u8]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Attributes kept on one tag when every attribute is kept (site selectors set): the tree
/// builder checks each attribute against the earlier ones of its tag, so a tag with a
/// hundred thousand attributes would cost quadratic time. Real tags have a few dozen at most.
const MAX_ATTRIBUTES: usize = 64;

/// End of the tag name beginning at `name_start`.
fn tag_name(s: &[u8], name_start: usize) -> usize {
    let mut i = name_start;
    while i < s.len() && !is_space(s[i]) && s[i] != b'/' && s[i] != b'>' {
        i += 1;
    }
    i
}

/// Reads the attributes of a tag from `from` (after its name) as the HTML tokenizer does
/// (quoted, unquoted or no values) and calls `unread(from, to)` for each attribute `keep`
/// rejects. Returns the index after the tag's `>` (the end of the input when the tag is not
/// closed).
fn attributes(
    s: &[u8],
    from: usize,
    mut keep: impl FnMut(&[u8]) -> bool,
    mut unread: impl FnMut(usize, usize),
) -> usize {
    let mut i = from;
    loop {
        // Before an attribute name: spaces and stray slashes.
        let lead = i;
        while i < s.len() && (is_space(s[i]) || s[i] == b'/') {
            i += 1;
        }
        match s.get(i) {
            None => return s.len(),
            Some(b'>') => return i + 1,
            Some(_) => {}
        }
        let attr_start = i;
        i += 1; // A first `=` belongs to the name.
        while i < s.len() && !is_space(s[i]) && !matches!(s[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        let attr_name = &s[attr_start..i];
        let mut value_end = i;
        while value_end < s.len() && is_space(s[value_end]) {
            value_end += 1;
        }
        if s.get(value_end) == Some(&b'=') {
            i = value_end + 1;
            while i < s.len() && is_space(s[i]) {
                i += 1;
            }
            match s.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    i = memchr::memchr(q, &s[i + 1..]).map_or(s.len(), |e| i + 1 + e + 1);
                }
                _ => {
                    while i < s.len() && !is_space(s[i]) && s[i] != b'>' {
                        i += 1;
                    }
                }
            }
        }
        if !keep(attr_name) {
            // The spaces before it go too when a space or the tag's end follows it, so that
            // nothing after it joins the attribute before.
            let ends_clean = s.get(i).is_none_or(|&b| is_space(b) || b == b'>');
            unread(if ends_clean { lead } else { attr_start }, i);
        }
    }
}

/// A filter for the attributes of one tag: the first of each name in [`READ_ATTRIBUTES`]
/// (the tree builder ignores repeats), or the first [`MAX_ATTRIBUTES`] when `all`.
fn attribute_filter(all: bool) -> impl FnMut(&[u8]) -> bool {
    let mut seen = 0u32;
    let mut count = 0usize;
    move |name| {
        if all {
            count += 1;
            return count <= MAX_ATTRIBUTES;
        }
        match READ_ATTRIBUTES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
        {
            Some(k) if seen & (1 << k) == 0 => {
                seen |= 1 << k;
                true
            }
            _ => false,
        }
    }
}

/// Returns the page without non-JSON-LD scripts, styles, comments, inline SVG and the
/// attributes the extractor does not read (unless `all_attributes`: site selectors may name
/// any attribute), and without the start and end tags past the nesting caps of
/// [`crate::nesting`].
pub(crate) fn strip(html: &str, all_attributes: bool) -> Cow<'_, str> {
    let s = html.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut cut = |from: usize, to: usize| {
        let buf = out.get_or_insert_with(|| Vec::with_capacity(s.len() / 2));
        buf.extend_from_slice(&s[copied..from]);
        copied = to;
    };
    let mut nesting = Nesting::default();
    let mut i = 0;
    while let Some(pos) = memchr::memchr(b'<', &s[i..]) {
        let lt = i + pos;
        i = lt + 1;
        if s[lt + 1..].starts_with(b"!--") {
            let body = lt + 4;
            let end = if s[body..].starts_with(b">") {
                body + 1
            } else if s[body..].starts_with(b"->") {
                body + 2
            } else {
                memmem::find(&s[body..], b"-->").map_or(s.len(), |e| body + e + 3)
            };
            cut(lt, end);
            i = end;
        } else if let Some(name) = DROPPED
            .iter()
            .find(|n| starts_with_ci(s, lt + 1, n) && is_name_end(s.get(lt + 1 + n.len())))
        {
            let Some(open_end) = tag_end(s, lt + 1) else {
                break;
            };
            let open = &s[lt..open_end];
            let json_ld = *name == b"script"
                && memmem::find(&open.to_ascii_lowercase(), b"ld+json").is_some();
            let self_closed = *name == b"svg" && open.ends_with(b"/>");
            let end = end_tag(s, open_end, name).unwrap_or(s.len());
            if json_ld {
                i = end;
            } else if self_closed || (*name == b"noscript" && holds_text(&s[open_end..end])) {
                // A `<noscript>` holding paragraphs is the page's text for readers without
                // scripts (blog engines render the post from a script template): its tags go,
                // its content stays.
                cut(lt, open_end);
                i = open_end;
            } else {
                cut(lt, end);
                i = end;
            }
        } else if s.get(lt + 1).is_some_and(u8::is_ascii_alphabetic) {
            let name_end = tag_name(s, lt + 1);
            let name = &s[lt + 1..name_end];
            if listed(TEXT_ONLY, name) {
                // No markup inside: the content is copied as it is, end tag included.
                let end = attributes(s, name_end, attribute_filter(all_attributes), &mut cut);
                i = end_tag(s, end, name).unwrap_or(s.len());
            } else if nesting.start(name) {
                i = attributes(s, name_end, attribute_filter(all_attributes), &mut cut);
            } else {
                // Past the nesting caps: the tag goes, its content stays.
                let end = attributes(s, name_end, |_| true, |_, _| {});
                cut(lt, end);
                i = end;
            }
        } else if s.get(lt + 1) == Some(&b'/') && s.get(lt + 2).is_some_and(u8::is_ascii_alphabetic)
        {
            let name_end = tag_name(s, lt + 2);
            let end = attributes(s, name_end, |_| true, |_, _| {});
            if !nesting.end(&s[lt + 2..name_end]) {
                cut(lt, end);
            }
            i = end;
        }
        if i >= s.len() {
            break;
        }
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut buf) => {
            buf.extend_from_slice(&s[copied.min(s.len())..]);
            // Cuts happen only at ASCII `<`, `>`, spaces and attribute boundaries, so the
            // bytes stay UTF-8.
            Cow::Owned(
                String::from_utf8(buf)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::strip;

    #[test]
    fn drops_scripts_styles_comments_svg() {
        let html = "<p>a<!-- c --></p><SCRIPT>if (a</b) {}</script ><style>p>a{}</style>\
                    <script type=\"application/ld+json\">{\"x\":1}</script><svg><path/></svg><svg/>b<!-->c";
        assert_eq!(
            strip(html, true),
            "<p>a</p><script type=\"application/ld+json\">{\"x\":1}</script>bc"
        );
        assert_eq!(strip("<p>plain</p>", true), "<p>plain</p>");
        assert_eq!(strip("<p>x</p><script>unterminated", true), "<p>x</p>");
        assert_eq!(strip("<script src='a>b'></script>z", true), "z");
    }

    #[test]
    fn noscript_paragraphs_stay_and_pixels_go() {
        let text = "Some running text of the post. ".repeat(10);
        let html = format!(
            "<noscript><p>{text}</p><p>{text}</p></noscript><noscript><img src=x></noscript>z"
        );
        assert_eq!(
            strip(&html, true),
            format!("<p>{text}</p><p>{text}</p></noscript>z")
        );
    }
    #[test]
    fn drops_unread_attributes_as_the_tokenizer_reads_them() {
        let cases = [
            (
                r#"<div class="a" data-x='{"k":"&quot;>"}' aria-label=b id=c>t</div>"#,
                r#"<div class="a" id=c>t</div>"#,
            ),
            // Glued attributes, valueless ones, slashes and a first `=` in a name.
            (
                r#"<p data-a="1"class=k hidden data-b>"#,
                r#"<p class=k hidden>"#,
            ),
            (r#"<a href=x data-y/>"#, r#"<a href=x />"#),
            (r#"<img src=x data-y=1/>z"#, r#"<img src=x>z"#),
            (r#"<br/data-x=1><i =a>"#, r#"<br><i>"#),
            (
                r#"<IMG SRC=x SrcSet="a 1x, b 2x" DATA-SRC=y>"#,
                r#"<IMG SRC=x DATA-SRC=y>"#,
            ),
            (r#"<p data-a = "1" >"#, r#"<p >"#),
            // Unclosed tags and quotes end with the input.
            (r#"<p class=a data-b="x"#, r#"<p class=a"#),
            // Text elements keep their content; end tags are left alone.
            (
                r#"<title>a <b data-x=1> c</title><p data-x=1></p data-y>"#,
                r#"<title>a <b data-x=1> c</title><p></p data-y>"#,
            ),
            // Markup-like text that is not a tag.
            ("a < b <3 <!DOCTYPE html>", "a < b <3 <!DOCTYPE html>"),
        ];
        for (html, want) in cases {
            assert_eq!(strip(html, false), want, "{html}");
        }
        assert_eq!(strip(r#"<p data-x=1>"#, true), r#"<p data-x=1>"#);
    }

    #[test]
    fn keeps_every_attribute_the_extractor_reads() {
        for name in super::READ_ATTRIBUTES {
            let name = std::str::from_utf8(name).unwrap_or_default();
            let html = format!(r#"<div {name}="v" data-gone="1">"#);
            assert_eq!(strip(&html, false), format!(r#"<div {name}="v">"#));
        }
    }
}
