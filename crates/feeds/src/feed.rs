//! RSS and Atom entries: `feed-rs`, one item at a time.
//!
//! `feed-rs` reads a whole document into its model (every item with its
//! content, as `String`s) and has no pull interface: a 31 MB feed of a
//! million items took 1.4 GB. So `stream` walks the document and hands
//! `feed-rs` one item at a time, wrapped in the declaration and the start
//! tags above it: a standalone feed of one item, with the same namespaces,
//! `xml:base` and encoding. `feed-rs` keeps deciding what a link, a title
//! and a date are in each RSS and Atom dialect (its lenient date parsing
//! above all), which a reader of our own would have to redo; what it costs
//! is one small parse per item, and only up to the cap.

use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};

use feed_rs::model::Link;
use url::Url;

use crate::sniff::{Input, Root};
use crate::stream::{self, Kept, Spec};
use crate::{Entry, FeedError, Limits, kind_of, resolve};

/// RSS items: `<item>` under the root (RSS 1.0, 0.90) or its `<channel>`.
const RSS: Spec = Spec {
    records: &["item"],
    max_depth: 3,
    keep: KEEP,
};

/// Atom entries.
const ATOM: Spec = Spec {
    records: &["entry"],
    max_depth: 2,
    keep: KEEP,
};

/// The children of an item that give its link, title and dates, in any
/// dialect (`dc:date`, `dcterms:modified`, `atom:link`, ...).
const KEEP: &[&str] = &[
    "title",
    "link",
    "guid",
    "id",
    "pubDate",
    "published",
    "updated",
    "date",
    "issued",
    "modified",
    "created",
];

/// Reads the entries of an RSS or Atom document into `kept`; whether it
/// stopped at the cap.
///
/// An item `feed-rs` rejects (or panics on: it has `unwrap`s on some
/// values) is skipped; a document of which no item could be read is
/// [`FeedError::Malformed`] with the first item's error.
pub(crate) fn entries(
    input: Input<'_>,
    root: Root,
    encoding: crate::sniff::Encoding,
    base: &Url,
    limits: &Limits,
    cause: &crate::sniff::Cause,
    kept: &mut Kept,
) -> Result<bool, FeedError> {
    let spec = if root == Root::Atom { &ATOM } else { &RSS };
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .build();
    let mut first_error: Option<FeedError> = None;
    let mut read_any = false;
    let stopped = stream::records(input, encoding, spec, limits.max_depth, cause, |item| {
        let feed = match catch_unwind(AssertUnwindSafe(|| parser.parse(item))) {
            Ok(Ok(feed)) => feed,
            Ok(Err(e)) => {
                first_error.get_or_insert_with(|| FeedError::Malformed(e.to_string()));
                return ControlFlow::Continue(());
            }
            Err(_) => {
                first_error.get_or_insert_with(|| {
                    FeedError::Malformed("the feed parser failed on this document".into())
                });
                return ControlFlow::Continue(());
            }
        };
        read_any = true;
        for item in feed.entries {
            let Some(url) = page_link(&item.links, base).or_else(|| permalink_id(&item.id, base))
            else {
                continue;
            };
            let entry = Entry {
                kind: kind_of(&url),
                url,
                published: item.published.or(item.updated),
                title: item
                    .title
                    .map(|t| t.content.trim().to_string())
                    .filter(|t| !t.is_empty()),
            };
            if kept.add(entry).is_break() {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    })?;
    match first_error {
        Some(e) if !read_any => Err(e),
        _ => Ok(stopped),
    }
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
