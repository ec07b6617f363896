//! Property test: config loading never panics, whatever the text, and every
//! rejection names the file and what is wrong (a key, or a line).
//!
//! Texts are drawn from the config's own keys with values of every kind
//! (strings, URLs, integers at and past their bounds, floats including
//! NaN and infinities, arrays, tables), mixed with junk lines.
//! `PROPTEST_CASES=20000 cargo test --release -p newshound-core --test config_prop`
//! runs it longer.

use proptest::prelude::*;
use std::path::Path;

use newshound_core::config::{Config, ConfigError};

const SECTIONS: &[(&str, &[&str])] = &[
    (
        "site",
        &[
            "name",
            "seeds",
            "allowed_hosts",
            "max_depth",
            "timezone",
            "strip_params",
            "max_url_length",
            "max_query_params",
            "max_page",
            "oldest_year",
            "max_pages_per_host",
        ],
    ),
    (
        "politeness",
        &[
            "user_agent",
            "requests_per_second",
            "burst",
            "max_concurrent_per_host",
            "obey_robots",
        ],
    ),
    (
        "fetch",
        &[
            "concurrency",
            "timeout_secs",
            "connect_timeout_secs",
            "max_body_bytes",
            "max_redirects",
            "max_attempts",
            "retry_base_delay_ms",
            "allow_private_networks",
            "max_crawl_delay_secs",
            "max_retry_after_secs",
            "give_up_after_secs",
        ],
    ),
    (
        "parse",
        &[
            "max_links_per_page",
            "max_feed_entries",
            "max_sitemap_urls",
            "max_feed_bytes",
        ],
    ),
    (
        "extract",
        &["title", "body", "authors", "published", "exclude"],
    ),
    (
        "output",
        &[
            "dir",
            "state_dir",
            "jsonl",
            "postgres_url",
            "postgres_schema",
        ],
    ),
    (
        "recrawl",
        &[
            "hub_interval_secs",
            "min_interval_secs",
            "max_interval_secs",
            "hub_max_depth",
            "article_ages_secs",
            "lease_secs",
        ],
    ),
    ("metrics", &["listen"]),
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"http://127.0.0.1:8311/\"".to_string()),
        Just("[\"http://127.0.0.1:8311/\"]".to_string()),
        Just("[\"127.0.0.1:8311\", \"*.example.invalid\"]".to_string()),
        Just("[\"127.0.0.0/8\", \"::1\", \"127.0.0.0/33\", \"nonsense\"]".to_string()),
        Just("9223372036854775807".to_string()),
        Just("18446744073709551616".to_string()),
        Just("-1".to_string()),
        Just("0".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("1e-30".to_string()),
        Just("1e300".to_string()),
        Just("true".to_string()),
        Just("\"h1[\"".to_string()),
        Just("\"Asia/Seoul\"".to_string()),
        Just("\"Mars/Olympus\"".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("[]".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u32>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        "[ -~]{0,40}".prop_map(|s| format!("{s:?}")),
    ]
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0..SECTIONS.len(), any::<prop::sample::Index>(), value()).prop_map(|(s, k, v)| {
            let keys = SECTIONS[s].1;
            format!("{} = {v}", keys[k.index(keys.len())])
        }),
        2 => (0..SECTIONS.len()).prop_map(|s| format!("[{}]", SECTIONS[s].0)),
        1 => "[ -~]{0,30}",
        1 => Just("[[recrawl.hubs]]\nurl = \"/\"\ninterval_secs = 5".to_string()),
    ]
}

/// A text that starts from a loadable config and adds generated lines
/// under generated sections, so that most cases get past the parser.
fn text() -> impl Strategy<Value = String> {
    (prop::collection::vec(line(), 0..24), any::<bool>()).prop_map(|(lines, valid_start)| {
        let mut text = String::new();
        if valid_start {
            text.push_str("[site]\nname = \"p\"\nseeds = [\"http://127.0.0.1:8311/\"]\n");
        }
        for l in lines {
            text.push_str(&l);
            text.push('\n');
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn loading_never_panics_and_errors_say_where(text in text()) {
        let file = Path::new("prop.toml");
        match Config::from_toml(file, &text) {
            Ok(config) => {
                prop_assert!(!config.seeds.is_empty());
                prop_assert!(config.fetch.max_body_bytes <= newshound_core::config::MAX_BODY_BYTES);
                prop_assert!(config.politeness.requests_per_second >= newshound_core::config::MIN_RATE);
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.starts_with("prop.toml: "), "{}", message);
                match e {
                    ConfigError::Invalid { key, .. } => prop_assert!(!key.is_empty()),
                    ConfigError::Parse { message, .. } => prop_assert!(!message.is_empty()),
                    ConfigError::Read { .. } => prop_assert!(false, "nothing was read"),
                }
            }
        }
    }
}
