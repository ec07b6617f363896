//! Class/id/role signals: boilerplate containers, captions, bylines and related-story boxes.

use foldhash::HashMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

/// What an element's own attributes say about it.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Signals {
    /// Navigation, sharing, ads, comments, footers and the like.
    pub boiler: bool,
    /// A box of related / recommended / most-read stories.
    pub related: bool,
    /// A photo caption or credit.
    pub caption: bool,
    /// A byline or author box.
    pub byline: bool,
    /// Named after a paywall: a prompt when short, the article's wrapper when long.
    pub paywall: bool,
    /// A reader comment, a comment list or the comment form.
    pub comment: bool,
}

/// Whole tokens of a class or id that mark boilerplate.
const BOILER_TOKENS: &[&str] = &[
    "ad",
    "ads",
    "advert",
    "adv",
    "advertisement",
    "banner",
    "breadcrumb",
    "breadcrumbs",
    "comment",
    "comments",
    "cookie",
    "footer",
    "menu",
    "nav",
    "navbar",
    "navigation",
    "newsletter",
    "promo",
    "share",
    "sharing",
    "sidebar",
    "social",
    "sponsor",
    "sponsored",
    "subscribe",
    "subscription",
    "toolbar",
    "widget",
    "signup",
    "masthead",
    "outbrain",
    "taboola",
    "disqus",
    "modal",
    "popup",
    "print",
    "skip",
    "sr",
    "visually",
    "copyright",
    "tags",
    "tag",
    "topics",
    "keywords",
    "rating",
    "login",
    "pagination",
    "pager",
    "slideshow",
    "carousel",
    "player",
    "infobox",
    "toc",
    "dfp",
    "gpt",
    "googleads",
    "adsense",
    "banners",
    "feedback",
    "survey",
    "cta",
    "alert",
    "flyout",
    "ratings",
    "disclaimer",
    "disclosure",
];

/// Substrings of a class or id that mark boilerplate (long enough to be unambiguous).
const BOILER_SUBSTR: &[&str] = &[
    "advert",
    "comment",
    "newsletter",
    "sharebar",
    "share-",
    "social",
    "sidebar",
    "footer",
    "breadcrumb",
    "cookie",
    "subscribe",
    "sponsor",
    "outbrain",
    "taboola",
    "-ad-",
    "adslot",
    "ad-slot",
    "adunit",
    "ad-unit",
    "ad-container",
    "ad-wrapper",
    "related",
    "recommend",
    "popular",
    "mostread",
    "most-read",
    "trending",
    "readmore",
    "read-more",
    "more-stories",
    "author-bio",
    "authorbio",
    "navigation",
    "copyright",
    "licence",
    "license",
    "promo",
    "banner",
    "nav-",
    "-nav",
    "signup",
    "sign-up",
    "login",
    "headerbar",
    "topbar",
    "social-",
    "sns",
    "recirc",
    "livefeed",
    "embed",
    "donat",
    "author-box",
    "about-author",
    "consent",
    "instagram-media",
    "tiktok",
    "code-block",
    "keypoints",
    "key-points",
    "disclaimer",
    "disclosure",
];

/// Substrings that mark a related-stories box.
const RELATED_SUBSTR: &[&str] = &[
    "related",
    "recommend",
    "popular",
    "mostread",
    "most-read",
    "most_read",
    "trending",
    "more-stories",
    "morestories",
    "more-from",
    "top-stories",
    "topstories",
    "readmore",
    "read-more",
    "also-read",
    "further-reading",
    "recirc",
    "more-news",
    "morenews",
    "hot-news",
    "ranking",
    "rank",
    "similar",
    "teaser",
    "next-post",
    "nextstory",
    "listposts",
    "list-posts",
    "post-list",
    "posts-list",
];

const CAPTION_SUBSTR: &[&str] = &["caption", "credit", "photo-desc", "img-desc", "image-desc"];

const BYLINE_SUBSTR: &[&str] = &[
    "byline",
    "author",
    "writer",
    "reporter",
    "journalist",
    "contributor",
    "byl",
];

/// Tokens that look like boilerplate but name article containers.
const SAFE_SUBSTR: &[&str] = &[
    "article-body",
    "articlebody",
    "article_body",
    "post-body",
    "entry-content",
    "story-body",
    "main-content",
    "article-content",
    "post-content",
    "body-text",
    "content-body",
    "teaser-text",
    "commentary",
    "non-paywall",
    "no-paywall",
    "elementor-widget-container",
    "elementor-widget-wrap",
    "widget-text-editor",
    "widget-theme-post-content",
];

#[derive(Clone, Copy)]
enum Cat {
    Boiler,
    Related,
    Caption,
    Byline,
    Safe,
    Paywall,
}

/// One automaton over every substring list, case-insensitive.
static SUBSTR: LazyLock<(AhoCorasick, Vec<Cat>)> = LazyLock::new(|| {
    let lists: [(&[&str], Cat); 6] = [
        (BOILER_SUBSTR, Cat::Boiler),
        (RELATED_SUBSTR, Cat::Related),
        (CAPTION_SUBSTR, Cat::Caption),
        (BYLINE_SUBSTR, Cat::Byline),
        (SAFE_SUBSTR, Cat::Safe),
        (&["paywall"], Cat::Paywall),
    ];
    let mut pats = Vec::new();
    let mut cats = Vec::new();
    for (list, cat) in lists {
        for p in list {
            pats.push(*p);
            cats.push(cat);
        }
    }
    let ac = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&pats)
        .unwrap_or_else(|_| unreachable!("static patterns"));
    (ac, cats)
});

/// What one class or id value says, by substring and by whole token; nothing when a
/// substring names an article container.
fn attribute_signals(attr: &str) -> Signals {
    let (ac, cats) = &*SUBSTR;
    let mut found = Signals::default();
    // Elements with many classes (CMS post wrappers: "post type-post tag-x category-y")
    // are judged by whole class names only.
    let many = attr.split_whitespace().nth(4).is_some();
    if !many {
        for m in ac.find_overlapping_iter(attr) {
            match cats[m.pattern().as_usize()] {
                Cat::Boiler => found.boiler = true,
                Cat::Related => found.related = true,
                Cat::Caption => found.caption = true,
                Cat::Byline => found.byline = true,
                Cat::Safe => return Signals::default(),
                Cat::Paywall => found.paywall = true,
            }
        }
    }
    found.comment = names_comments(attr);
    let is_token =
        |t: &str| t.len() <= 14 && BOILER_TOKENS.iter().any(|b| b.eq_ignore_ascii_case(t));
    found.boiler = found.boiler
        || if many {
            attr.split_whitespace().any(is_token)
        } else {
            attr.split(|c: char| c.is_whitespace() || c == '-' || c == '_')
                .any(is_token)
        };
    found
}

/// Whether a class or id value names reader comments ("comment-author", "commentlist",
/// "respond"), not commentary.
fn names_comments(attr: &str) -> bool {
    attr.split_ascii_whitespace().any(|t| {
        let t = t.to_ascii_lowercase();
        (t.contains("comment") && !t.contains("commentary")) || t == "respond"
    })
}

/// Classifies elements from their class, id and role attributes, remembering each class and
/// id value of the page (a page repeats a few hundred of them over thousands of elements).
#[derive(Default)]
pub(crate) struct Classifier<'a> {
    seen: HashMap<&'a str, Signals>,
}

impl<'a> Classifier<'a> {
    /// Classifies one element.
    pub(crate) fn signals(
        &mut self,
        class: Option<&'a str>,
        id: Option<&'a str>,
        role: Option<&str>,
    ) -> Signals {
        let mut s = Signals::default();
        if let Some(r) = role {
            s.boiler = [
                "navigation",
                "banner",
                "contentinfo",
                "complementary",
                "menu",
                "button",
                "toolbar",
                "dialog",
            ]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(r));
        }
        for attr in [class, id].into_iter().flatten() {
            if attr.is_empty() {
                continue;
            }
            let found = *self
                .seen
                .entry(attr)
                .or_insert_with(|| attribute_signals(attr));
            s.boiler |= found.boiler;
            s.related |= found.related;
            s.caption |= found.caption;
            s.byline |= found.byline;
            s.paywall |= found.paywall;
            s.comment |= found.comment;
        }
        s
    }
}

/// Heading phrases (lower-cased) that introduce a related-stories box, in several languages.
const RELATED_PHRASES: &[&str] = &[
    "related",
    "top stories",
    "more by",
    "more from",
    "most read",
    "most popular",
    "recommended",
    "read more",
    "read also",
    "also read",
    "you may also",
    "you might also",
    "more stories",
    "more news",
    "trending",
    "latest news",
    "more on this",
    "see also",
    "editor's pick",
    "mehr zum thema",
    "lesen sie auch",
    "meistgelesen",
    "das könnte sie",
    "weitere artikel",
    "empfehlungen",
    "à lire aussi",
    "lire aussi",
    "les plus lus",
    "sur le même sujet",
    "leggi anche",
    "più letti",
    "lee también",
    "más leídas",
    "relacionad",
    "leia também",
    "mais lidas",
    "关联",
    "相关",
    "推荐",
    "関連",
    "おすすめ",
    "관련",
    "많이 본",
    "인기",
    "추천",
    "기자의 다른",
    "다른 기사",
    "주요뉴스",
    "주요 뉴스",
    "최신뉴스",
    "читайте также",
    "популяр",
];

/// Whether a heading's text introduces a related-stories box.
pub(crate) fn is_related_heading(text: &str) -> bool {
    if text.chars().count() > 60 {
        return false;
    }
    static PHRASES: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::new(RELATED_PHRASES).unwrap_or_else(|_| unreachable!("static patterns"))
    });
    PHRASES.is_match(&text.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(class: Option<&str>, id: Option<&str>, role: Option<&str>) -> Signals {
        Classifier::default().signals(class, id, role)
    }

    #[test]
    fn boilerplate_classes() {
        assert!(signals(Some("social-share"), None, None).boiler);
        assert!(signals(Some("ad"), None, None).boiler);
        assert!(!signals(Some("header-title"), None, None).boiler);
        assert!(!signals(Some("article-body has-comments"), None, None).boiler);
        assert!(signals(None, Some("related-articles"), None).related);
        assert!(signals(Some("listing tab-pane fade"), Some("similars"), None).related);
        assert!(signals(Some("teaser"), None, None).related);
        assert!(!signals(Some("teaser-text"), None, None).related);
        assert!(signals(Some("c-letters-cta"), None, None).boiler);
        assert!(signals(Some("editorial-disclosure"), None, None).boiler);
        assert!(signals(Some("code-block code-block-3"), None, None).boiler);
        assert!(signals(Some("nextstory"), None, None).related);
        assert!(signals(Some("RenderKeyPoints-keyPoints"), None, None).boiler);
        assert!(!signals(Some("elementor-widget-container"), None, None).boiler);
        assert!(!signals(Some("elementor-widget-wrap"), None, None).boiler);
        assert!(!signals(Some("full news subjective commentary article"), None, None).boiler);
        let pw = signals(Some("paywall-content"), None, None);
        assert!(pw.paywall && !pw.boiler);
        assert!(!signals(Some("row non-paywall"), None, None).paywall);
    }

    #[test]
    fn related_headings() {
        assert!(is_related_heading("Related stories"));
        assert!(is_related_heading("관련기사"));
        assert!(!is_related_heading("The war in Ukraine"));
    }
}
