//! Sitemap records: `sitemapo`, one record at a time.
//!
//! `sitemapo` is a pull parser already, but it owns its reader, fails a
//! document at its 50,001st record (where we keep the first ones) and
//! checks no nesting depth. So XML sitemaps go through `stream` like feeds,
//! each `<url>` or `<sitemap>` (its `loc`, `lastmod` and `news:news` only)
//! handed to `sitemapo` as a sitemap of one record; text sitemaps, which have
//! no nesting, are read by `sitemapo` straight from the input, line by line.

use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use sitemapo::Record;
use url::Url;

use crate::sniff::{Cause, Input, failure};
use crate::stream::{self, Kept, Spec};
use crate::{Entry, EntryKind, FeedError, Limits, kind_of, resolve};

/// The `<url>`s of a `urlset`.
const URLSET: Spec = Spec {
    records: &["url"],
    max_depth: 2,
    keep: &["loc", "lastmod", "news"],
};

/// The `<sitemap>`s of a sitemap index.
const INDEX: Spec = Spec {
    records: &["sitemap"],
    max_depth: 2,
    keep: &["loc", "lastmod"],
};

/// Reads the records of an XML sitemap (`index` for a sitemap index) into
/// `kept`; whether it stopped at the cap.
///
/// `sitemapo` reads `<loc>` as an absolute URL (as the protocol requires);
/// records whose location is not one are skipped.
pub(crate) fn xml(
    input: Input<'_>,
    index: bool,
    encoding: crate::sniff::Encoding,
    base: &Url,
    limits: &Limits,
    cause: &Cause,
    kept: &mut Kept,
) -> Result<bool, FeedError> {
    let spec = if index { &INDEX } else { &URLSET };
    stream::records(input, encoding, spec, limits.max_depth, cause, |record| {
        for record in sitemapo::Parser::new(record) {
            // A record `sitemapo` cannot read is skipped, like one without
            // a location.
            let Ok(record) = record else { break };
            if let Some(entry) = entry(record, base)
                && kept.add(entry).is_break()
            {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    })
}

/// Reads a text sitemap into `kept`; whether it stopped at the cap.
pub(crate) fn text(
    input: Input<'_>,
    base: &Url,
    cause: &Cause,
    kept: &mut Kept,
) -> Result<bool, FeedError> {
    for record in sitemapo::Parser::new(input) {
        let record = match record {
            Ok(record) => record,
            // `sitemapo` stops at the protocol's 50,000 records: a cap set
            // higher than that still truncates there.
            Err(sitemapo::Error::RecordLimit) => return Ok(true),
            Err(sitemapo::Error::ByteLimit) => {
                return Err(FeedError::TooLarge {
                    limit: sitemapo::BYTE_LIMIT as u64,
                    inflated: false,
                });
            }
            Err(other) => return Err(failure(cause, || FeedError::Malformed(other.to_string()))),
        };
        if let Some(entry) = entry(record, base)
            && kept.add(entry).is_break()
        {
            return Ok(true);
        }
    }
    match cause.take() {
        Some(e) => Err(e),
        None => Ok(false),
    }
}

/// A record as an entry, if its location is a web URL.
fn entry(record: Record, base: &Url) -> Option<Entry> {
    Some(match record {
        Record::Entry(e) => {
            let url = resolve(base, e.location.as_str())?;
            let news = e.news.as_ref();
            Entry {
                kind: kind_of(&url),
                url,
                published: news.map(|n| n.published).or(e.modified).and_then(utc),
                title: news
                    .map(|n| n.title.trim().to_string())
                    .filter(|t| !t.is_empty()),
            }
        }
        Record::Sitemap(s) => Entry {
            url: resolve(base, s.location.as_str())?,
            kind: EntryKind::Sitemap,
            published: s.modified.and_then(utc),
            title: None,
        },
    })
}

/// A `jiff` timestamp as a `chrono` one.
fn utc(t: sitemapo::jiff::Timestamp) -> Option<DateTime<Utc>> {
    let mut secs = t.as_second();
    let mut nanos = t.subsec_nanosecond();
    if nanos < 0 {
        secs -= 1;
        nanos += 1_000_000_000;
    }
    DateTime::from_timestamp(secs, u32::try_from(nanos).ok()?)
}
