//! Hub pages: home, section and sub-section listings with pagination, and the small utility pages.

use std::fmt::Write as _;

use super::chrome::{article_href, sub_section_links};
use super::{Esc, Head, Origin, SITE_NAME, close_page, open_page, sidebar};
use crate::model::{Article, SECTIONS};
use crate::site::Snapshot;

/// Articles per listing page.
pub const PER_PAGE: usize = 20;

/// Number of pages a listing of `len` articles takes (at least one).
pub fn page_count(len: usize) -> usize {
    len.div_ceil(PER_PAGE).max(1)
}

fn card(out: &mut String, a: &Article, href: &str, class: &str) {
    let _ = write!(out, "<div class=\"card {class}\">");
    if let Some(photo) = &a.lead {
        let _ = write!(
            out,
            "<a href=\"{href}\" class=\"card-img\"><img data-src=\"{}\" alt=\"{}\" width=\"300\" height=\"200\"></a>",
            photo.src,
            Esc(&a.title)
        );
    }
    let kicker = a
        .kicker
        .map(|k| format!("<b class=\"kicker\">{k}</b>"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<div class=\"card-meta\"><a href=\"/section/{}\">{}</a> <time datetime=\"{}\">{}</time></div>\
         <h3 class=\"card-title\"><a href=\"{href}\">{kicker}{}</a></h3><p class=\"list-meta\">{}</p></div>",
        SECTIONS[a.section].slug,
        Esc(SECTIONS[a.section].name),
        a.published.format("%Y-%m-%dT%H:%M"),
        a.published.format("%Y-%m-%d %H:%M"),
        Esc(&a.title),
        Esc(a.summary())
    );
}

fn page_html(site: &Snapshot, origin: &Origin<'_>, head: &Head<'_>, main: &str) -> String {
    let mut out = String::with_capacity(main.len() + 80 * 1024);
    open_page(&mut out, site, origin, head);
    out.push_str("<main id=\"content\" class=\"list-wrap\">\n");
    out.push_str(main);
    sidebar(&mut out, site, origin);
    out.push_str("</main>\n");
    close_page(&mut out, site, origin);
    out
}

/// The home page: top stories, then the latest of each section, then the latest overall.
pub fn home(site: &Snapshot, origin: &Origin<'_>) -> String {
    let href =
        |a, box_name, n| article_href(a, box_name, n, origin.base(), origin.elsewhere(site, a));
    let mut main = String::with_capacity(32 * 1024);
    main.push_str("<section class=\"top-stories\"><h2 class=\"list-title\">Top Stories</h2>\n");
    for (n, &i) in site.latest.iter().take(5).enumerate() {
        let a = &site.articles[i];
        card(
            &mut main,
            a,
            &href(a, "home", n),
            if n == 0 { "card-lead" } else { "card-sub" },
        );
    }
    main.push_str("</section>\n");
    for (s, section) in SECTIONS.iter().enumerate() {
        let _ = writeln!(
            main,
            "<section class=\"list section-{slug}\"><h2 class=\"list-title\"><a href=\"/section/{slug}\">{name}</a></h2><ul>",
            slug = section.slug,
            name = Esc(section.name)
        );
        for (n, &i) in site.by_section[s].iter().take(6).enumerate() {
            let a = &site.articles[i];
            let _ = writeln!(
                main,
                "<li class=\"list-item\"><a href=\"{}\">{}</a></li>",
                href(a, section.slug, n),
                Esc(&a.title)
            );
        }
        let _ = writeln!(
            main,
            "</ul><a class=\"list-link\" href=\"/section/{}\">More {}</a></section>",
            section.slug,
            Esc(section.name)
        );
    }
    main.push_str("<section class=\"latest\"><h2 class=\"list-title\">Latest News</h2>\n");
    for &i in site.latest.iter().skip(5).take(15) {
        let a = &site.articles[i];
        let link = match origin.elsewhere(site, a) {
            Some(home) => format!("{home}{}", a.path()),
            None => a.path(),
        };
        card(&mut main, a, &link, "card-latest");
    }
    main.push_str("</section>\n");
    let description = format!("{SITE_NAME}: news from Korea and the world.");
    let head = Head {
        title: SITE_NAME,
        og_title: SITE_NAME,
        description: &description,
        canonical: "/",
        og_type: "website",
        image: "/static/img/og_default.png",
        extra: "",
        body_class: "page-home",
    };
    page_html(site, origin, &head, &main)
}

/// A section (`sub: None`) or sub-section listing page, or `None` when `page` is out of range.
pub fn listing(
    site: &Snapshot,
    origin: &Origin<'_>,
    section: usize,
    sub: Option<usize>,
    page: usize,
) -> Option<String> {
    let sec = &SECTIONS[section];
    let (items, path, name) = match sub {
        Some(k) => {
            let (slug, name) = sec.subs[k];
            (
                &site.by_sub[section][k],
                format!("/section/{}/{slug}", sec.slug),
                name,
            )
        }
        None => (
            &site.by_section[section],
            format!("/section/{}", sec.slug),
            sec.name,
        ),
    };
    let pages = page_count(items.len());
    if page == 0 || page > pages {
        return None;
    }
    let mut main = String::with_capacity(24 * 1024);
    let _ = write!(
        main,
        "<h2 class=\"list-title\">{}</h2>\n<ul class=\"list-wrap\">",
        Esc(name)
    );
    sub_section_links(&mut main, sec);
    main.push_str("</ul>\n<section class=\"list\">\n");
    let start = (page - 1) * PER_PAGE;
    for (n, &i) in items.iter().skip(start).take(PER_PAGE).enumerate() {
        let a = &site.articles[i];
        card(
            &mut main,
            a,
            &article_href(a, sec.slug, n + 1, origin.base(), origin.elsewhere(site, a)),
            "card-list",
        );
    }
    if items.is_empty() {
        main.push_str("<p class=\"list-meta\">No articles yet.</p>\n");
    }
    main.push_str("</section>\n<nav class=\"pagination\" aria-label=\"Pages\">");
    let href = |p: usize| {
        if p == 1 {
            path.clone()
        } else {
            format!("{path}?page={p}")
        }
    };
    if page > 1 {
        let _ = write!(main, "<a rel=\"prev\" href=\"{}\">Prev</a>", href(page - 1));
    }
    let first = page.saturating_sub(4).max(1);
    for p in first..=(first + 9).min(pages) {
        if p == page {
            let _ = write!(main, "<strong class=\"pagination-item\">{p}</strong>");
        } else {
            let _ = write!(
                main,
                "<a class=\"pagination-item\" href=\"{}\">{p}</a>",
                href(p)
            );
        }
    }
    if page < pages {
        let _ = write!(
            main,
            "<a rel=\"next\" href=\"{}\">Next</a><a href=\"{}\">Last</a>",
            href(page + 1),
            href(pages)
        );
    }
    main.push_str("</nav>\n");
    let title = match page {
        1 => format!("{name} - {SITE_NAME}"),
        _ => format!("{name} (page {page}) - {SITE_NAME}"),
    };
    let canonical = href(page);
    let description = format!("Latest {name} news from {SITE_NAME}.");
    let head = Head {
        title: &title,
        og_title: &title,
        description: &description,
        canonical: &canonical,
        og_type: "website",
        image: "/static/img/og_default.png",
        extra: "",
        body_class: "page-section",
    };
    Some(page_html(site, origin, &head, &main))
}

/// A light page (search, member area, not found): masthead links and a message, no site chrome.
pub fn plain(title: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title} - {SITE_NAME}</title>\
         <meta name=\"robots\" content=\"noindex\"></head>\n<body><header><a href=\"/\">{SITE_NAME}</a></header>\n\
         <main><h1>{title}</h1><p>{message}</p><p><a href=\"/\">Back to the front page</a></p></main>\n</body>\n</html>\n",
        title = Esc(title),
        message = Esc(message)
    )
}
