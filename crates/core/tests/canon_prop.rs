//! Property tests of URL canonicalization: it never panics, it is idempotent, and an http(s)
//! URL stays an http(s) URL.
//!
//! 256 cases per property by default (proptest's default). A longer run:
//! `PROPTEST_CASES=100000 cargo test -p newshound-core --release --test canon_prop`.

use newshound_core::canon::{CanonRules, fingerprint, host_key};
use proptest::prelude::*;
use url::Url;

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(list).prop_map(str::to_string)
}

/// Path, query or fragment text: escapes (valid, broken, of unreserved and reserved bytes),
/// dot segments, tracking parameters and non-ASCII characters.
fn part() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9._~-]{1,8}",
            pick(&[
                "/",
                "//",
                ".",
                "..",
                "/./",
                "/../",
                "%2e",
                "%2E%2E",
                "%2F",
                "%41",
                "%7e",
                "%7E",
                "%25",
                "%2541",
                "%",
                "%4",
                "%zz",
                "%C3%A9",
                "%00",
                "%20",
                "+",
                "&",
                "=",
                "&&",
                "?",
                "#",
                ";",
                ":",
                "@",
                "!",
                "$",
                "'",
                "(",
                ")",
                "*",
                ",",
                "[",
                "]",
                "|",
                "\\",
                " ",
                "\t",
                "é",
                "한국",
                "\u{0}",
                "utm_source=x",
                "UTM_Medium=y",
                "fbclid=1",
                "a=1",
                "a=2",
                "b",
                "b=",
                "=c",
                "sid=7",
                "id=12345",
            ]),
            any::<char>().prop_map(String::from),
        ],
        0..24,
    )
    .prop_map(|p| p.concat())
}

fn url_text() -> impl Strategy<Value = String> {
    (
        pick(&[
            "http", "https", "HTTP", "HtTpS", "ftp", "file", "mailto", "data",
        ]),
        pick(&["://", ":", ":///", "://user:pw@"]),
        pick(&[
            "example.com",
            "EXAMPLE.com.",
            "127.0.0.1",
            "[::1]",
            "0x7f.1",
            "bücher.example",
            "xn--bcher-kva.example",
            "a..b",
            "",
            "%41.example",
            "example.com:80",
            "example.com:443",
            "example.com:8080",
            "example.com:99999",
        ]),
        part(),
        proptest::option::of(part()),
        proptest::option::of(part()),
    )
        .prop_map(|(scheme, sep, host, path, query, fragment)| {
            let mut s = format!("{scheme}{sep}{host}/{path}");
            if let Some(q) = query {
                s.push('?');
                s.push_str(&q);
            }
            if let Some(f) = fragment {
                s.push('#');
                s.push_str(&f);
            }
            s
        })
}

fn rules() -> impl Strategy<Value = CanonRules> {
    prop_oneof![
        Just(CanonRules::default()),
        Just(CanonRules::new(["a", "b*", "*", "ID"])),
        Just(CanonRules::new(std::iter::empty())),
    ]
}

proptest! {
    #[test]
    fn prop_canonicalize_never_panics_and_is_idempotent(text in url_text(), rules in rules()) {
        let Ok(url) = Url::parse(&text) else {
            return Ok(());
        };
        let web = matches!(url.scheme(), "http" | "https");
        match rules.canonicalize(&url) {
            Some(canon) => {
                prop_assert!(web, "{url} is not http(s) but has a canonical form");
                prop_assert!(matches!(canon.scheme(), "http" | "https"), "{url} -> {canon}");
                prop_assert_eq!(canon.fragment(), None);
                let again = rules.canonicalize(&canon);
                prop_assert_eq!(again.as_ref(), Some(&canon), "not idempotent for {}", url);
                // Fingerprints and host keys of canonical URLs are total.
                let _ = (fingerprint(&canon), host_key(&canon));
            }
            None => prop_assert!(!web || url.host().is_none(), "{url} has no canonical form"),
        }
    }
}

/// Found by the property above: a stray `%` before an escape of a hex digit.
#[test]
fn stray_percent_before_a_hex_digit_escape_is_a_fixed_point() -> Result<(), url::ParseError> {
    let rules = CanonRules::default();
    for text in [
        "http://example.com/%4%41",
        "http://example.com/%%341",
        "http://example.com/x?a=%4%41",
    ] {
        let canon = rules.canonicalize(&Url::parse(text)?);
        let again = canon.as_ref().and_then(|c| rules.canonicalize(c));
        assert_eq!(again, canon, "{text}");
        assert!(canon.is_some(), "{text}");
    }
    Ok(())
}
