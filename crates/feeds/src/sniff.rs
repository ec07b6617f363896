//! Decompression and format detection.
//!
//! The body is read through [`Capped`], which inflates gzip on the fly and
//! fails once more than [`Limits::max_bytes`](crate::Limits::max_bytes)
//! came out: a bomb costs the bytes read up to the cap, never its inflated
//! size. The format is told from the first bytes (at most [`MAX_PROLOG`]),
//! which are then read again by the parser proper.

use std::cell::RefCell;
use std::io::{self, BufReader, Chain, Cursor, Read};
use std::rc::Rc;

use quick_xml::encoding::DecodingReader;
use quick_xml::events::Event;
use url::Url;

use crate::FeedError;

/// The first read of a document, to tell its format.
const PEEK: usize = 64 * 1024;

/// The most read, before the root element, to tell the format: what comes
/// before the root (declaration, comments, a DTD) is small in any real
/// document.
pub(crate) const MAX_PROLOG: usize = 1024 * 1024;

/// The root element of an XML document that this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Root {
    /// `<rss>` (RSS 0.9x and 2.0).
    Rss,
    /// `<rdf:RDF>` (RSS 1.0 and 0.90).
    Rdf,
    /// `<feed>` (Atom).
    Atom,
    /// `<urlset>`.
    UrlSet,
    /// `<sitemapindex>`.
    Index,
}

/// The encoding an XML document declares, when it is not UTF-8.
pub(crate) type Encoding = Option<&'static encoding_rs::Encoding>;

/// What a document was recognised as.
pub(crate) enum Kind {
    /// XML with this root, in this encoding.
    Xml(Root, Encoding),
    /// A plain-text sitemap.
    Text,
}

/// Why reading the body failed, when the reader knows better than the
/// parser it fed (which only sees an I/O error).
#[derive(Clone, Default)]
pub(crate) struct Cause(Rc<RefCell<Option<FeedError>>>);

impl Cause {
    /// The cause, once: the first error wins.
    pub(crate) fn take(&self) -> Option<FeedError> {
        self.0.borrow_mut().take()
    }

    /// Records `error` unless one was recorded.
    fn set(&self, error: FeedError) {
        let mut slot = self.0.borrow_mut();
        if slot.is_none() {
            *slot = Some(error);
        }
    }
}

/// The body, inflated if gzip'd, that fails past a number of bytes.
pub(crate) struct Capped<'a> {
    /// The bytes, or their gzip decoder.
    inner: Box<dyn Read + 'a>,
    /// Bytes still allowed.
    left: u64,
    /// The cap.
    limit: u64,
    /// Whether `inner` inflates.
    gzipped: bool,
    /// Where a failure is told.
    cause: Cause,
}

impl Read for Capped<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => {
                self.cause.set(FeedError::Gzip(e.to_string()));
                return Err(e);
            }
        };
        if n as u64 > self.left {
            let error = FeedError::TooLarge {
                limit: self.limit,
                inflated: self.gzipped,
            };
            let message = error.to_string();
            self.cause.set(error);
            self.left = 0;
            return Err(io::Error::other(message));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The document as the parsers read it: the bytes read to tell its format,
/// then the rest.
pub(crate) type Input<'a> = BufReader<Chain<Cursor<Vec<u8>>, Capped<'a>>>;

/// An opened document.
pub(crate) struct Opened<'a> {
    /// What it is.
    pub(crate) kind: Kind,
    /// Its bytes from the first significant one (past a byte order mark and
    /// white space).
    pub(crate) input: Input<'a>,
    /// Whether it is gzip'd.
    pub(crate) gzipped: bool,
    /// Why reading it failed, if it did.
    pub(crate) cause: Cause,
}

/// Opens a body: gzip data (told by its magic bytes, whatever the content
/// type says) is inflated as it is read, up to `max_bytes`; other data must
/// be within the same cap. Tells the format from the first bytes.
///
/// # Errors
/// [`FeedError::TooLarge`], [`FeedError::Gzip`], [`FeedError::Html`],
/// [`FeedError::NotAFeed`], or [`FeedError::Malformed`] when the document
/// breaks before its root element.
pub(crate) fn open<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    base: &Url,
    max_bytes: u64,
) -> Result<Opened<'a>, FeedError> {
    if body.len() as u64 > max_bytes {
        return Err(FeedError::TooLarge {
            limit: max_bytes,
            inflated: false,
        });
    }
    let gzipped = body.starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read + 'a> = if gzipped {
        Box::new(flate2::read::MultiGzDecoder::new(body))
    } else {
        Box::new(body)
    };
    let cause = Cause::default();
    let mut capped = Capped {
        inner,
        left: max_bytes,
        limit: max_bytes,
        gzipped,
        cause: cause.clone(),
    };
    let mut head = Vec::new();
    let mut want = PEEK;
    let kind = loop {
        let eof = fill(&mut capped, &mut head, want).map_err(|_| {
            cause
                .take()
                .unwrap_or_else(|| FeedError::Gzip("cannot read the body".into()))
        })?;
        let start = significant(&head);
        match detect(&head[start..], eof, content_type, base)? {
            Some(kind) => {
                head.drain(..start);
                break kind;
            }
            None if want >= MAX_PROLOG => {
                return Err(FeedError::NotAFeed(format!(
                    "no root element in the first {MAX_PROLOG} bytes"
                )));
            }
            None => want *= 4,
        }
    };
    Ok(Opened {
        kind,
        input: BufReader::new(Cursor::new(head).chain(capped)),
        gzipped,
        cause,
    })
}

/// Reads into `head` until it holds `want` bytes; whether the body ended.
fn fill(from: &mut impl Read, head: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let have = head.len();
    from.by_ref()
        .take(want.saturating_sub(have) as u64)
        .read_to_end(head)?;
    Ok(head.len() < want)
}

/// Where the document starts, past a byte order mark and white space.
fn significant(bytes: &[u8]) -> usize {
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    bytes[bom..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(bytes.len(), |p| bom + p)
}

/// Whether the document opens like an HTML page.
fn opens_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64)];
    let lower = head.to_ascii_lowercase();
    lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html")
}

/// Tells the format from the document's first bytes: the root element of
/// XML, or a plain-text sitemap when the content type or URL says text.
/// `None` when `head` ends (`eof` false) before it can tell.
fn detect(
    head: &[u8],
    eof: bool,
    content_type: Option<&str>,
    base: &Url,
) -> Result<Option<Kind>, FeedError> {
    match head.first() {
        None if eof => return Err(FeedError::NotAFeed("empty document".into())),
        None => return Ok(None),
        Some(b'<') => {}
        Some(_) if is_text(content_type, base) => return Ok(Some(Kind::Text)),
        Some(_) => return Err(FeedError::NotAFeed("not XML".into())),
    }
    if opens_like_html(head) {
        return Err(FeedError::Html);
    }
    let (root, encoding) = match root(head) {
        Ok(Some(found)) => found,
        Ok(None) if eof => return Err(FeedError::NotAFeed("no root element".into())),
        Err(e) if eof => return Err(e),
        // Cut short by the peek: read more.
        Ok(None) | Err(_) => return Ok(None),
    };
    let root = match root.as_str() {
        "rss" => Root::Rss,
        "RDF" => Root::Rdf,
        "feed" => Root::Atom,
        "urlset" => Root::UrlSet,
        "sitemapindex" => Root::Index,
        "html" => return Err(FeedError::Html),
        other => return Err(FeedError::NotAFeed(format!("root element <{other}>"))),
    };
    Ok(Some(Kind::Xml(root, encoding)))
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

/// The local name of the root element, if `head` gets that far, and the
/// encoding the XML declaration names.
fn root(head: &[u8]) -> Result<Option<(String, Encoding)>, FeedError> {
    let mut reader = quick_xml::Reader::from_reader(DecodingReader::new(head));
    let mut buf = Vec::new();
    let mut encoding = None;
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            FeedError::Malformed(format!("{e} at byte {}", reader.error_position()))
        })?;
        match event {
            Event::Decl(d) if encoding.is_none() => {
                encoding = d
                    .encoder()
                    .filter(|e| e.is_ascii_compatible() && *e != encoding_rs::UTF_8);
                if let Some(e) = encoding
                    && reader.buffer_position() <= DECODER_PREFIX
                {
                    reader.get_mut().set_encoding(e);
                }
            }
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().into_inner().to_string();
                let name = if name.eq_ignore_ascii_case("html") {
                    name.to_ascii_lowercase()
                } else {
                    name
                };
                return Ok(Some((name, encoding)));
            }
            Event::Eof => return Ok(None),
            _ => {}
        }
    }
}

/// A `DecodingReader` can switch encodings while it has decoded no more
/// than its first 64 bytes (past them, `set_encoding` panics); declarations
/// are shorter.
const DECODER_PREFIX: u64 = 64;

/// A reader of `input` that transcodes it from `encoding` to UTF-8.
pub(crate) fn decoding<R: std::io::BufRead>(input: R, encoding: Encoding) -> DecodingReader<R> {
    let mut reader = DecodingReader::new(input);
    if let Some(e) = encoding {
        // Before the first read: cannot panic.
        reader.set_encoding(e);
    }
    reader
}

/// The source's own error when it failed, else `fallback`: a parser fed
/// by [`Capped`] only sees an I/O error.
pub(crate) fn failure(cause: &Cause, fallback: impl FnOnce() -> FeedError) -> FeedError {
    cause.take().unwrap_or_else(fallback)
}
