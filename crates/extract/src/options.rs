//! Extraction options and per-site CSS overrides.

pub use newshound_model::RawSelectors;
use scraper::Selector;

/// Default of [`ExtractOptions::max_links`]: a big home page links to a few hundred stories and
/// sections, a sitemap-like archive page to a few thousand; past that a page is a link farm or
/// an attack, and the frontier gains nothing from the rest. Each link kept costs about a
/// kilobyte through classification and the link queue.
pub const DEFAULT_MAX_LINKS: usize = 5_000;

/// Options for [`crate::extract`].
#[derive(Clone, Debug)]
pub struct ExtractOptions {
    /// Time zone for dates the page gives without an offset (the site's zone); UTC when unset.
    pub default_timezone: Option<chrono_tz::Tz>,
    /// Per-site CSS overrides (all optional; the generic path does not need them).
    pub selectors: SiteSelectors,
    /// Other hosts of the same site (a site spread over several domains): links to them, or to their
    /// subdomains, are the site's own links rather than off-site ones.
    pub site_hosts: Vec<String>,
    /// Distinct links kept per page, in document order; the rest are counted in
    /// [`crate::Extraction::links_dropped`] ([`DEFAULT_MAX_LINKS`] by default).
    pub max_links: usize,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        Self {
            default_timezone: None,
            selectors: SiteSelectors::default(),
            site_hosts: Vec::new(),
            max_links: DEFAULT_MAX_LINKS,
        }
    }
}

/// Parsed per-site CSS overrides.
#[derive(Clone, Debug, Default)]
pub struct SiteSelectors {
    /// Headline element.
    pub title: Option<Selector>,
    /// Body container(s).
    pub body: Option<Selector>,
    /// Author elements.
    pub authors: Option<Selector>,
    /// Publication date element.
    pub published: Option<Selector>,
    /// Elements removed from the body.
    pub exclude: Vec<Selector>,
}

/// A selector in the site config that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid CSS selector for {field}: {selector:?}: {message}")]
pub struct SelectorError {
    /// Which field (`title`, `body`, `authors`, `published`, `exclude`).
    pub field: &'static str,
    /// The selector text.
    pub selector: String,
    /// The parser's message.
    pub message: String,
}

fn parse_one(field: &'static str, raw: &str) -> Result<Selector, SelectorError> {
    Selector::parse(raw).map_err(|e| SelectorError {
        field,
        selector: raw.to_string(),
        message: describe(&e),
    })
}

/// The parser's complaint in words (scraper renders some of them as
/// "Unexpected error occurred. Please report this to the developer").
fn describe(e: &scraper::error::SelectorErrorKind) -> String {
    use scraper::error::SelectorErrorKind as Kind;
    let Kind::UnexpectedSelectorParseError(kind) = e else {
        return e.to_string();
    };
    // The kind's type lives in `selectors`, which scraper does not re-export.
    let name = format!("{kind:?}");
    let words = match name.as_str() {
        "UnsupportedPseudoClassOrElement" => {
            "unsupported pseudo-class or pseudo-element (only structural ones such as :first-child, :not(), :has() apply to a fetched page)"
        }
        "EmptySelector" => "empty selector (a `#`, `.` or `,` with no name after it?)",
        "DanglingCombinator" => "a combinator (`>`, `+`, `~`) with nothing after it",
        "ClassNeedsIdent" => "`.` must be followed by a class name",
        "NoIdentForPseudo" => "`:` must be followed by a pseudo-class name",
        "NonCompoundSelector" => "a compound selector is required here",
        "UnexpectedIdent" => "unexpected name",
        "ExpectedNamespace" | "ExplicitNamespaceUnexpectedToken" => "bad namespace prefix",
        "NoQualifiedNameInAttributeSelector"
        | "UnexpectedTokenInAttributeSelector"
        | "ExpectedBarInAttr"
        | "BadValueInAttr"
        | "InvalidQualNameInAttr" => "malformed attribute selector (`[name]`, `[name=value]`)",
        "PseudoElementExpectedColon" | "PseudoElementExpectedIdent" => "malformed pseudo-element",
        _ => return format!("not a valid CSS selector ({name})"),
    };
    words.to_string()
}

fn parse_opt(field: &'static str, raw: Option<&String>) -> Result<Option<Selector>, SelectorError> {
    raw.map(|r| parse_one(field, r)).transpose()
}

impl SiteSelectors {
    /// Parses the raw selectors of a site config.
    pub fn parse(raw: &RawSelectors) -> Result<Self, SelectorError> {
        Ok(Self {
            title: parse_opt("title", raw.title.as_ref())?,
            body: parse_opt("body", raw.body.as_ref())?,
            authors: parse_opt("authors", raw.authors.as_ref())?,
            published: parse_opt("published", raw.published.as_ref())?,
            exclude: raw
                .exclude
                .iter()
                .map(|r| parse_one("exclude", r))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether no override is set.
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.body.is_none()
            && self.authors.is_none()
            && self.published.is_none()
            && self.exclude.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let raw = RawSelectors {
            body: Some("div.story p".into()),
            exclude: vec![".ad".into()],
            ..Default::default()
        };
        let s = SiteSelectors::parse(&raw).expect("valid selectors");
        assert!(s.body.is_some() && s.exclude.len() == 1 && !s.is_empty());
        let bad = RawSelectors {
            title: Some("h1[".into()),
            ..Default::default()
        };
        let err = SiteSelectors::parse(&bad).expect_err("invalid selector");
        assert_eq!(err.field, "title");
    }

    #[test]
    fn a_rejected_selector_says_why_in_words() {
        for (selector, words) in [
            ("p:hover", "unsupported pseudo-class"),
            ("div >", "combinator"),
            ("#", "empty selector"),
            (":nth-child(x)", "Token was not expected"),
        ] {
            let raw = RawSelectors {
                body: Some(selector.into()),
                ..Default::default()
            };
            let err = SiteSelectors::parse(&raw).expect_err(selector);
            assert!(err.message.contains(words), "{selector}: {}", err.message);
            assert!(
                !err.message.contains("report this"),
                "{selector}: {}",
                err.message
            );
        }
    }
}
