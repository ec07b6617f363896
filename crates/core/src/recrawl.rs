//! When pages are visited again: hubs on an interval that adapts to how
//! often they change, articles at fixed ages after they were first fetched.

use std::time::Duration;

use regex::Regex;

use crate::backend::Revisit;
use crate::message::{LinkKind, PageClass, Visit};

/// A hub revisit interval for the URLs a pattern matches.
#[derive(Clone, Debug)]
pub struct HubPattern {
    /// Matched against the whole canonical URL.
    pub url: Regex,
    /// The interval such hubs start with.
    pub interval: Duration,
}

/// The revisit policy of a site (the `[recrawl]` config section).
#[derive(Clone, Debug)]
pub struct RecrawlPolicy {
    /// Whether due pages are revisited at all (`run --once` turns it off;
    /// visits are still recorded).
    pub enabled: bool,
    /// The interval a hub starts with when no pattern matches it.
    pub hub_interval: Duration,
    /// Per-pattern start intervals (the first match wins).
    pub hub_patterns: Vec<HubPattern>,
    /// Adapted intervals never go below this...
    pub min_interval: Duration,
    /// ...nor above this.
    pub max_interval: Duration,
    /// Hubs found deeper than this (archive pages) are not revisited, unless a
    /// pattern names them; seeds are depth 0, feeds and sitemaps always are.
    pub hub_max_depth: u16,
    /// Ages after its first fetch at which an article is fetched again.
    pub article_ages: Vec<Duration>,
    /// How long a claimed revisit waits for its visit's report before it is
    /// claimed again.
    pub lease: Duration,
}

impl Default for RecrawlPolicy {
    fn default() -> Self {
        RecrawlPolicy {
            enabled: true,
            hub_interval: Duration::from_secs(300),
            hub_patterns: Vec::new(),
            min_interval: Duration::from_secs(60),
            max_interval: Duration::from_secs(6 * 3600),
            hub_max_depth: 1,
            article_ages: [1, 6, 24]
                .map(|hours| Duration::from_secs(hours * 3600))
                .to_vec(),
            lease: Duration::from_secs(600),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl RecrawlPolicy {
    /// The schedule entry after `visit` (at `now_ms`), given the entry held
    /// before it; `None` when the page is not (or no longer) revisited.
    ///
    /// A hub's interval halves when it changed and grows by half when it did
    /// not, within the bounds; an article moves on to its next age.
    pub fn next(&self, previous: Option<&Revisit>, visit: &Visit, now_ms: u64) -> Option<Revisit> {
        let class = previous.map_or(visit.class, |p| p.class);
        let first_seen_ms = previous.map_or(now_ms, |p| p.first_seen_ms);
        let mut entry = Revisit {
            url: visit.url.clone(),
            depth: visit.depth,
            kind: visit.kind,
            class,
            due_ms: 0,
            interval_ms: 0,
            first_seen_ms,
            refetches: 0,
            version: visit.version.clone(),
        };
        let (min, max) = (millis(self.min_interval), millis(self.max_interval));
        match (class, previous) {
            (PageClass::Hub, None) => {
                let interval = self.start_interval(visit)?;
                entry.interval_ms = millis(interval).clamp(min, max.max(min));
            }
            (PageClass::Hub, Some(p)) => {
                let interval = if visit.changed {
                    p.interval_ms / 2
                } else {
                    p.interval_ms.saturating_add(p.interval_ms / 2)
                };
                entry.interval_ms = interval.clamp(min, max.max(min));
            }
            (PageClass::Article, p) => {
                let refetches = p.map_or(0, |p| p.refetches.saturating_add(1));
                let age = self.article_ages.get(usize::from(refetches))?;
                entry.refetches = refetches;
                entry.due_ms = first_seen_ms.saturating_add(millis(*age)).max(now_ms);
                return Some(entry);
            }
        }
        entry.due_ms = now_ms.saturating_add(entry.interval_ms);
        Some(entry)
    }

    /// A hub's first interval, or `None` when it is not revisited.
    fn start_interval(&self, visit: &Visit) -> Option<Duration> {
        let matched = self
            .hub_patterns
            .iter()
            .find(|p| p.url.is_match(visit.url.as_str()));
        match matched {
            Some(p) => Some(p.interval),
            None if visit.kind == LinkKind::Feed || visit.depth <= self.hub_max_depth => {
                Some(self.hub_interval)
            }
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::PageVersion;
    use url::Url;

    fn visit(url: &str, class: PageClass, depth: u16, changed: bool) -> Visit {
        Visit {
            url: Url::parse(url).expect("test url"),
            depth,
            kind: LinkKind::Hub,
            class,
            changed,
            version: PageVersion::default(),
        }
    }

    fn policy() -> RecrawlPolicy {
        RecrawlPolicy {
            hub_interval: Duration::from_secs(100),
            min_interval: Duration::from_secs(10),
            max_interval: Duration::from_secs(400),
            hub_patterns: vec![HubPattern {
                url: Regex::new(r"/section/[a-z-]+\?page=2$").expect("regex"),
                interval: Duration::from_secs(1000),
            }],
            article_ages: vec![Duration::from_secs(60), Duration::from_secs(600)],
            ..RecrawlPolicy::default()
        }
    }

    #[test]
    fn hub_interval_halves_on_change_and_grows_when_unchanged_within_bounds() {
        let p = policy();
        let home = "http://127.0.0.1/";
        let first = p.next(None, &visit(home, PageClass::Hub, 0, true), 0);
        let first = first.expect("hubs near the seed are revisited");
        assert_eq!((first.interval_ms, first.due_ms), (100_000, 100_000));
        let unchanged = visit(home, PageClass::Hub, 0, false);
        let mut intervals = Vec::new();
        let mut entry = first;
        for _ in 0..6 {
            entry = p
                .next(Some(&entry), &unchanged, 1_000)
                .expect("still revisited");
            intervals.push(entry.interval_ms / 1000);
        }
        assert_eq!(intervals, [150, 225, 337, 400, 400, 400]);
        let changed = visit(home, PageClass::Hub, 0, true);
        for _ in 0..6 {
            entry = p
                .next(Some(&entry), &changed, 1_000)
                .expect("still revisited");
        }
        assert_eq!(entry.interval_ms, 10_000);
        assert_eq!(entry.due_ms, 11_000);
    }

    #[test]
    fn deep_hubs_only_by_pattern_feeds_always() {
        let p = policy();
        let deep = visit("http://h/section/world?page=7", PageClass::Hub, 3, true);
        assert!(p.next(None, &deep, 0).is_none());
        let named = visit("http://h/section/world?page=2", PageClass::Hub, 3, true);
        assert_eq!(
            p.next(None, &named, 0).map(|e| e.interval_ms),
            Some(400_000)
        );
        let mut feed = visit("http://h/rss.xml", PageClass::Hub, 4, true);
        feed.kind = LinkKind::Feed;
        assert!(p.next(None, &feed, 0).is_some());
    }

    #[test]
    fn articles_are_refetched_at_their_ages_then_dropped() {
        let p = policy();
        let story = visit("http://h/a/2024/01/01/story-1", PageClass::Article, 2, true);
        let first = p.next(None, &story, 5_000).expect("first age");
        assert_eq!((first.due_ms, first.refetches), (65_000, 0));
        let second = p.next(Some(&first), &story, 70_000).expect("second age");
        assert_eq!(
            (second.due_ms, second.refetches, second.first_seen_ms),
            (605_000, 1, 5_000)
        );
        assert!(p.next(Some(&second), &story, 606_000).is_none());
    }
}
