//! One pass over an XML feed or sitemap, record by record.
//!
//! `quick-xml`'s pull reader walks the document (inflated on the fly, see
//! `sniff`); each record (an RSS `<item>`, an Atom `<entry>`, a sitemap
//! `<url>` or `<sitemap>`) is copied out, with only the children that give
//! its link, title and dates, into a small standalone document: the XML
//! declaration (for the encoding), the record's ancestors' start tags (for
//! namespaces and `xml:base`), the record, and the closing tags. That
//! document goes to the format's own parser (`feed-rs`, `sitemapo`), which
//! therefore decides every detail of the format as before, but never sees
//! more than one record. Descriptions, content, enclosures, images and
//! videos are never copied.
//!
//! Memory is the read buffer (the largest single event, a text run at most
//! [`Limits::max_bytes`](crate::Limits::max_bytes), released after it), the
//! current record (at most [`MAX_RECORD_BYTES`]) and what the caller keeps.
//! The caller stops the pass once it has all it keeps: the rest of the
//! document is never read, nor inflated.

use std::collections::HashMap;
use std::io::BufRead;
use std::ops::ControlFlow;

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, Event};

use crate::sniff::Cause;
use crate::{Entry, FeedError};

/// A record whose copy grows past this many bytes (a title of a megabyte is
/// junk, not a headline) is skipped.
pub(crate) const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// A read buffer grown past this is released after its event.
const KEEP_BUFFER: usize = 64 * 1024;

/// Which elements are records, and which of their children are copied.
pub(crate) struct Spec {
    /// Local names of record elements.
    pub(crate) records: &'static [&'static str],
    /// The deepest a record may sit (the root is at depth 1).
    pub(crate) max_depth: usize,
    /// Local names of the record's children that are copied (with all they
    /// hold); the others are skipped.
    pub(crate) keep: &'static [&'static str],
}

/// The record being copied.
struct Record {
    /// Depth of the record element.
    depth: usize,
    /// Depth of the child being skipped, if any.
    skipping: Option<usize>,
    /// Grew past [`MAX_RECORD_BYTES`]: copied no further, and dropped.
    oversize: bool,
    /// The standalone document being written.
    out: Writer<Vec<u8>>,
}

impl Record {
    /// Copies an event, unless skipped or the record grew too large.
    fn write(&mut self, event: Event<'_>) {
        if self.oversize {
            return;
        }
        // Writing into a `Vec` cannot fail.
        let _ = self.out.write_event(event);
        if self.out.get_ref().len() > MAX_RECORD_BYTES {
            self.oversize = true;
        }
    }
}

/// Reads the document, handing each record's standalone document to
/// `on_record` until it breaks. Returns whether it broke (the rest of the
/// document was not read).
///
/// # Errors
/// [`FeedError::TooDeep`] past `max_depth`, [`FeedError::Malformed`] for
/// broken XML (including a document that ends inside an element), and the
/// source's own error (too large, bad gzip) when reading it failed.
pub(crate) fn records<R: BufRead>(
    input: R,
    encoding: crate::sniff::Encoding,
    spec: &Spec,
    max_depth: usize,
    cause: &Cause,
    mut on_record: impl FnMut(&[u8]) -> ControlFlow<()>,
) -> Result<bool, FeedError> {
    let mut reader = quick_xml::Reader::from_reader(crate::sniff::decoding(input, encoding));
    let mut buf = Vec::new();
    // Open elements above any record, as written (start tags with their
    // namespace declarations): only as deep as a record may sit.
    let mut ancestors: Vec<BytesStart<'static>> = Vec::new();
    let mut record: Option<Record> = None;
    let mut spare = Vec::new();
    let mut depth = 0usize;
    loop {
        if buf.capacity() > KEEP_BUFFER {
            buf = Vec::new();
        } else {
            buf.clear();
        }
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => {
                return Err(cause.take().unwrap_or_else(|| {
                    FeedError::Malformed(format!("{e} at byte {}", reader.error_position()))
                }));
            }
        };
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > max_depth {
                    return Err(FeedError::TooDeep { limit: max_depth });
                }
                if let Some(rec) = record.as_mut() {
                    if rec.skipping.is_none() {
                        if depth == rec.depth + 1
                            && !spec.keep.contains(&e.local_name().into_inner())
                        {
                            rec.skipping = Some(depth);
                        } else {
                            rec.write(Event::Start(e));
                        }
                    }
                } else if depth <= spec.max_depth
                    && spec.records.contains(&e.local_name().into_inner())
                {
                    let mut out = Writer::new(std::mem::take(&mut spare));
                    for a in &ancestors {
                        let _ = out.write_event(Event::Start(a.borrow()));
                    }
                    let mut rec = Record {
                        depth,
                        skipping: None,
                        oversize: false,
                        out,
                    };
                    rec.write(Event::Start(e));
                    record = Some(rec);
                } else if depth < spec.max_depth {
                    ancestors.push(context(&e));
                }
            }
            Event::End(e) => {
                let closes_record = match record.as_mut() {
                    Some(rec) => {
                        if rec.skipping == Some(depth) {
                            rec.skipping = None;
                        } else if rec.skipping.is_none() {
                            rec.write(Event::End(e));
                        }
                        depth == rec.depth
                    }
                    None => {
                        if depth < spec.max_depth {
                            ancestors.pop();
                        }
                        false
                    }
                };
                if closes_record && let Some(rec) = record.take() {
                    let (doc, oversize) = finish(rec, &ancestors);
                    spare = doc;
                    let flow = if oversize {
                        ControlFlow::Continue(())
                    } else {
                        on_record(&spare)
                    };
                    spare.clear();
                    if spare.capacity() > KEEP_BUFFER {
                        spare = Vec::new();
                    }
                    if flow.is_break() {
                        return Ok(true);
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Empty(e) => {
                if let Some(rec) = record.as_mut()
                    && rec.skipping.is_none()
                    && (depth > rec.depth || spec.keep.contains(&e.local_name().into_inner()))
                {
                    rec.write(Event::Empty(e));
                }
            }
            event @ (Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)) => {
                if let Some(rec) = record.as_mut()
                    && rec.skipping.is_none()
                    && depth > rec.depth
                {
                    rec.write(event);
                }
            }
            Event::Eof => {
                if let Some(cause) = cause.take() {
                    return Err(cause);
                }
                if depth > 0 {
                    return Err(FeedError::Malformed(format!(
                        "the document ends inside {depth} open element{}",
                        if depth == 1 { "" } else { "s" }
                    )));
                }
                return Ok(false);
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}

/// An ancestor's start tag as copied before each record: its name and the
/// attributes that matter to a record below it (namespace declarations,
/// `xml:base`, `xml:lang`, the RSS `version`), so that a start tag bloated
/// with other attributes is not copied for every record.
fn context(e: &BytesStart<'_>) -> BytesStart<'static> {
    let mut kept = BytesStart::new(e.name().into_inner().to_string());
    for attr in e.attributes().flatten() {
        let key = attr.key.into_inner();
        if key == "xmlns"
            || key.starts_with("xmlns:")
            || key.starts_with("xml:")
            || key == "version"
        {
            kept.push_attribute(attr);
        }
    }
    kept.into_owned()
}

/// Closes the ancestors' elements after a record: its standalone document,
/// and whether it grew too large to be read.
fn finish(mut rec: Record, ancestors: &[BytesStart<'static>]) -> (Vec<u8>, bool) {
    for a in ancestors.iter().rev() {
        // Writing into a `Vec` cannot fail.
        let _ = rec
            .out
            .write_event(Event::End(BytesEnd::new(a.name().into_inner())));
    }
    (rec.out.into_inner(), rec.oversize)
}

/// The entries kept from one document: unique URLs in document order, at
/// most `max`.
pub(crate) struct Kept {
    /// The entries.
    pub(crate) entries: Vec<Entry>,
    /// Index of each kept URL in `entries`.
    index: HashMap<String, usize>,
    /// The cap.
    max: usize,
    /// A new URL came past the cap.
    pub(crate) truncated: bool,
}

impl Kept {
    /// Keeps nothing yet, and at most `max`.
    pub(crate) fn new(max: usize) -> Self {
        Kept {
            entries: Vec::new(),
            index: HashMap::new(),
            max,
            truncated: false,
        }
    }

    /// Keeps a new URL, or fills in what the first entry of a repeated one
    /// lacks; breaks on a new URL past the cap (not kept).
    pub(crate) fn add(&mut self, entry: Entry) -> ControlFlow<()> {
        if let Some(&i) = self.index.get(entry.url.as_str()) {
            if let Some(first) = self.entries.get_mut(i) {
                if first.published.is_none() {
                    first.published = entry.published;
                }
                if first.title.is_none() {
                    first.title = entry.title;
                }
            }
            return ControlFlow::Continue(());
        }
        if self.entries.len() >= self.max {
            self.truncated = true;
            return ControlFlow::Break(());
        }
        self.index.insert(entry.url.to_string(), self.entries.len());
        self.entries.push(entry);
        ControlFlow::Continue(())
    }
}
