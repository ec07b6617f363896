//! RSS and Atom entries, through `feed-rs`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use feed_rs::model::{FeedType, Link};
use url::Url;

use crate::{Entry, FeedError, Format, kind_of, resolve};

/// The entries of an RSS or Atom document.
///
/// `feed-rs` has `unwrap`s on some values (durations with too many digits,
/// for one); a panic there is caught and reported as [`FeedError::Malformed`].
pub(crate) fn entries(xml: &[u8], base: &Url) -> Result<(Format, Vec<Entry>), FeedError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .build();
    let feed = catch_unwind(AssertUnwindSafe(|| parser.parse(xml)))
        .map_err(|_| FeedError::Malformed("the feed parser failed on this document".into()))?
        .map_err(|e| FeedError::Malformed(e.to_string()))?;
    let format = match feed.feed_type {
        FeedType::Atom => Format::Atom,
        FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2 => Format::Rss,
        // Only reachable for JSON, which `detect` never hands over.
        FeedType::JSON => return Err(FeedError::NotAFeed("JSON Feed".into())),
    };
    let entries = feed
        .entries
        .into_iter()
        .filter_map(|item| {
            let url = page_link(&item.links, base).or_else(|| permalink_id(&item.id, base))?;
            Some(Entry {
                kind: kind_of(&url),
                url,
                published: item.published.or(item.updated),
                title: item
                    .title
                    .map(|t| t.content.trim().to_string())
                    .filter(|t| !t.is_empty()),
            })
        })
        .collect();
    Ok((format, entries))
}

/// The item's page: its `alternate` (or unqualified) link, else the first
/// link that is not an enclosure, a reply thread or the entry itself.
fn page_link(links: &[Link], base: &Url) -> Option<Url> {
    let alternate = links
        .iter()
        .filter(|l| {
            l.rel
                .as_deref()
                .is_none_or(|r| r.eq_ignore_ascii_case("alternate"))
        })
        .find_map(|l| resolve(base, &l.href));
    alternate.or_else(|| {
        links
            .iter()
            .filter(|l| {
                !l.rel.as_deref().is_some_and(|r| {
                    ["enclosure", "replies", "self", "edit", "related", "via"]
                        .iter()
                        .any(|skip| r.eq_ignore_ascii_case(skip))
                })
            })
            .find_map(|l| resolve(base, &l.href))
    })
}

/// An RSS `<guid>` (or Atom `<id>`) that is an absolute web URL stands for
/// the item's page when it has no link.
fn permalink_id(id: &str, base: &Url) -> Option<Url> {
    let id = id.trim();
    let lower = id.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        resolve(base, id)
    } else {
        None
    }
}
