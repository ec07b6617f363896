//! Sitemap records, through `sitemapo`.

use chrono::{DateTime, Utc};
use sitemapo::Record;
use url::Url;

use crate::{Entry, EntryKind, FeedError, Format, kind_of, resolve};

/// The entries of a sitemap `urlset`, sitemap index or text sitemap.
///
/// `sitemapo` reads `<loc>` as an absolute URL (as the protocol requires);
/// records whose location is not one are skipped.
pub(crate) fn entries(bytes: &[u8], base: &Url) -> Result<(Format, Vec<Entry>), FeedError> {
    let mut parser = sitemapo::Parser::new(bytes);
    let mut entries = Vec::new();
    for record in parser.by_ref() {
        let record = record.map_err(|e| match e {
            sitemapo::Error::ByteLimit => FeedError::TooLarge {
                limit: sitemapo::BYTE_LIMIT as u64,
            },
            sitemapo::Error::RecordLimit => FeedError::TooManyEntries {
                limit: sitemapo::RECORD_LIMIT,
            },
            other => FeedError::Malformed(other.to_string()),
        })?;
        let entry = match record {
            Record::Entry(e) => {
                let Some(url) = resolve(base, e.location.as_str()) else {
                    continue;
                };
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
            Record::Sitemap(s) => {
                let Some(url) = resolve(base, s.location.as_str()) else {
                    continue;
                };
                Entry {
                    url,
                    kind: EntryKind::Sitemap,
                    published: s.modified.and_then(utc),
                    title: None,
                }
            }
        };
        entries.push(entry);
    }
    let format = match parser.format() {
        Some(sitemapo::Format::Index) => Format::SitemapIndex,
        Some(sitemapo::Format::UrlSet) => Format::UrlSet,
        Some(sitemapo::Format::Text) => Format::TextSitemap,
        None => return Err(FeedError::NotAFeed("empty sitemap".into())),
    };
    Ok((format, entries))
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
