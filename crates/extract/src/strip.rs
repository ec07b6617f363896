//! A byte-level pre-pass that drops what the extractor never reads (scripts other than
//! JSON-LD, styles, comments, inline SVG, templates, noscript and select boxes) before the HTML5 parser sees the page: on news pages
//! that is well over half of the bytes, and the parser's time is proportional to them.

use std::borrow::Cow;

use memchr::memmem;

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

/// Returns the page without non-JSON-LD scripts, styles, comments and inline SVG.
pub(crate) fn strip(html: &str) -> Cow<'_, str> {
    let s = html.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(pos) = memchr::memchr(b'<', &s[i..]) {
        let lt = i + pos;
        i = lt + 1;
        let skip_to = if s[lt + 1..].starts_with(b"!--") {
            let body = lt + 4;
            if s[body..].starts_with(b">") {
                Some(body + 1)
            } else if s[body..].starts_with(b"->") {
                Some(body + 2)
            } else {
                Some(memmem::find(&s[body..], b"-->").map_or(s.len(), |e| body + e + 3))
            }
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
                None
            } else if self_closed || (*name == b"noscript" && holds_text(&s[open_end..end])) {
                // A `<noscript>` holding paragraphs is the page's text for readers without
                // scripts (blog engines render the post from a script template): its tags go,
                // its content stays.
                Some(open_end)
            } else {
                Some(end)
            }
        } else {
            None
        };
        if let Some(end) = skip_to {
            let buf = out.get_or_insert_with(|| Vec::with_capacity(s.len() / 2));
            buf.extend_from_slice(&s[copied..lt]);
            copied = end;
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
            // Cuts happen only at ASCII `<` and after ASCII `>`, so the bytes stay UTF-8.
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
            strip(html),
            "<p>a</p><script type=\"application/ld+json\">{\"x\":1}</script>bc"
        );
        assert_eq!(strip("<p>plain</p>"), "<p>plain</p>");
        assert_eq!(strip("<p>x</p><script>unterminated"), "<p>x</p>");
        assert_eq!(strip("<script src='a>b'></script>z"), "z");
    }

    #[test]
    fn noscript_paragraphs_stay_and_pixels_go() {
        let text = "Some running text of the post. ".repeat(10);
        let html = format!(
            "<noscript><p>{text}</p><p>{text}</p></noscript><noscript><img src=x></noscript>z"
        );
        assert_eq!(
            strip(&html),
            format!("<p>{text}</p><p>{text}</p></noscript>z")
        );
    }
}
