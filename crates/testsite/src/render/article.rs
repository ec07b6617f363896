//! The article page, laid out like the seed site's.

use std::fmt::Write as _;

use chrono::NaiveDateTime;
use url::form_urlencoded;

use super::chrome::article_href;
use super::{Esc, Head, Origin, SITE_NAME, close_page, open_page, sidebar};
use crate::model::{Article, Block, Photo, SECTIONS};
use crate::site::Snapshot;
use crate::truth::rfc3339;

/// "2023-01-30 16:30", the visible Posted/Updated format (Korea time, no offset).
fn shown(time: NaiveDateTime) -> String {
    time.format("%Y-%m-%d %H:%M").to_string()
}

/// Meta tags and the JSON-LD block; authors and the update time are only sometimes in there (the update time
/// always, with `article:modified_time`, once the article was updated while served).
fn head_extra(a: &Article, base: &str, path: &str) -> String {
    let mut out = String::with_capacity(1024);
    let section = SECTIONS[a.section].name;
    let _ = write!(
        out,
        "<meta property=\"article:published_time\" content=\"{}\">\n<meta property=\"article:section\" content=\"{}\">\n",
        rfc3339(a.published),
        Esc(section)
    );
    // An article updated while served says so everywhere a crawler may look.
    let updated_while_served = a.revision > 1;
    if let (true, Some(updated)) = (updated_while_served, a.updated) {
        let _ = writeln!(
            out,
            "<meta property=\"article:modified_time\" content=\"{}\">",
            rfc3339(updated)
        );
    }
    let json_string = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
    let _ = write!(
        out,
        "<script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\"@type\":\"NewsArticle\",\
         \"mainEntityOfPage\":\"{base}{path}\",\"headline\":{},\"datePublished\":\"{}\"",
        json_string(&a.title),
        rfc3339(a.published)
    );
    if let (true, Some(updated)) = (a.jsonld_modified || updated_while_served, a.updated) {
        let _ = write!(out, ",\"dateModified\":\"{}\"", rfc3339(updated));
    }
    if let Some(photo) = &a.lead {
        let _ = write!(out, ",\"image\":[\"{base}{}\"]", photo.src);
    }
    if a.jsonld_author {
        let people: Vec<String> = a
            .authors
            .iter()
            .map(|n| format!("{{\"@type\":\"Person\",\"name\":{}}}", json_string(n)))
            .collect();
        let _ = write!(out, ",\"author\":[{}]", people.join(","));
    }
    let _ = writeln!(
        out,
        ",\"publisher\":{{\"@type\":\"Organization\",\"name\":\"{SITE_NAME}\",\"logo\":{{\"@type\":\"ImageObject\",\"url\":\"{base}/static/img/logo.png\"}}}}}}</script>"
    );
    out
}

fn figure(out: &mut String, photo: &Photo, id: &str) {
    let _ = writeln!(
        out,
        "<figure class=\"figure\" id=\"{id}\"><a href=\"{src}\" class=\"figure-link\" target=\"_blank\"><img src=\"{src}\" alt=\"{caption}\" width=\"640\" height=\"427\"></a>\
         <figcaption class=\"figure-meta\">{caption}</figcaption></figure>",
        src = photo.src,
        caption = Esc(&photo.caption),
    );
}

fn byline(authors: &[String]) -> String {
    match authors {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] if init.len() == 1 => format!("{} and {last}", init[0]),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn share(out: &mut String, url: &str, title: &str) {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let (u, t) = (enc(url), enc(title));
    let _ = writeln!(
        out,
        "<div class=\"share\"><button type=\"button\" data-action=\"print\">Print Preview</button>\
         <button type=\"button\" data-action=\"font-up\">Font Size Up</button><button type=\"button\" data-action=\"font-down\">Font Size Down</button>\
         <ul class=\"share-wrap\"><li><a href=\"https://www.facebook.com/sharer/sharer.php?u={u}\" class=\"share-link\">facebook</a></li>\
         <li><a href=\"https://twitter.com/intent/tweet?url={u}&amp;text={t}\" class=\"share-link\">twitter</a></li>\
         <li><a href=\"https://story.kakao.com/share?url={u}\" class=\"share-link\">kakaolink</a></li>\
         <li><a href=\"https://api.whatsapp.com/send?text={u}\" class=\"share-link\">whatsapp</a></li>\
         <li><a href=\"https://www.reddit.com/submit?url={u}\" class=\"share-link\">reddit</a></li>\
         <li><a href=\"mailto:?subject={t}&amp;body={u}\" class=\"share-link\">mailto</a></li>\
         <li><button type=\"button\" data-action=\"copy-link\">link</button></li></ul></div>"
    );
}

fn related(out: &mut String, site: &Snapshot, a: &Article, origin: &Origin<'_>) {
    out.push_str("<section class=\"related\" aria-label=\"Related stories\"><h3 class=\"related-title\">Related stories</h3><ul class=\"related-wrap\">\n");
    for (n, &i) in a.related.iter().enumerate() {
        let r = &site.articles[i];
        let _ = writeln!(
            out,
            "<li class=\"related-item\"><a href=\"{}\"><span class=\"related-meta\">{}</span>{}</a></li>",
            article_href(r, "related", n, origin.base(), origin.elsewhere(site, r)),
            Esc(SECTIONS[r.section].name),
            Esc(&r.title)
        );
    }
    out.push_str("</ul></section>\n");
}

/// Renders article `index`'s page as served from `origin`.
pub fn page(site: &Snapshot, index: usize, origin: &Origin<'_>) -> String {
    let base = origin.base();
    let a = &site.articles[index];
    let path = a.path();
    let section = &SECTIONS[a.section];
    let mut out = String::with_capacity(96 * 1024);
    let title = format!("{} - {SITE_NAME}", a.title);
    let image = a
        .lead
        .as_ref()
        .map_or("/static/img/og_default.png", |p| p.src.as_str());
    let extra = head_extra(a, base, &path);
    let head = Head {
        title: &title,
        og_title: &a.title,
        description: a.summary(),
        canonical: &path,
        og_type: "article",
        image,
        extra: &extra,
        body_class: "page-article",
    };
    open_page(&mut out, site, origin, &head);
    let _ = write!(
        out,
        "<main id=\"content\" class=\"article-wrap\">\n<article class=\"article\">\n<div class=\"article-meta\"><a href=\"/section/{}\" class=\"section-name\">{}</a>",
        section.slug,
        Esc(section.name)
    );
    if let Some(sub) = a.sub.and_then(|s| section.subs.get(s)) {
        let _ = write!(
            out,
            " &gt; <a href=\"/section/{}/{}\">{}</a>",
            section.slug,
            sub.0,
            Esc(sub.1)
        );
    }
    let _ = write!(
        out,
        "</div>\n<h1 class=\"article-title\">{}</h1>\n",
        Esc(&a.title)
    );
    let _ = write!(
        out,
        "<div class=\"byline-meta\"><span>Posted : {}</span>",
        shown(a.published)
    );
    if let Some(updated) = a.updated {
        let _ = write!(out, "<span>Updated : {}</span>", shown(updated));
    }
    let _ = writeln!(
        out,
        "<a href=\"{path}#comments\" class=\"comments-link\">Comments ({})</a></div>",
        a.comments
    );
    share(&mut out, &format!("{base}{path}"), &a.title);
    out.push_str("<div class=\"article-body\" itemprop=\"articleBody\">\n");
    if let Some(photo) = &a.lead {
        figure(&mut out, photo, "photo");
    }
    if let Some(subtitle) = &a.subtitle {
        let _ = writeln!(out, "<h2 class=\"article-subtitle\">{}</h2>", Esc(subtitle));
    }
    let _ = writeln!(
        out,
        "<p class=\"byline\">By {}</p>",
        Esc(&byline(&a.authors))
    );
    for (n, block) in a.blocks.iter().enumerate() {
        match block {
            Block::Para(text) => {
                let _ = writeln!(out, "<p>{}</p>", Esc(text));
            }
            Block::Quote(text) => {
                let _ = writeln!(out, "<blockquote><p>{}</p></blockquote>", Esc(text));
            }
            Block::List(items) => {
                out.push_str("<ul>");
                for item in items {
                    let _ = write!(out, "<li>{}</li>", Esc(item));
                }
                out.push_str("</ul>\n");
            }
            Block::Figure(photo) => figure(&mut out, photo, &format!("photo-{n}")),
        }
        if n == 2 {
            out.push_str("<div class=\"ad ad-inarticle\"><span class=\"ad-label\">Advertisement</span><div id=\"div-gpt-ad-1700003\"></div></div>\n");
        }
    }
    let handle = a.email.split('@').next().unwrap_or("");
    let _ = write!(
        out,
        "</div>\n<div class=\"byline-wrap\"><span class=\"byline-item\">Email</span><a href=\"mailto:{email}\">{email}</a> \
         <a href=\"/search?writer={handle}\" class=\"byline-link\">Article List</a><a href=\"/search?writer={handle}\">More articles by this reporter</a></div>\n",
        email = a.email
    );
    related(&mut out, site, a, origin);
    let _ = write!(
        out,
        "<section id=\"comments\" class=\"comments\"><h3 class=\"comments-title\">Comments ({})</h3>\
         <p><a href=\"/member/login?returnUrl={path}\">Log in</a> to leave a comment.</p></section>\n</article>\n",
        a.comments
    );
    sidebar(&mut out, site, origin);
    out.push_str("</main>\n");
    close_page(&mut out, site, origin);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn bylines_join_names_like_the_site() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(super::byline(&names(&["Nam Hyun-woo"])), "Nam Hyun-woo");
        assert_eq!(
            super::byline(&names(&["Kim Jae-won", "Lee Hae-rin"])),
            "Kim Jae-won and Lee Hae-rin"
        );
        assert_eq!(
            super::byline(&names(&["A B", "C D", "E F"])),
            "A B, C D and E F"
        );
    }
}
