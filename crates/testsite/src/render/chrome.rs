//! Site-wide page parts, built once per site: head assets, header with menus and ticker, sidebar, footer.

use std::fmt::Write as _;

use super::assets;
use super::{BASE, Esc, SITE_NAME, host_mark};
use crate::model::{Article, SECTIONS, Section};

/// The pre-built parts every HTML page shares ([`BASE`] marks where the base URL goes).
pub struct Chrome {
    /// Stylesheets, critical CSS and head scripts.
    pub head: String,
    /// Icon sprite, mobile menu, masthead, navigation, "most read" ticker, top ad.
    pub header: String,
    /// "Top 10 Stories", "Top 5 Entertainment News", most-read list, Darkroom, ads.
    pub sidebar: String,
    /// Footer menus, company information, trailing scripts.
    pub footer: String,
    /// The stylesheet, also served as `/static/css/main.css`.
    pub css: String,
}

/// Which articles the site-wide boxes show (indexes into the article list).
pub struct Picks {
    /// The "most read" ticker (20); its first ten also fill the numbered most-read list.
    pub most_read: Vec<usize>,
    /// "Top 10 Stories".
    pub top10: Vec<usize>,
    /// "Top 5 Entertainment News".
    pub entertainment: Vec<usize>,
    /// Darkroom photo box.
    pub darkroom: Vec<usize>,
}

/// Off-site social accounts (link targets only).
const SOCIAL: &[(&str, &str)] = &[
    ("facebook", "https://www.facebook.com/seoulcourier"),
    ("twitter", "https://twitter.com/seoulcourier"),
    ("youtube", "https://www.youtube.com/@seoulcourier"),
    ("instagram", "https://www.instagram.com/seoulcourier/"),
];

/// An article link as boxes write it (HTML-escaped; `base` is the base URL or [`BASE`]): mostly relative, some
/// absolute, some with tracking parameters. `elsewhere` is the base URL of the article's host when that is not
/// the page's host: such links are always absolute.
pub fn article_href(
    article: &Article,
    box_name: &str,
    position: usize,
    base: &str,
    elsewhere: Option<&str>,
) -> String {
    let path = article.path();
    let tracking = "utm_medium=web&amp;utm_campaign=box";
    match (position % 5, elsewhere) {
        (3, Some(home)) => format!("{home}{path}?utm_source={box_name}&amp;{tracking}"),
        (_, Some(home)) => format!("{home}{path}"),
        (1, None) => format!("{base}{path}"),
        (3, None) => format!("{path}?utm_source={box_name}&amp;{tracking}"),
        _ => path,
    }
}

/// How site-wide boxes, built once for every host, write links to articles.
#[derive(Clone, Copy)]
struct BoxLinks {
    /// Number of hosts the articles are spread over.
    hosts: usize,
}

impl BoxLinks {
    /// The article's host as a [`host_mark`], when the site spans several hosts.
    fn home(self, article: &Article) -> Option<String> {
        (self.hosts > 1).then(|| host_mark(article.host(self.hosts)))
    }

    /// A box link in the mixed style of [`article_href`].
    fn href(self, article: &Article, box_name: &str, position: usize) -> String {
        article_href(
            article,
            box_name,
            position,
            BASE,
            self.home(article).as_deref(),
        )
    }

    /// A plain link: the site-relative path on a single host.
    fn path(self, article: &Article) -> String {
        format!(
            "{}{}",
            self.home(article).unwrap_or_default(),
            article.path()
        )
    }
}

fn headline_html(article: &Article) -> String {
    match article.kicker {
        Some(kicker) => format!("<b class=\"kicker\">{kicker}</b>{}", Esc(&article.title)),
        None => Esc(&article.title).to_string(),
    }
}

/// `<li>` links to each sub-section of `section`.
pub fn sub_section_links(out: &mut String, section: &Section) {
    for (slug, name) in section.subs {
        let _ = write!(
            out,
            "<li><a href=\"/section/{}/{slug}\">{}</a></li>",
            section.slug,
            Esc(name)
        );
    }
}

fn menu(out: &mut String, class: &str, with_icons: bool) {
    let _ = writeln!(out, "<ul class=\"{class}\">");
    for section in SECTIONS {
        let icon = if with_icons {
            "<img src=\"/static/img/amn_bl.png\" alt=\"\" width=\"6\" height=\"10\">"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<li class=\"{class}-item\">{icon}<a href=\"/section/{}\">{}</a>",
            section.slug,
            Esc(section.name)
        );
        if !section.subs.is_empty() {
            let _ = write!(out, "<ul class=\"{class}-sub\">");
            sub_section_links(out, section);
            out.push_str("</ul>");
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

fn social(out: &mut String) {
    out.push_str("<ul class=\"social\">");
    for (name, url) in SOCIAL {
        let _ = write!(
            out,
            "<li><a href=\"{url}\" target=\"_blank\" rel=\"noopener\" title=\"{name}\"><img src=\"/static/img/bt_{name}_on_2022.svg\" alt=\"{name}\"></a></li>"
        );
    }
    out.push_str("</ul>\n");
}

fn ad(out: &mut String, slot: usize, class: &str) {
    let id = 1_700_000 + slot;
    let _ = writeln!(
        out,
        "<div class=\"ad {class}\"><span class=\"ad-label\">Advertisement</span><div id=\"div-gpt-ad-{id}\" data-slot=\"{slot}\">\
         <script>googletag.cmd.push(function(){{googletag.display('div-gpt-ad-{id}');}});</script></div></div>"
    );
}

fn header(articles: &[Article], picks: &Picks, seed: u64, links: BoxLinks) -> String {
    let mut out = String::with_capacity(40 * 1024);
    out.push_str(&assets::sprite(seed));
    out.push_str("<a class=\"skip\" href=\"#content\">Skip to content</a>\n<div id=\"all-menu\" class=\"amn\" aria-hidden=\"true\">\n");
    let _ = writeln!(
        out,
        "<div class=\"amn-top\"><a href=\"/\" class=\"amn-logo\">{SITE_NAME}</a><button type=\"button\" class=\"amn-close\" data-action=\"all-menu\">\
         <img src=\"/static/img/amn_close.png\" alt=\"close\"></button></div>"
    );
    menu(&mut out, "amn-list", true);
    social(&mut out);
    out.push_str("<ul class=\"amn-member\"><li><a href=\"/member/login\">Login</a></li><li><a href=\"/member/register\">Register</a></li></ul>\n</div>\n");
    let _ = write!(
        out,
        "<header id=\"header\" class=\"masthead\">\n<div class=\"masthead-wrap\"><span class=\"today\">Tue, December 31, 2024 | 18:00</span>\
         <ul class=\"member\"><li><a href=\"/member/login\">Login</a></li><li><a href=\"/member/subscribe\" class=\"member-link\">Subscribe</a></li></ul></div>\n\
         <div class=\"masthead-title\"><a href=\"{BASE}/\" class=\"logo\"><svg width=\"240\" height=\"40\"><use href=\"#i-logo\"/></svg><span>{SITE_NAME}</span></a>\
         <form class=\"search\" action=\"/search\" method=\"get\"><input type=\"search\" name=\"q\" placeholder=\"Search\"><button type=\"submit\">search</button></form>\
         <button type=\"button\" class=\"all-menu-btn\" data-action=\"all-menu\">all menu</button></div>\n<nav class=\"gnb\" aria-label=\"Sections\">\n"
    );
    menu(&mut out, "gnb-list", false);
    out.push_str("</nav>\n<div class=\"trending\"><span class=\"trending-title\">Trending</span>");
    for topic in [
        "North Korea",
        "Interest rates",
        "K-pop",
        "Housing",
        "Semiconductors",
        "Election",
    ] {
        let query = topic.to_ascii_lowercase().replace(' ', "+");
        let _ = write!(
            out,
            "<a href=\"/search?q={query}\" class=\"trending-link\">#{topic}</a>"
        );
    }
    out.push_str("</div>\n</header>\n<div class=\"ticker\" aria-label=\"Most read\"><ol class=\"ticker-list\">\n");
    for (rank, &i) in picks.most_read.iter().enumerate() {
        let a = &articles[i];
        let _ = writeln!(
            out,
            "<li class=\"ticker-item\"><span class=\"rank\">{}</span><a href=\"{}\">{}</a></li>",
            rank + 1,
            links.href(a, "ticker", rank),
            headline_html(a)
        );
    }
    out.push_str(
        "</ol><button type=\"button\" class=\"ticker-close\">Close for 24 hours</button></div>\n",
    );
    ad(&mut out, 0, "ad-leaderboard");
    out
}

fn sidebar(articles: &[Article], picks: &Picks, links: BoxLinks) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<aside class=\"sidebar\">\n");
    ad(&mut out, 1, "ad-side");
    out.push_str("<section class=\"box top10\"><h3 class=\"box-title\">Top 10 Stories</h3><ol class=\"top10-list\">\n");
    for (rank, &i) in picks.top10.iter().enumerate() {
        let a = &articles[i];
        let thumb = a
            .lead
            .as_ref()
            .map_or("/static/img/noimage.png", |p| p.src.as_str());
        let _ = writeln!(
            out,
            "<li class=\"top10-item\"><a href=\"{}\"><span class=\"num\">{}</span><img data-src=\"{thumb}\" alt=\"{}\" width=\"90\" height=\"60\"><span class=\"top10-title\">{}</span></a></li>",
            links.href(a, "top10", rank),
            rank + 1,
            Esc(&a.title),
            Esc(&a.title)
        );
    }
    out.push_str("</ol></section>\n<section class=\"box ent\"><h3 class=\"box-title\">Top 5 Entertainment News</h3><ol class=\"ent-list\">\n");
    for (rank, &i) in picks.entertainment.iter().enumerate() {
        let a = &articles[i];
        let _ = writeln!(
            out,
            "<li class=\"ent-item\"><span class=\"num\">{}</span><a href=\"{}\">{}</a></li>",
            rank + 1,
            links.href(a, "ent5", rank + 2),
            Esc(&a.title)
        );
    }
    out.push_str("</ol></section>\n<section class=\"box most-read\"><h3 class=\"box-title\">Most Read</h3><ol class=\"list\">\n");
    for (rank, &i) in picks.most_read.iter().take(10).enumerate() {
        let a = &articles[i];
        let _ = writeln!(
            out,
            "<li class=\"list-item\"><em>{}</em><a href=\"{}\">{}</a></li>",
            rank + 1,
            links.path(a),
            headline_html(a)
        );
    }
    out.push_str("</ol></section>\n");
    ad(&mut out, 2, "ad-side");
    out.push_str("<section class=\"box darkroom\"><h3 class=\"box-title\"><a href=\"/section/world\">DARKROOM</a></h3><ul class=\"darkroom-list\">\n");
    for &i in &picks.darkroom {
        let a = &articles[i];
        let src = a
            .lead
            .as_ref()
            .map_or("/static/img/noimage.png", |p| p.src.as_str());
        let _ = writeln!(
            out,
            "<li class=\"darkroom-item\"><a href=\"{}#photo\"><img data-src=\"{src}\" alt=\"\"><p>{}</p></a></li>",
            links.path(a),
            Esc(&a.title)
        );
    }
    out.push_str("</ul></section>\n</aside>\n");
    out
}

fn footer() -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<footer id=\"footer\" class=\"footer\">\n<nav class=\"footer-wrap\" aria-label=\"Site map\">\n");
    menu(&mut out, "footer-list", false);
    out.push_str("</nav>\n");
    social(&mut out);
    let corp = "https://corp.seoulcourier.example";
    out.push_str("<ul class=\"footer-links\">");
    for (name, href) in [
        ("About Us", format!("{corp}/about")),
        ("Introduction", format!("{corp}/introduction")),
        ("History", format!("{corp}/history")),
        ("Contact Us", format!("{corp}/contact")),
        ("Subscribe", "/member/subscribe".to_string()),
        (
            "E-paper",
            "https://epaper.seoulcourier.example/".to_string(),
        ),
        ("RSS Service", "/rss.xml".to_string()),
        ("Site Map", "/sitemap.xml".to_string()),
        ("Code of Ethics", format!("{corp}/ethics")),
        ("Privacy Statement", format!("{corp}/privacy")),
        ("Terms of Service", format!("{corp}/terms")),
        (
            "Partner: Hanbit Daily",
            "https://www.hanbitdaily.example/".to_string(),
        ),
    ] {
        let _ = write!(out, "<li><a href=\"{href}\">{name}</a></li>");
    }
    let _ = write!(
        out,
        "</ul>\n<div class=\"footer-meta\"><p>CEO &amp; Publisher : Yoon Seo-jin</p><p>Digital News Email : webmaster@seoulcourier.example</p>\
         <p>Tel : 02-724-2114</p><p>Online newspaper registration No : Seoul, A52844</p><p>Date of registration : 2020.02.05</p>\
         <p>Masthead : {SITE_NAME}</p><p>Copyright &copy; seoulcourier.example. All rights reserved.</p></div>\n</footer>\n"
    );
    out.push_str(assets::BODY_SCRIPTS);
    out
}

/// Builds the shared parts for a site's articles and picks.
pub fn build(articles: &[Article], picks: &Picks, seed: u64, hosts: usize) -> Chrome {
    let links = BoxLinks { hosts };
    let css = assets::stylesheet(seed);
    let mut head = String::with_capacity(48 * 1024);
    head.push_str(
        "<link rel=\"preconnect\" href=\"https://fonts.gstatic.com\" crossorigin>\n\
         <link rel=\"stylesheet\" href=\"/static/css/main.css?v=20241231\">\n\
         <link rel=\"stylesheet\" href=\"/static/css/print.css?v=20241231\" media=\"print\">\n\
         <link rel=\"icon\" href=\"/static/img/favicon.ico\">\n<style>",
    );
    head.push_str(&css);
    head.push_str("</style>\n");
    head.push_str(&assets::head_scripts());
    Chrome {
        head,
        header: header(articles, picks, seed, links),
        sidebar: sidebar(articles, picks, links),
        footer: footer(),
        css,
    }
}
