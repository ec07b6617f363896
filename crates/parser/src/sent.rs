//! The links this parser has sent to the frontier. Pages of one site repeat
//! most of their links (the navigation, the most-read box, the related
//! stories), so most links of a page were sent already with an earlier
//! page; the frontier would canonicalize, scope and look each up in the
//! seen-set only to drop it. A link is left out when this process has sent
//! it before at the same depth or less, in a batch that was published (so
//! the frontier is bound to read it: at-least-once). A link at a lesser depth
//! than before is sent again (the deeper one may have been out of scope),
//! and a reloaded config forgets them all (its scope may take in more).
//! The memory is bounded; a link it forgot is only sent again.

use std::sync::{Arc, Mutex};

use newshound_core::message::DiscoveredLink;
use xxhash_rust::xxh3::xxh3_64;

use crate::ParserConfig;

/// Links remembered (about 40 bytes each).
const CAPACITY: u64 = 500_000;

/// The links sent, by the xxh3 of their URL, with the least depth sent at.
pub(crate) struct SentLinks {
    sent: moka::sync::Cache<u64, u16>,
    /// The config the links were sent under.
    config: Mutex<Option<Arc<ParserConfig>>>,
}

impl SentLinks {
    pub(crate) fn new() -> SentLinks {
        SentLinks {
            sent: moka::sync::Cache::new(CAPACITY),
            config: Mutex::new(None),
        }
    }

    /// The links of a page to send at `depth` under `config`, with their
    /// keys for [`SentLinks::record`] once they are published.
    pub(crate) fn unsent(
        &self,
        config: &Arc<ParserConfig>,
        depth: u16,
        links: Vec<DiscoveredLink>,
    ) -> (Vec<DiscoveredLink>, Vec<u64>) {
        if let Ok(mut under) = self.config.lock()
            && !under.as_ref().is_some_and(|c| Arc::ptr_eq(c, config))
        {
            self.sent.invalidate_all();
            *under = Some(config.clone());
        }
        let mut keys = Vec::with_capacity(links.len());
        let unsent = links
            .into_iter()
            .filter(|link| {
                let key = xxh3_64(link.url.as_bytes());
                let known = self.sent.get(&key).is_some_and(|at| at <= depth);
                if !known {
                    keys.push(key);
                }
                !known
            })
            .collect();
        (unsent, keys)
    }

    /// The links of `keys` were published at `depth`.
    pub(crate) fn record(&self, keys: &[u64], depth: u16) {
        for &key in keys {
            let least = self.sent.get(&key).map_or(depth, |at| at.min(depth));
            self.sent.insert(key, least);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(urls: &[&str]) -> Vec<DiscoveredLink> {
        urls.iter()
            .map(|u| DiscoveredLink {
                url: (*u).to_string(),
                kind: newshound_core::message::LinkKind::Article,
                related: false,
            })
            .collect()
    }

    fn config() -> Arc<ParserConfig> {
        Arc::new(ParserConfig {
            extract: newshound_extract::ExtractOptions::default(),
            canon: newshound_core::canon::CanonRules::default(),
            max_body_bytes: 1 << 20,
            feeds: newshound_feeds::Limits::default(),
            concurrency: 1,
        })
    }

    fn urls(links: &[DiscoveredLink]) -> Vec<&str> {
        links.iter().map(|l| l.url.as_str()).collect()
    }

    #[test]
    fn a_link_sent_is_left_out_until_a_lesser_depth_or_a_new_config() {
        let sent = SentLinks::new();
        let config = config();
        let (first, keys) = sent.unsent(&config, 3, links(&["http://a/1", "http://a/2"]));
        assert_eq!(urls(&first), ["http://a/1", "http://a/2"]);
        // Not published yet: sent again.
        let (again, _) = sent.unsent(&config, 3, links(&["http://a/1"]));
        assert_eq!(urls(&again), ["http://a/1"]);
        sent.record(&keys, 3);
        let (next, keys) = sent.unsent(&config, 4, links(&["http://a/1", "http://a/3"]));
        assert_eq!(urls(&next), ["http://a/3"]);
        sent.record(&keys, 4);
        // Nearer the seeds than before: sent again, and remembered so.
        let (nearer, keys) = sent.unsent(&config, 2, links(&["http://a/1", "http://a/3"]));
        assert_eq!(urls(&nearer), ["http://a/1", "http://a/3"]);
        sent.record(&keys, 2);
        let (none, _) = sent.unsent(&config, 2, links(&["http://a/1", "http://a/2"]));
        assert_eq!(urls(&none), ["http://a/2"]);
        // A reloaded config forgets what was sent.
        let (all, _) = sent.unsent(&self::config(), 4, links(&["http://a/1"]));
        assert_eq!(urls(&all), ["http://a/1"]);
    }
}
