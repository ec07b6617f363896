//! Property tests: `extract` never panics and finishes in bounded time, on arbitrary bytes and on
//! HTML-ish token soup (tags, attributes, entities, nesting, scripts, JSON-LD, meta tags, dates)
//! with arbitrary content types and URLs.
//!
//! 256 cases per property by default (proptest's default; a few seconds in a debug build). A
//! longer run: `PROPTEST_CASES=100000 cargo test -p newshound-extract --release prop`.

use std::time::{Duration, Instant};

use newshound_extract::{ExtractError, ExtractOptions, RawSelectors, SiteSelectors, extract};
use proptest::prelude::*;
use url::Url;

/// Per case, generous for a debug build: the inputs are at most a few hundred KB.
const BOUND: Duration = Duration::from_secs(10);

const TAGS: &[&str] = &[
    "html",
    "head",
    "body",
    "div",
    "p",
    "span",
    "a",
    "b",
    "i",
    "font",
    "em",
    "strong",
    "table",
    "tr",
    "td",
    "th",
    "tbody",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "article",
    "main",
    "section",
    "nav",
    "aside",
    "footer",
    "header",
    "figure",
    "figcaption",
    "img",
    "br",
    "hr",
    "time",
    "meta",
    "link",
    "title",
    "base",
    "form",
    "button",
    "select",
    "option",
    "textarea",
    "iframe",
    "noscript",
    "template",
    "svg",
    "math",
    "mi",
    "pre",
    "blockquote",
    "address",
    "caption",
    "object",
    "marquee",
    "nobr",
    "plaintext",
    "xmp",
    "frameset",
    "custom-element",
    "DIV",
    "P",
];

const ATTRS: &[&str] = &[
    "class",
    "id",
    "href",
    "src",
    "content",
    "property",
    "name",
    "itemprop",
    "datetime",
    "lang",
    "charset",
    "http-equiv",
    "rel",
    "type",
    "style",
    "hidden",
    "role",
    "data-src",
    "data-x",
    "onclick",
    "xml:lang",
];

const VALUES: &[&str] = &[
    "",
    "article",
    "byline author",
    "related-stories",
    "display:none",
    "og:type",
    "og:title",
    "article:published_time",
    "2023-01-30T16:30:00+09:00",
    "2023-13-45T99:99:99",
    "9999-99-99",
    "Mon, 30 Jan 2023 16:30:00 GMT",
    "application/ld+json",
    "application/rss+xml",
    "canonical",
    "author",
    "utf-8",
    "euc-kr",
    "shift_jis",
    "x-unknown",
    "text/html; charset=windows-1252",
    "en-US",
    "ko",
    "xx-YY",
    "/news/2023/01/30/budget-plan-passes",
    "http://[::1",
    "javascript:alert(1)",
    "//other.example/x",
    "?id=12345",
    "#top",
    "S:1",
];

const ENTITIES: &[&str] = &[
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&nbsp;",
    "&#39;",
    "&#x1F600;",
    "&#0;",
    "&#99999999;",
    "&#xD800;",
    "&bogus;",
    "&",
    "&#",
    "&amp",
];

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(list).prop_map(str::to_string)
}

/// Free text: any characters, with some weight on markup-significant ones.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ a-zA-Z0-9.,'\"!?-]{0,40}",
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
        "[<>&/=\"' \t\n]{0,10}",
        pick(ENTITIES),
    ]
}

fn attribute() -> impl Strategy<Value = String> {
    (pick(ATTRS), prop_oneof![pick(VALUES), text()], 0..4u8).prop_map(|(name, value, quoting)| {
        match quoting {
            0 => format!(" {name}=\"{}\"", value.replace('"', "&quot;")),
            1 => format!(" {name}='{value}'"),
            2 => format!(" {name}={}", value.replace([' ', '>'], "")),
            _ => format!(" {name}"),
        }
    })
}

fn json_ld() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            pick(&["NewsArticle", "Article", "WebPage", "CollectionPage", "Person"]),
            text()
        ],
        text(),
        pick(VALUES),
        text(),
        0..4u8,
    )
        .prop_map(|(ty, headline, date, author, shape)| {
            let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
            let one = format!(
                r#"{{"@type":"{}","headline":"{}","datePublished":"{}","author":{{"@type":"Person","name":"{}"}},"articleBody":"{}"}}"#,
                esc(&ty),
                esc(&headline),
                esc(&date),
                esc(&author),
                esc(&headline).repeat(20)
            );
            match shape {
                0 => one,
                1 => format!(r#"{{"@context":"https://schema.org","@graph":[{one},{one}]}}"#),
                2 => format!("[{one}"),
                _ => headline,
            }
        })
}

/// One token of the soup.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (pick(TAGS), proptest::collection::vec(attribute(), 0..4), any::<bool>())
            .prop_map(|(t, a, close)| format!("<{t}{}{}>", a.concat(), if close { "/" } else { "" })),
        3 => pick(TAGS).prop_map(|t| format!("</{t}>")),
        4 => text(),
        1 => text().prop_map(|t| format!("<!--{t}-->")),
        1 => text().prop_map(|t| format!("<!--{t}")),
        1 => text().prop_map(|t| format!("<script>{t}</script>")),
        1 => json_ld().prop_map(|j| format!("<script type=\"application/ld+json\">{j}</script>")),
        1 => (pick(VALUES), pick(VALUES))
            .prop_map(|(p, c)| format!("<meta property=\"{p}\" content=\"{c}\">")),
        1 => pick(VALUES).prop_map(|c| format!("<meta charset=\"{c}\">")),
        1 => (pick(VALUES), text())
            .prop_map(|(d, t)| format!("<time datetime=\"{d}\">{t}</time>")),
        1 => (pick(TAGS), 1..400usize)
            .prop_map(|(t, n)| format!("<{t}>").repeat(n)),
        1 => Just("<p>The committee met on Tuesday to discuss the new budget proposal, which would raise spending on schools.</p>".to_string()),
        1 => proptest::collection::vec(any::<u8>(), 0..8)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

fn soup() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(token(), 0..200).prop_map(|t| t.concat().into_bytes())
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        pick(&[
            "text/html",
            "text/html; charset=utf-8",
            "text/html; charset=EUC-KR",
            "text/html;charset=\"shift_jis\"",
            "application/xhtml+xml",
            "application/octet-stream",
            "text/html; charset=utf-16",
            "text/html; charset=",
        ]),
        any::<String>(),
    ])
}

fn url() -> impl Strategy<Value = Url> {
    (
        pick(&[
            "https://example.com/",
            "http://127.0.0.1:8080/",
            "https://news.example.co.uk/",
            "https://xn--bcher-kva.example/",
            "http://[::1]/",
            "https://example.kr/",
        ]),
        "[a-zA-Z0-9/._~%?&=#-]{0,60}",
    )
        .prop_filter_map("parses", |(base, path)| {
            Url::parse(&format!("{base}{path}")).ok()
        })
}

fn options() -> impl Strategy<Value = ExtractOptions> {
    (any::<bool>(), 0..3usize).prop_map(|(selectors, links)| ExtractOptions {
        selectors: if selectors {
            SiteSelectors::parse(&RawSelectors {
                body: Some("div.story, article".into()),
                title: Some("h1".into()),
                published: Some("time".into()),
                authors: Some(".byline".into()),
                exclude: vec![".ad".into()],
            })
            .unwrap_or_default()
        } else {
            SiteSelectors::default()
        },
        max_links: [0, 3, 5000][links],
        ..ExtractOptions::default()
    })
}

/// Runs one extraction and checks what holds for any input.
fn check(
    bytes: &[u8],
    ct: Option<&str>,
    url: &Url,
    options: &ExtractOptions,
) -> Result<(), TestCaseError> {
    let start = Instant::now();
    let got = extract(bytes, ct, url, options);
    let took = start.elapsed();
    prop_assert!(took < BOUND, "took {took:?}");
    match got {
        Ok(x) => {
            prop_assert!(x.links.len() <= options.max_links);
            prop_assert_eq!(
                x.article.is_some(),
                x.kind == newshound_extract::PageKind::Article
            );
            if let Some(lang) = &x.language {
                prop_assert!(
                    lang.len() == 2 && lang.bytes().all(|b| b.is_ascii_lowercase()),
                    "language {lang:?}"
                );
            }
        }
        Err(ExtractError::NotText { reason }) => prop_assert!(!reason.is_empty()),
    }
    Ok(())
}

proptest! {
    #[test]
    fn prop_arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..8192),
        ct in content_type(),
        url in url(),
        options in options(),
    ) {
        check(&bytes, ct.as_deref(), &url, &options)?;
    }

    #[test]
    fn prop_token_soup_never_panics(
        bytes in soup(),
        ct in content_type(),
        url in url(),
        options in options(),
    ) {
        check(&bytes, ct.as_deref(), &url, &options)?;
    }
}
