//! `<meta>` sources: OpenGraph, `article:*`, `name=author|date|...`, Dublin Core, parsely,
//! sailthru and microdata `itemprop` values.

use crate::dom::Doc;

/// Values read from the page's `<meta>` elements.
#[derive(Default, Debug)]
pub(crate) struct MetaFields {
    /// `og:type`, lower-cased.
    pub og_type: Option<String>,
    /// OpenGraph / Twitter / parsely / DC title.
    pub title: Option<String>,
    /// `twitter:title`.
    pub twitter_title: Option<String>,
    /// Other declared titles (`parsely-title`, `dc.title`), each a vote of its own.
    pub other_titles: Vec<String>,
    /// `og:site_name`.
    pub site_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Raw author strings.
    pub authors: Vec<String>,
    /// Raw publication date.
    pub published: Option<String>,
    /// Raw modification date.
    pub modified: Option<String>,
    /// Section.
    pub section: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// `og:image`.
    pub image: Option<String>,
    /// `og:url`.
    pub url: Option<String>,
}

const TITLE: &[&str] = &[
    "og:title",
    "twitter:title",
    "parsely-title",
    "dc.title",
    "dcterms.title",
    "headline",
];
const AUTHOR: &[&str] = &[
    "author",
    "article:author",
    "parsely-author",
    "dc.creator",
    "dcterms.creator",
    "sailthru.author",
    "byl",
    "cxenseparse:author",
    "article:author_name",
    "citation_author",
    "twitter:creator:name",
];
const PUBLISHED: &[&str] = &[
    "article:published_time",
    "article:published:time",
    "og:article:published_time",
    "published_time",
    "article:published",
    "datepublished",
    "parsely-pub-date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "dcterms.created",
    "dcterms.issued",
    "sailthru.date",
    "article.published",
    "cxenseparse:recs:publishtime",
    "og:published_time",
    "release_date",
    "date.release",
    "citation_publication_date",
];
const MODIFIED: &[&str] = &[
    "article:modified_time",
    "article:modified:time",
    "og:updated_time",
    "og:article:modified_time",
    "datemodified",
    "dcterms.modified",
    "last-modified",
    "article.updated",
    "modified_time",
];

fn parsely_page(doc: &Doc<'_>) -> Option<serde_json::Value> {
    doc.meta(&["parsely-page"])
        .and_then(|s| serde_json::from_str(s).ok())
}

/// Labels of the "Written by" Twitter card field (Yoast and other CMS plugins).
const WRITTEN_BY: &[&str] = &[
    "written by",
    "verfasst von",
    "geschrieben von",
    "écrit par",
    "escrito por",
    "scritto da",
    "geschreven door",
];

/// The author a Twitter card names: `twitter:labelN` = "Written by" with `twitter:dataN`,
/// or `twitter:misc:Written by`.
fn written_by(doc: &Doc<'_>) -> Option<String> {
    let labelled = doc.metas.iter().find_map(|(k, v)| {
        let n = k.strip_prefix("twitter:label")?;
        WRITTEN_BY
            .contains(&v.trim().to_lowercase().as_str())
            .then(|| doc.meta(&[format!("twitter:data{n}").as_str()]))
            .flatten()
    });
    labelled
        .or_else(|| {
            WRITTEN_BY
                .iter()
                .find_map(|l| doc.meta(&[format!("twitter:misc:{l}").as_str()]))
        })
        .map(str::to_string)
}

/// Reads the meta elements.
pub(crate) fn read(doc: &Doc<'_>) -> MetaFields {
    let own = |v: Option<&str>| v.map(crate::text::collapse).filter(|s| !s.is_empty());
    let mut m = MetaFields {
        og_type: doc.meta(&["og:type"]).map(str::to_ascii_lowercase),
        title: own(doc.meta(TITLE)),
        twitter_title: own(doc.meta(&["twitter:title"])),
        other_titles: ["parsely-title", "dc.title"]
            .iter()
            .filter_map(|k| own(doc.meta(&[k])))
            .collect(),
        site_name: own(doc.meta(&["og:site_name", "og:site:name", "application-name"])),
        description: own(doc.meta(&["og:description", "description", "twitter:description"])),
        published: own(doc.meta(PUBLISHED)),
        modified: own(doc.meta(MODIFIED)),
        section: own(doc.meta(&["article:section", "parsely-section", "section", "category"])),
        image: own(doc.meta(&["og:image", "og:image:url", "twitter:image"])),
        url: own(doc.meta(&["og:url"])),
        ..Default::default()
    };
    for key in AUTHOR {
        let found: Vec<String> = doc
            .metas_all(key)
            .filter(|c| !c.is_empty() && !c.starts_with("http") && !c.starts_with('@'))
            .map(str::to_string)
            .collect();
        if !found.is_empty() {
            m.authors = found;
            break;
        }
    }
    if m.authors.is_empty() {
        m.authors.extend(written_by(doc));
    }
    let tags: Vec<&str> = doc.metas_all("article:tag").collect();
    m.tags = if tags.is_empty() {
        doc.meta(&["news_keywords", "keywords", "parsely-tags"])
            .map(|k| {
                k.split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        tags.iter().map(|t| t.to_string()).collect()
    };
    if let Some(p) = parsely_page(doc) {
        let get = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_string);
        m.title = m.title.or_else(|| get("title"));
        m.published = m.published.or_else(|| get("pub_date"));
        m.section = m.section.or_else(|| get("section"));
        if m.authors.is_empty() {
            m.authors.extend(get("author"));
        }
    }
    m
}
