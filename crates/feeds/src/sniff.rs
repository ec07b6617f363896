//! Decompression and format detection.

use std::borrow::Cow;
use std::io::Read;

use quick_xml::events::Event;
use url::Url;

use crate::FeedError;

/// Which parser reads a document.
pub(crate) enum Kind {
    /// RSS or Atom: `feed-rs`.
    Feed,
    /// Sitemap `urlset`, index or text: `sitemapo`.
    Sitemap,
}

/// Inflates gzip data (told by its magic bytes, whatever the content type
/// says) up to `max_bytes`; other data is returned as is, within the same cap.
pub(crate) fn inflate(body: &[u8], max_bytes: u64) -> Result<(Cow<'_, [u8]>, bool), FeedError> {
    if body.len() as u64 > max_bytes {
        return Err(FeedError::TooLarge { limit: max_bytes });
    }
    if !body.starts_with(&[0x1f, 0x8b]) {
        return Ok((Cow::Borrowed(body), false));
    }
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(1 << 24));
    flate2::read::MultiGzDecoder::new(body)
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| FeedError::Gzip(e.to_string()))?;
    if out.len() as u64 > max_bytes {
        return Err(FeedError::TooLarge { limit: max_bytes });
    }
    Ok((Cow::Owned(out), true))
}

/// The document without a leading byte order mark and white space.
fn significant(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Whether the document opens like an HTML page.
fn opens_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64)];
    let lower = head.to_ascii_lowercase();
    lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html")
}

/// Tells the format from the document: the root element of XML, or a
/// plain-text sitemap when the content type or URL says text.
pub(crate) fn detect(
    bytes: &[u8],
    content_type: Option<&str>,
    base: &Url,
    max_depth: usize,
) -> Result<Kind, FeedError> {
    let head = significant(bytes);
    match head.first() {
        None => return Err(FeedError::NotAFeed("empty document".into())),
        Some(b'<') => {}
        Some(_) if is_text(content_type, base) => return Ok(Kind::Sitemap),
        Some(_) => return Err(FeedError::NotAFeed("not XML".into())),
    }
    if opens_like_html(head) {
        return Err(FeedError::Html);
    }
    let root = scan(head, max_depth)?;
    match root.as_str() {
        "rss" | "RDF" | "feed" => Ok(Kind::Feed),
        "urlset" | "sitemapindex" => Ok(Kind::Sitemap),
        "html" => Err(FeedError::Html),
        other => Err(FeedError::NotAFeed(format!("root element <{other}>"))),
    }
}

/// A text sitemap is only recognised by what the server says it is.
fn is_text(content_type: Option<&str>, base: &Url) -> bool {
    let text_type = content_type.is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/plain"))
    });
    text_type || base.path().to_ascii_lowercase().ends_with(".txt")
}

/// Reads the whole document once: its root element's local name, checking
/// that it is well-formed and nests no deeper than `max_depth` (the feed
/// parser recurses into nested content).
///
/// Markup is ASCII in every encoding feeds use, so the structure is read from
/// a lossy UTF-8 view; the parsers proper decode the declared encoding.
fn scan(xml: &[u8], max_depth: usize) -> Result<String, FeedError> {
    let text = String::from_utf8_lossy(xml);
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut root: Option<String> = None;
    let mut depth = 0usize;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            FeedError::Malformed(format!("{e} at byte {}", reader.error_position()))
        })?;
        match event {
            Event::Start(e) => {
                if root.is_none() {
                    let name = e.local_name().as_ref().to_string();
                    if name.eq_ignore_ascii_case("html") {
                        // HTML need not be well-formed XML: stop here.
                        return Ok(name.to_ascii_lowercase());
                    }
                    root = Some(name);
                }
                depth += 1;
                if depth > max_depth {
                    return Err(FeedError::TooDeep { limit: max_depth });
                }
            }
            Event::Empty(e) if root.is_none() => {
                root = Some(e.local_name().as_ref().to_string());
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or_else(|| FeedError::NotAFeed("no root element".into()))
}
