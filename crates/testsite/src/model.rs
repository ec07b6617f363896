//! The site's data: sections and articles, as generated once and rendered on request.

use chrono::{NaiveDate, NaiveDateTime};

/// A top-level section of the site, with its sub-sections.
pub struct Section {
    /// URL path segment (`/section/{slug}`).
    pub slug: &'static str,
    /// Display name, as in menus and the article's section label (and the truth's `section`).
    pub name: &'static str,
    /// Sub-sections as (slug, display name).
    pub subs: &'static [(&'static str, &'static str)],
}

/// The sections, in menu order.
pub const SECTIONS: &[Section] = &[
    Section {
        slug: "national",
        name: "National",
        subs: &[
            ("foreign-affairs", "Foreign Affairs"),
            ("multicultural", "Multicultural Community"),
            ("defense", "Defense"),
            ("environment", "Environment & Animals"),
            ("law-crime", "Law & Crime"),
            ("society", "Society"),
            ("health-science", "Health & Science"),
        ],
    },
    Section {
        slug: "politics",
        name: "Politics",
        subs: &[
            ("assembly", "Assembly"),
            ("presidential-office", "Presidential Office"),
            ("elections", "Elections"),
        ],
    },
    Section {
        slug: "north-korea",
        name: "North Korea",
        subs: &[
            ("inter-korean", "Inter-Korean Affairs"),
            ("nuclear", "Nuclear Issue"),
        ],
    },
    Section {
        slug: "business",
        name: "Business",
        subs: &[("tech", "Tech"), ("bio", "Bio"), ("companies", "Companies")],
    },
    Section {
        slug: "finance",
        name: "Finance",
        subs: &[
            ("economy", "Economy"),
            ("markets", "Markets"),
            ("cryptocurrency", "Cryptocurrency"),
        ],
    },
    Section {
        slug: "opinion",
        name: "Opinion",
        subs: &[
            ("editorial", "Editorial"),
            ("columns", "Columns"),
            ("thoughts", "Thoughts of the Times"),
            ("today-in-history", "Today in History"),
            ("letters", "Letter to the Editor"),
        ],
    },
    Section {
        slug: "lifestyle",
        name: "Lifestyle",
        subs: &[
            ("travel-food", "Travel & Food"),
            ("trends", "Trends"),
            ("people-events", "People & Events"),
            ("books", "Books"),
            ("around-town", "Around Town"),
        ],
    },
    Section {
        slug: "entertainment",
        name: "Entertainment & Arts",
        subs: &[
            ("k-pop", "K-pop"),
            ("films", "Films"),
            ("shows-dramas", "Shows & Dramas"),
            ("music", "Music"),
            ("theater", "Theater & Others"),
        ],
    },
    Section {
        slug: "sports",
        name: "Sports",
        subs: &[
            ("baseball", "Baseball"),
            ("football", "Football"),
            ("golf", "Golf"),
        ],
    },
    Section {
        slug: "world",
        name: "World",
        subs: &[
            ("asia", "Asia"),
            ("americas", "Americas"),
            ("europe", "Europe"),
        ],
    },
];

/// Index of the North Korea section, where the seed article lives.
pub const NORTH_KOREA: usize = 2;

/// Index of the entertainment section (for the "Top 5 Entertainment News" box).
pub const ENTERTAINMENT: usize = 7;

/// A photo: image path (site-relative) and caption.
#[derive(Clone, Debug, PartialEq)]
pub struct Photo {
    /// Site-relative image path.
    pub src: String,
    /// Caption, ending with the credit.
    pub caption: String,
}

/// One block of an article body.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A text paragraph.
    Para(String),
    /// A photo with caption inside the body (not body text).
    Figure(Photo),
    /// A pulled quote (body text).
    Quote(String),
    /// A bulleted list (each item is body text).
    List(Vec<String>),
}

/// One generated article.
#[derive(Clone, Debug, PartialEq)]
pub struct Article {
    /// Numeric id, as in the URL; grows with the publication time.
    pub id: u32,
    /// Index into [`SECTIONS`].
    pub section: usize,
    /// Index into the section's `subs`.
    pub sub: Option<usize>,
    /// Headline.
    pub title: String,
    /// Kicker shown before the headline in listings ("INTERVIEW").
    pub kicker: Option<&'static str>,
    /// Sub-headline.
    pub subtitle: Option<String>,
    /// Byline names.
    pub authors: Vec<String>,
    /// Reporter e-mail shown under the body (first author's).
    pub email: String,
    /// Publication time, Korea local time.
    pub published: NaiveDateTime,
    /// Last update, Korea local time.
    pub updated: Option<NaiveDateTime>,
    /// The date in the URL: the publication date, or for an article published while the site is served, the
    /// day the site was generated (so its URL is known before it is published).
    pub filed: NaiveDate,
    /// Version of the article: 1 as first published, one more per update made while the site is served.
    pub revision: u32,
    /// The real instant (Unix milliseconds) the article was published, for one published while served.
    pub published_ms: Option<i64>,
    /// The real instant (Unix milliseconds) of its last update while served.
    pub updated_ms: Option<i64>,
    /// URL slug words.
    pub slug: String,
    /// Photo shown above the byline.
    pub lead: Option<Photo>,
    /// Body blocks.
    pub blocks: Vec<Block>,
    /// Indexes of the related stories.
    pub related: Vec<usize>,
    /// Whether the JSON-LD block names the authors.
    pub jsonld_author: bool,
    /// Whether the JSON-LD block carries `dateModified`.
    pub jsonld_modified: bool,
    /// Number of reader comments shown.
    pub comments: u32,
}

impl Article {
    /// Site-relative URL path of the article page.
    pub fn path(&self) -> String {
        format!(
            "/{}/{}/{}-{}",
            SECTIONS[self.section].slug,
            self.filed.format("%Y/%m/%d"),
            self.slug,
            self.id
        )
    }

    /// Which of `hosts` hosts serves the article (0 on a single-host site).
    pub fn host(&self, hosts: usize) -> usize {
        usize::try_from(self.id).unwrap_or(0) % hosts.max(1)
    }

    /// Body text paragraphs: paragraphs, quotes and list items, in page order (captions excluded).
    pub fn body_paragraphs(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().flat_map(|block| {
            let items: Vec<&str> = match block {
                Block::Para(text) | Block::Quote(text) => vec![text.as_str()],
                Block::List(items) => items.iter().map(String::as_str).collect(),
                Block::Figure(_) => Vec::new(),
            };
            items
        })
    }

    /// A one-sentence summary for listings and feeds.
    pub fn summary(&self) -> &str {
        let first = self.body_paragraphs().next().unwrap_or("");
        match first.find(". ") {
            Some(end) => &first[..=end],
            None => first,
        }
    }
}
