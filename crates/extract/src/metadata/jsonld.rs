//! JSON-LD: NewsArticle and its relatives, inside `@graph`, arrays and `mainEntity`.

use serde_json::Value;

/// Schema.org types treated as articles.
const ARTICLE_TYPES: &[&str] = &[
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "blogposting",
    "liveblogposting",
    "report",
    "scholarlyarticle",
    "techarticle",
    "socialmediaposting",
    "posting",
    "advertisercontentarticle",
    "satiricalarticle",
    "askpublicnewsarticle",
];

/// Types that describe list pages.
const HUB_TYPES: &[&str] = &[
    "collectionpage",
    "itemlist",
    "searchresultspage",
    "profilepage",
    "website",
];

/// What the page's JSON-LD says about its article.
#[derive(Default, Debug)]
pub(crate) struct LdArticle {
    /// An article-typed object was found.
    pub is_article: bool,
    /// A list-page type was found (and no article type).
    pub is_hub: bool,
    /// `headline` or `name`.
    pub headline: Option<String>,
    /// `alternativeHeadline` or `description`.
    pub description: Option<String>,
    /// Author names.
    pub authors: Vec<String>,
    /// `datePublished` (or `dateCreated`).
    pub published: Option<String>,
    /// `dateModified`.
    pub modified: Option<String>,
    /// `articleSection`.
    pub section: Option<String>,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// `articleBody`.
    pub body: Option<String>,
    /// First image URL.
    pub image: Option<String>,
    /// `inLanguage`.
    pub language: Option<String>,
}

fn types(v: &Value) -> Vec<String> {
    match v.get("@type") {
        Some(Value::String(s)) => vec![s.to_ascii_lowercase()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect(),
        _ => Vec::new(),
    }
}

fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Array(a) => a.iter().find_map(|x| string(Some(x))),
        Value::Object(o) => string(o.get("@value").or(o.get("name")).or(o.get("url"))),
        _ => None,
    }
}

fn names(v: Option<&Value>, out: &mut Vec<String>) {
    match v {
        Some(Value::String(s)) => out.push(s.clone()),
        Some(Value::Array(a)) => a.iter().for_each(|x| names(Some(x), out)),
        Some(Value::Object(o)) => {
            if let Some(n) = string(o.get("name")) {
                out.push(n);
            } else if let (Some(g), Some(f)) =
                (string(o.get("givenName")), string(o.get("familyName")))
            {
                out.push(format!("{g} {f}"));
            }
        }
        _ => {}
    }
}

fn collect<'v>(v: &'v Value, depth: usize, out: &mut Vec<&'v Value>) {
    if depth > 6 {
        return;
    }
    match v {
        Value::Array(a) => a.iter().for_each(|x| collect(x, depth + 1, out)),
        Value::Object(o) => {
            out.push(v);
            for key in [
                "@graph",
                "mainEntity",
                "mainEntityOfPage",
                "itemListElement",
                "hasPart",
            ] {
                if let Some(x) = o.get(key) {
                    collect(x, depth + 1, out);
                }
            }
        }
        _ => {}
    }
}

fn parse_lenient(text: &str) -> Option<Value> {
    let text = text
        .trim()
        .trim_start_matches("<!--")
        .trim_end_matches("-->")
        .trim();
    // A CDATA wrapper, commented out for scripts: "//<![CDATA[ {...} //]]>", "/*<![CDATA[*/".
    let text = match text.split_once("<![CDATA[") {
        Some((_, inner)) => inner
            .rsplit_once("]]>")
            .map_or(inner, |(a, _)| a)
            .trim_start_matches("*/")
            .trim_end()
            .trim_end_matches(['/', '*'])
            .trim(),
        None => text,
    };
    serde_json::from_str(text).ok().or_else(|| {
        let cleaned: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        serde_json::from_str(&cleaned).ok()
    })
}

/// Reads every JSON-LD script and merges the article objects (first non-empty value wins).
pub(crate) fn read(scripts: &[String]) -> LdArticle {
    let mut ld = LdArticle::default();
    let values: Vec<Value> = scripts.iter().filter_map(|s| parse_lenient(s)).collect();
    let mut objects = Vec::new();
    for v in &values {
        collect(v, 0, &mut objects);
    }
    let mut saw_hub = false;
    for obj in objects {
        let ty = types(obj);
        if ty.iter().any(|t| HUB_TYPES.contains(&t.as_str())) && ty.iter().all(|t| t != "website") {
            saw_hub = true;
        }
        if !ty.iter().any(|t| ARTICLE_TYPES.contains(&t.as_str())) {
            continue;
        }
        // A teaser inside an ItemList is no article of this page.
        if obj.get("position").is_some() {
            continue;
        }
        ld.is_article = true;
        let fill = |slot: &mut Option<String>, keys: &[&str]| {
            if slot.is_none() {
                *slot = keys.iter().find_map(|k| string(obj.get(*k)));
            }
        };
        fill(&mut ld.headline, &["headline", "name"]);
        fill(&mut ld.description, &["alternativeHeadline", "description"]);
        fill(
            &mut ld.published,
            &["datePublished", "dateCreated", "uploadDate"],
        );
        fill(&mut ld.modified, &["dateModified"]);
        fill(&mut ld.section, &["articleSection"]);
        fill(&mut ld.body, &["articleBody"]);
        fill(&mut ld.image, &["image", "thumbnailUrl"]);
        fill(&mut ld.language, &["inLanguage"]);
        if ld.authors.is_empty() {
            names(obj.get("author").or(obj.get("creator")), &mut ld.authors);
        }
        if ld.keywords.is_empty() {
            match obj.get("keywords") {
                Some(Value::String(s)) => {
                    ld.keywords = s
                        .split(',')
                        .map(|k| k.trim().to_string())
                        .filter(|k| !k.is_empty())
                        .collect()
                }
                Some(Value::Array(a)) => {
                    ld.keywords = a.iter().filter_map(|k| string(Some(k))).collect()
                }
                _ => {}
            }
        }
    }
    ld.is_hub = saw_hub && !ld.is_article;
    ld
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_and_arrays() {
        let s = r#"{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"X"},
            {"@type":["NewsArticle"],"headline":"Big news","author":[{"@type":"Person","name":"Ann Lee"},{"name":"Bo Kim"}],
             "datePublished":"2023-01-30T16:30:00+09:00","keywords":"a, b"}]}"#;
        let ld = read(&[s.to_string()]);
        assert!(ld.is_article);
        assert_eq!(ld.headline.as_deref(), Some("Big news"));
        assert_eq!(ld.authors, ["Ann Lee", "Bo Kim"]);
        assert_eq!(ld.keywords, ["a", "b"]);
    }

    #[test]
    fn top_level_array_and_control_chars() {
        let s = "[{\"@type\":\"ReportageNewsArticle\",\"headline\":\"Line\nbreak\",\"author\":\"Jo Park\"}]";
        let ld = read(&[s.to_string()]);
        assert_eq!(ld.authors, ["Jo Park"]);
        assert!(ld.headline.is_some());
        let hub = read(&[r#"{"@type":"CollectionPage","name":"Politics"}"#.to_string()]);
        assert!(hub.is_hub && !hub.is_article);
    }

    #[test]
    fn cdata_wrapped_script() {
        let s = "//<![CDATA[\n{\"@graph\":[{\"@type\":\"NewsArticle\",\"datePublished\":\"2024-08-22T12:00:00+02:00\"}]}\n//]]>";
        let ld = read(&[s.to_string()]);
        assert_eq!(ld.published.as_deref(), Some("2024-08-22T12:00:00+02:00"));
    }
}
