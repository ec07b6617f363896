//! End-to-end tests on small hand-written pages.

use super::*;

const PARA: &str = "The committee met on Tuesday to discuss the new budget proposal, which would raise spending on schools and hospitals across the region by a significant margin over the next five years.";

fn page(head: &str, article: &str) -> String {
    let nav: String = (0..30)
        .map(|i| format!("<li><a href=\"/section{i}/\">Section {i}</a></li>"))
        .collect();
    format!(
        "<html lang=\"en\"><head><title>Budget plan passes | Daily Example</title>{head}</head><body>\
         <nav><ul>{nav}</ul></nav><div class=\"share-buttons\"><a href=\"https://facebook.com/share\">Share on Facebook</a></div>\
         <main><article>{article}</article></main>\
         <aside class=\"most-read\"><h3>Most read</h3><ul>\
         <li><a href=\"/news/2023/01/29/other-story-about-things\">Another long story headline about other things happening</a></li></ul></aside>\
         <footer><p>Copyright 2023 Daily Example. All rights reserved. Contact us for more information about licensing.</p></footer></body></html>"
    )
}

/// The body extracted from the article markup `art` on a plain page at a
/// story URL.
fn story_body(art: &str) -> String {
    let x = run(
        &page("", art),
        "https://example.com/news/2023/01/30/budget-plan-passes",
        None,
    );
    x.article.map(|a| a.body).unwrap_or_default()
}

fn run(html: &str, url: &str, tz: Option<chrono_tz::Tz>) -> Extraction {
    let opts = ExtractOptions {
        default_timezone: tz,
        ..Default::default()
    };
    extract(
        html.as_bytes(),
        None,
        &Url::parse(url).expect("test url"),
        &opts,
    )
    .expect("a text page")
}

fn article_body(n: usize) -> String {
    (0..n)
        .map(|i| format!("<p>{PARA} Paragraph {i}.</p>"))
        .collect()
}

/// A page with every hub signal (a section URL, no declaration, no date) that still carries an
/// article's worth of prose is kept, marked unsure; a list of teasers with blurbs is not.
#[test]
fn article_sized_prose_is_never_lost_as_a_hub() {
    let prose = article_body(9);
    let x = run(
        &page("", &format!("<h2>Notes</h2>{prose}")),
        "http://127.0.0.1:8311/section/notes",
        None,
    );
    assert_eq!(x.kind, PageKind::Article, "{}", x.explain.kind);
    assert!(x.explain.kind.contains("unsure"), "{}", x.explain.kind);
    assert!(x.article.as_ref().is_some_and(|a| a.kind_unsure));
    let body = x.article.map(|a| a.body).unwrap_or_default();
    assert!(
        body.contains("Paragraph 0.") && body.contains("Paragraph 8."),
        "{body}"
    );

    let teasers: String = (0..12)
        .map(|i| {
            format!(
                "<div class=\"item\"><h3><a href=\"/news/2023/01/{i:02}/story-number-{i}\">Story number {i} \
                 with a long headline about things</a></h3><p>{PARA}</p></div>"
            )
        })
        .collect();
    let x = run(
        &page("", &teasers),
        "http://127.0.0.1:8311/section/news",
        None,
    );
    assert_eq!(x.kind, PageKind::Hub, "{}", x.explain.kind);
    assert!(x.article.is_none());
}

/// A short post (one paragraph) under a headline that its `<title>` confirms is kept, marked
/// unsure, even at a list-like URL; a section page whose heading its title confirms too, but
/// which lists stories under linked headlines or as linked items (two of them are enough when
/// the text is theirs), stays a hub.
#[test]
fn a_short_post_under_its_confirmed_headline_is_kept() {
    let x = run(
        &page(
            "",
            &format!(
                "<h2><a href=\"/archives/budget-plan-passes\">Budget plan passes</a></h2><p>{PARA}</p>"
            ),
        ),
        "http://127.0.0.1:8311/archives/budget-plan-passes",
        None,
    );
    assert_eq!(x.kind, PageKind::Article, "{}", x.explain.kind);
    assert!(
        x.explain.kind.contains("headline the title confirms"),
        "{}",
        x.explain.kind
    );
    assert!(
        x.article
            .as_ref()
            .is_some_and(|a| a.kind_unsure && a.body.contains("committee met"))
    );

    let section = |items: &str| {
        format!(
            "<html><head><title>Politics news | Daily Example</title></head><body>\
             <h1>Politics news</h1>{items}<footer><p>Copyright 2023 Daily Example.</p></footer></body></html>"
        )
    };
    let headed: String = (0..8)
        .map(|i| {
            format!(
                "<div><h3><a href=\"/news/2023/01/{i:02}/story-number-{i}\">Story number {i} about things</a></h3>\
                 <p>What happened, in one short sentence.</p></div>"
            )
        })
        .collect();
    let listed: String = (0..8)
        .map(|i| {
            format!(
                "<li><a href=\"/news/2023/01/{i:02}/story-number-{i}\">Story number {i} with a long headline about \
                 things that happened</a> <span>A short teaser of it.</span></li>"
            )
        })
        .collect();
    // A section with only two stories so far: the text under its heading is their summaries.
    let two: String = (0..2)
        .map(|i| {
            format!(
                "<div><h3><a href=\"/news/2023/01/{i:02}/story-number-{i}\">Story number {i} about things</a></h3>\
                 <p>The number of applicants reached 623 by Wednesday, up from 3 thousand a year earlier.</p></div>"
            )
        })
        .collect();
    for items in [headed, format!("<ul>{listed}</ul>"), two] {
        let x = run(
            &section(&items),
            "http://127.0.0.1:8311/politics-news/",
            None,
        );
        assert_eq!(x.kind, PageKind::Hub, "{}", x.explain.kind);
    }
}

/// Without a configured zone, a time printed without an offset takes the offset the page's
/// declared dates carry: one page, one zone.
#[test]
fn a_time_without_offset_takes_the_pages_zone() {
    let head = "<meta property=\"article:published_time\" content=\"2023-03-30T05:10:00+09:00\">";
    let art = format!(
        "<h1>Budget plan passes</h1><p>Updated : 2023-03-30 06:46</p>{}",
        article_body(5)
    );
    let x = run(
        &page(head, &art),
        "http://127.0.0.1:8311/news/2023/03/30/budget-plan-passes",
        None,
    );
    let a = x.article.expect("article fields");
    assert_eq!(
        a.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2023-03-30T05:10:00+09:00")
    );
    assert_eq!(
        a.updated.map(|d| d.to_rfc3339()).as_deref(),
        Some("2023-03-30T06:46:00+09:00")
    );
    // With no dated declaration, the same line stays a UTC wall-clock reading.
    let x = run(
        &page("", &art),
        "http://127.0.0.1:8311/news/budget-plan-passes",
        None,
    );
    let a = x.article.expect("article fields");
    assert_eq!(
        a.updated.map(|d| d.to_rfc3339()).as_deref(),
        Some("2023-03-30T06:46:00+00:00")
    );
}

#[test]
fn article_with_byline_and_posted_line() {
    let art = format!(
        "<h1>Budget plan passes</h1><p class=\"meta\">By Jane Doe and John Roe</p>\
         <p>Posted : 2023-01-30 16:30 / Updated : 2023-01-31 09:00</p>{}",
        article_body(5)
    );
    let x = run(
        &page("", &art),
        "https://example.com/news/2023/01/30/budget-plan-passes",
        Some(chrono_tz::Asia::Seoul),
    );
    assert_eq!(x.kind, PageKind::Article);
    let a = x.article.expect("article fields");
    assert_eq!(a.title, "Budget plan passes");
    assert_eq!(a.authors, ["Jane Doe", "John Roe"]);
    assert_eq!(
        a.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2023-01-30T16:30:00+09:00")
    );
    assert_eq!(
        a.updated.map(|d| d.to_rfc3339()).as_deref(),
        Some("2023-01-31T09:00:00+09:00")
    );
    assert!(a.body.starts_with("The committee met"));
    assert_eq!(a.body.split("\n\n").count(), 5);
    assert!(
        !a.body.contains("Copyright")
            && !a.body.contains("Section 3")
            && !a.body.contains("Another long story")
    );
    assert_eq!(x.language.as_deref(), Some("en"));
    let related: Vec<&Link> = x.links.iter().filter(|l| l.related).collect();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0].kind, LinkKind::Article);
    assert!(x.links.iter().any(|l| l.kind == LinkKind::OffSite));
}

#[test]
fn jsonld_metadata_wins() {
    let head = r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},
        {"@type":"NewsArticle","headline":"Budget plan passes","datePublished":"2023-01-30T07:30:00Z",
         "author":[{"@type":"Person","name":"Ann Lee"}],"articleSection":"Politics","keywords":["budget","schools"]}]}</script>
        <meta property="og:type" content="article">"#;
    let x = run(
        &page(head, &article_body(4)),
        "https://example.com/politics/budget-plan-passes-today",
        None,
    );
    let a = x.article.expect("article fields");
    assert_eq!(a.authors, ["Ann Lee"]);
    assert_eq!(
        a.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2023-01-30T07:30:00+00:00")
    );
    assert_eq!(a.section.as_deref(), Some("Politics"));
    assert_eq!(a.tags, ["budget", "schools"]);
    assert_eq!(a.title, "Budget plan passes");
}

#[test]
fn meta_tags_and_korean_reporter() {
    let head = r#"<meta property="article:published_time" content="2023-01-30 16:30:00">"#;
    let art = format!(
        "<h1>예산안 통과</h1>{}<p>홍길동 기자 hong@example.co.kr</p>",
        article_body(3)
    );
    let x = run(
        &page(head, &art),
        "https://example.co.kr/news/articleView.html?idxno=12345",
        Some(chrono_tz::Asia::Seoul),
    );
    let a = x.article.expect("article fields");
    assert_eq!(a.authors, ["홍길동"]);
    assert_eq!(
        a.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2023-01-30T16:30:00+09:00")
    );
}

#[test]
fn br_separated_text_and_captions() {
    let text = (0..4)
        .map(|i| format!("{PARA} Line {i}."))
        .collect::<Vec<_>>()
        .join("<br><br>");
    let art = format!(
        "<h1>Budget</h1><figure><img src=\"/img/a.jpg\"><figcaption>The council chamber on Tuesday.</figcaption></figure><div class=\"text\">{text}</div>"
    );
    let x = run(
        &page("", &art),
        "https://example.com/news/2023/01/30/budget",
        None,
    );
    let a = x.article.expect("article fields");
    assert_eq!(a.body.split("\n\n").count(), 4);
    assert!(!a.body.contains("council chamber"));
    assert_eq!(a.images.len(), 1);
    assert_eq!(a.images[0].url, "https://example.com/img/a.jpg");
    assert_eq!(
        a.images[0].caption.as_deref(),
        Some("The council chamber on Tuesday.")
    );
}

#[test]
fn hub_page_yields_links_only() {
    let teasers: String = (0..40)
        .map(|i| format!("<div class=\"card\"><a href=\"/news/2023/01/{:02}/story-number-{i}-about-things\">Story number {i} about things</a><span>Short teaser.</span></div>", i % 28 + 1))
        .collect();
    let html = format!(
        "<html><head><meta property=\"og:type\" content=\"website\"></head><body><h1>Politics</h1>{teasers}<a href=\"/rss.xml\">RSS</a></body></html>"
    );
    let x = run(&html, "https://example.com/politics/", None);
    assert_eq!(x.kind, PageKind::Hub);
    assert!(x.article.is_none());
    assert_eq!(
        x.links
            .iter()
            .filter(|l| l.kind == LinkKind::Article)
            .count(),
        40
    );
    assert!(x.links.iter().any(|l| l.kind == LinkKind::Feed));
}

#[test]
fn euc_kr_page_and_base_href() {
    let html = format!(
        "<html><head><meta charset=\"euc-kr\"><base href=\"https://cdn.example.kr/a/\"></head><body><h1>제목입니다</h1><div>{}</div><a href=\"b.html\">x</a></body></html>",
        "한국어로 작성된 기사 본문입니다. 정부는 오늘 새로운 정책을 발표했습니다. ".repeat(20)
    );
    let (bytes, _, _) = encoding_rs::EUC_KR.encode(&html);
    let x = extract(
        &bytes,
        None,
        &Url::parse("https://example.kr/news/1").expect("url"),
        &ExtractOptions::default(),
    )
    .expect("text");
    assert_eq!(x.encoding, "EUC-KR");
    assert_eq!(x.language.as_deref(), Some("ko"));
    assert!(
        x.links
            .iter()
            .any(|l| l.url.as_str() == "https://cdn.example.kr/a/b.html")
    );
    assert!(x.article.is_some_and(|a| a.body.contains("새로운 정책을")));
}

#[test]
fn garbage_never_panics() {
    for input in [
        "",
        "<",
        "<html><body><p>",
        "<a href='http://[::1'>x</a><time datetime='9999-99-99'>",
    ] {
        let x = run(input, "https://example.com/", None);
        assert_eq!(x.kind, PageKind::Hub);
    }
    let url = Url::parse("https://example.com/").expect("url");
    let got = extract(b"\0\x01<<>>&&&", None, &url, &ExtractOptions::default());
    assert!(matches!(got, Err(ExtractError::NotText { .. })), "{got:?}");
}

#[test]
fn site_selectors_override() {
    let raw = RawSelectors {
        body: Some("div.story".into()),
        title: Some(".hl".into()),
        exclude: vec![".skip".into()],
        ..Default::default()
    };
    let opts = ExtractOptions {
        selectors: SiteSelectors::parse(&raw).expect("selectors"),
        ..Default::default()
    };
    let html = format!(
        "<html><body><span class=\"hl\">Real title</span><div class=\"story\"><p>{PARA}</p><p class=\"skip\">{PARA} skip me</p><p>{PARA}</p><p>{PARA}</p></div><div>{}</div></body></html>",
        article_body(6)
    );
    let x = extract(
        html.as_bytes(),
        None,
        &Url::parse("https://example.com/news/2023/01/30/x").expect("url"),
        &opts,
    )
    .expect("text");
    let a = x.article.expect("article");
    assert_eq!(a.title, "Real title");
    assert_eq!(a.body, [PARA; 3].join("\n\n"));
}

#[test]
fn paywalled_teaser_declared_as_dated_article_is_an_article() {
    let head = "<meta property=\"og:type\" content=\"article\">\
                <meta property=\"article:published_time\" content=\"2022-05-04T10:00:00Z\">";
    let art = "<h1>Prison official says anyone could escape</h1>\
               <p>A senior official said so in a sworn affidavit.</p><div class=\"paywall\">Subscribe</div>";
    let x = run(
        &page(head, art),
        "https://example.com/2022/05/04/prison-official-anyone-could-escape/",
        None,
    );
    assert_eq!(x.kind, PageKind::Article);
}

#[test]
fn undeclared_page_of_plain_running_text_is_an_article() {
    let html = format!(
        "<html><body><div class=\"menu\">{}</div><div class=\"text\"><p>{PARA}</p><p>{PARA}</p><p>{PARA}</p></div></body></html>",
        (0..60)
            .map(|i| format!("<a href=\"/blog/{i}\">Older letter number {i}</a> "))
            .collect::<String>()
    );
    let x = run(
        &html,
        "https://example.com/blog/letters/2010-10-26-18",
        None,
    );
    assert_eq!(x.kind, PageKind::Article);
}

#[test]
fn ad_named_page_wrapper_around_main_is_no_boilerplate() {
    let html = format!(
        "<html><body><div class=\"l-wrapper gate-ad\"><main><h1>Quake shakes the coast tonight</h1>{}</main></div></body></html>",
        article_body(3)
    );
    let x = run(
        &html,
        "https://example.com/articles/AST1F4445T1FUTIL02SM.html",
        None,
    );
    assert!(x.article.is_some_and(|a| a.body.contains("Paragraph 2.")));
}

#[test]
fn footer_text_is_no_container_when_the_article_is_link_heavy() {
    let linked: String = (0..6)
        .map(|i| format!("<p>Town list {i}: <a href=\"/t/{i}a\">Northtown</a>, <a href=\"/t/{i}b\">Southtown</a>, <a href=\"/t/{i}c\">Westtown</a>, <a href=\"/t/{i}d\">Easttown</a>.</p>"))
        .collect();
    let html = format!(
        "<html><body><main><h1>Quake shakes the coast tonight</h1><p>The agency said a strong quake hit the coast at night.</p>{linked}</main>\
         <footer><p>All articles and photos on this site are protected by copyright law and international treaties; no reproduction without written permission of the publisher.</p></footer></body></html>"
    );
    let x = run(
        &html,
        "https://example.com/articles/AST1F4445T1FUTIL02SM.html",
        None,
    );
    let body = x.article.map(|a| a.body).unwrap_or_default();
    assert!(!body.contains("reproduction"), "{body}");
}

#[test]
fn elements_hidden_by_utility_classes_are_skipped() {
    let art = format!(
        "<h1>Budget plan passes</h1>{}<div class=\"intro hidden\"><p>This content is reserved for subscribers only, subscribe now to read it all.</p></div>",
        article_body(3)
    );
    let body = story_body(&art);
    assert!(
        body.contains("Paragraph 2.") && !body.contains("subscribers"),
        "{body}"
    );
}

#[test]
fn inline_credits_and_custom_element_paywall_wrappers() {
    let art = format!(
        "<h1>Budget plan passes</h1><storefront-body class=\"content-full-body paywall\"><article>{}\
         <p>The mayor spoke. <span class=\"image-credit\">Photo: Agency</span></p></article></storefront-body>",
        article_body(3)
    );
    let body = story_body(&art);
    assert!(
        body.contains("Paragraph 2.") && body.contains("The mayor spoke."),
        "{body}"
    );
    assert!(!body.contains("Agency"), "{body}");
}

#[test]
fn a_long_comment_does_not_beat_a_shorter_article() {
    let art = format!(
        "<h1>Budget plan passes</h1><div class=\"entry-content\">{}</div>\
         <div class=\"comments-area\"><div class=\"comment-body\">{}</div></div>",
        article_body(2),
        format!("<p>{PARA} I think the council got this badly wrong.</p>").repeat(4)
    );
    let body = story_body(&art);
    assert!(
        body.contains("Paragraph 1.") && !body.contains("badly wrong"),
        "{body}"
    );
}

#[test]
fn paywall_named_wrappers_hold_the_article_but_paywall_prompts_are_dropped() {
    let art = format!(
        "<h1>Budget plan passes</h1><div class=\"entry-content steady-paywall-container\">{}</div>\
         <div class=\"paywall-text\"><p>Only 3 free articles left this month, subscribe to keep reading.</p></div>",
        article_body(4)
    );
    let body = story_body(&art);
    assert!(
        body.contains("Paragraph 3.") && !body.contains("subscribe"),
        "{body}"
    );
}

#[test]
fn an_article_beats_a_much_longer_comment_thread() {
    let art = format!(
        "<h1>Budget plan passes</h1><div class=\"story\">{}</div><div class=\"commentlinks\"><ul>{}</ul></div>",
        article_body(8),
        format!("<li><p>{PARA} I disagree with every word of this.</p></li>").repeat(40)
    );
    let body = story_body(&art);
    assert!(
        body.contains("Paragraph 7.") && !body.contains("disagree"),
        "{body}"
    );
}

#[test]
fn the_headline_article_is_the_story_not_the_posts_after_it() {
    let others: String = (0..5)
        .map(|i| format!("<article class=\"post\"><h2><a href=\"/post-{i}\">Other post {i}</a></h2><p>{PARA} Other post text {i}.</p></article>"))
        .collect();
    let html = format!(
        "<html><body><div class=\"columns\"><article class=\"post\"><h1>Only who loves himself</h1>{}</article>{others}</div></body></html>",
        article_body(3)
    );
    let x = run(
        &html,
        "https://example.com/only-who-loves-himself-can-love",
        None,
    );
    let body = x.article.map(|a| a.body).unwrap_or_default();
    assert!(
        body.contains("Paragraph 2.") && !body.contains("Other post text"),
        "{body}"
    );
}

#[test]
fn numbered_and_heading_ids_are_anchors_not_signals() {
    let art = format!(
        "<h1>Budget plan passes</h1><div class=\"content_body\" id=\"TOC_TITLE_1\">{}</div>\
         <h3 id=\"nav_what_comes_next\">What comes next</h3><div class=\"content_body\" id=\"TOC_TITLE_2\">{}</div>",
        article_body(3),
        article_body(3)
    );
    let body = story_body(&art);
    assert!(
        body.contains("What comes next") && body.matches("Paragraph 2.").count() == 2,
        "{body}"
    );
}

#[test]
fn twitter_card_written_by_names_the_author_and_labels_are_no_names() {
    let head = "<meta name=\"twitter:label1\" content=\"Written by\"><meta name=\"twitter:data1\" content=\"Anna Sleegers\">";
    let art = format!("<h1>Budget plan passes</h1>{}", article_body(3));
    let x = run(
        &page(head, &art),
        "https://example.com/news/2023/01/30/budget-plan-passes",
        None,
    );
    assert_eq!(
        x.article.map(|a| a.authors).unwrap_or_default(),
        ["Anna Sleegers"]
    );
    assert!(metadata::byline::clean_authors("この記事を書いた人").is_empty());
    assert!(metadata::byline::clean_authors("About the author").is_empty());
}

#[test]
fn title_kicker_and_split_spans_follow_opengraph() {
    let head = "<meta property=\"og:title\" content=\"Lotte Tobisch ist tot\">";
    let art = format!("<h1>Chronik: Lotte Tobisch ist tot</h1>{}", article_body(3));
    let x = run(
        &page(head, &art),
        "https://example.com/news/2023/01/30/tobisch-ist-tot",
        None,
    );
    assert_eq!(
        x.article.map(|a| a.title).unwrap_or_default(),
        "Lotte Tobisch ist tot"
    );
    let head = "<meta property=\"og:title\" content=\"Nationale Demo / Der 9. Juli naht\">";
    let art = format!(
        "<h1><span>Nationale Demo</span><span>Der 9. Juli naht</span></h1>{}",
        article_body(3)
    );
    let x = run(
        &page(head, &art),
        "https://example.com/news/2023/01/30/der-9-juli-naht",
        None,
    );
    assert_eq!(
        x.article.map(|a| a.title).unwrap_or_default(),
        "Nationale Demo / Der 9. Juli naht"
    );
}

#[test]
fn clock_lines_ad_labels_and_alerts_are_furniture() {
    let art = format!(
        "<h1>Budget plan passes</h1><p>Heute, 12:37 Uhr</p>{}<p>Annons</p>\
         <div class=\"alert\"><strong>Ad block users: some site features may not work correctly while an ad blocker is enabled.</strong></div>",
        article_body(3)
    );
    let body = story_body(&art);
    assert!(
        body.starts_with("The committee met") && body.ends_with("Paragraph 2."),
        "{body}"
    );
}

#[test]
fn the_standfirst_is_the_subtitle_and_stays_in_the_body() {
    let art = format!(
        "<h1>Budget plan passes</h1><h3>The council backs more spending on schools and hospitals.</h3>{}",
        article_body(3)
    );
    let x = run(
        &page("", &art),
        "https://example.com/news/2023/01/30/budget-plan-passes",
        None,
    );
    let a = x.article.expect("article");
    assert_eq!(
        a.subtitle.as_deref(),
        Some("The council backs more spending on schools and hospitals.")
    );
    assert!(
        a.body.starts_with("The council backs more spending"),
        "{}",
        a.body
    );
}

#[test]
fn press_release_contact_tail_is_cut() {
    let art = format!(
        "<h1>Budget plan passes</h1>{}<p>Telefon:</p><p>+49 30 1234567, press office of the council, open on weekdays.</p>",
        article_body(4)
    );
    let body = story_body(&art);
    assert!(body.ends_with("Paragraph 3."), "{body}");
}

/// The title of `article` on the plain page with `head` added, at a story URL.
fn title_of(head: &str, article: &str) -> String {
    let x = run(
        &page(head, article),
        "https://example.com/news/2023/01/30/story",
        None,
    );
    x.article.map(|a| a.title).unwrap_or_default()
}

#[test]
fn an_h1_in_the_breadcrumb_trail_is_no_headline() {
    let head = "<meta property=\"og:title\" content=\"Storm cuts power: How safe is the grid?\">\
        <script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":\"Storm cuts power - How safe is the grid?\"}</script>";
    let art = format!(
        "<div class=\"breadcrumb\"><a href=\"/\">Home</a> <h1>Blackout: the grid questions answered</h1></div>\
         <h2><span>Storm cuts power</span> <span>How safe is the grid?</span></h2>{}",
        article_body(3)
    );
    assert_eq!(
        title_of(head, &art),
        "Storm cuts power: How safe is the grid?"
    );
}

#[test]
fn a_screen_reader_separator_joins_the_kicker_to_the_headline() {
    let head = "<meta property=\"og:title\" content=\"Heat wave: Oceans are warming fast\">";
    for h1 in [
        "<span class=\"kicker\">Heat wave</span><span class=\"visually-hidden\">: </span><span>Oceans are warming fast</span>",
        "<div class=\"overline\">Heat wave</div><span class=\"sr-only\">: </span><span>Oceans are warming fast</span>",
    ] {
        let art = format!("<h1>{h1}</h1>{}", article_body(3));
        assert_eq!(title_of(head, &art), "Heat wave: Oceans are warming fast");
    }
}

#[test]
fn character_references_in_json_ld_are_decoded() {
    let head = "<meta property=\"og:title\" content=\"Café owners protest new rules\">\
        <script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":\"Caf&eacute; owners protest new rules\"}</script>";
    assert_eq!(
        title_of(head, &article_body(3)),
        "Café owners protest new rules"
    );
}

#[test]
fn the_h1_a_declared_title_repeats_beats_widget_headings() {
    let nav: String = (0..30)
        .map(|i| format!("<li><a href=\"/section{i}/\">Section {i}</a></li>"))
        .collect();
    let html = format!(
        "<html><head><meta property=\"og:title\" content=\"Experts in the crisis\"></head><body>\
         <header><h1 class=\"entry-title\">Experts in the crisis</h1></header><ul>{nav}</ul>\
         <main><article><h1>While you are here</h1>{}</article></main></body></html>",
        article_body(3)
    );
    let x = run(&html, "https://example.com/news/2023/01/30/story", None);
    assert_eq!(
        x.article.map(|a| a.title).unwrap_or_default(),
        "Experts in the crisis"
    );
}

#[test]
fn a_kicker_every_declared_title_carries_stays_in_the_headline() {
    let declared = "Veterans day: Medals for the fallen";
    let head = format!(
        "<meta property=\"og:title\" content=\"{declared}\"><meta name=\"twitter:title\" content=\"{declared}\">\
         <script type=\"application/ld+json\">{{\"@type\":\"NewsArticle\",\"headline\":\"{declared}\"}}</script>"
    );
    let art = format!(
        "<div class=\"kicker\">Veterans day</div><h1>Medals for the fallen</h1>{}",
        article_body(3)
    );
    assert_eq!(title_of(&head, &art), declared);
    // OpenGraph alone does not outvote the visible headline.
    let head = format!("<meta property=\"og:title\" content=\"{declared}\">");
    assert_eq!(title_of(&head, &art), "Medals for the fallen");
}

#[test]
fn opengraph_times_spelled_with_colons_are_read() {
    let head = "<meta property=\"article:published:time\" content=\"2024-10-23T15:48:15+00:00\">";
    let x = run(
        &page(head, &article_body(3)),
        "https://example.com/news/budget-plan-passes",
        None,
    );
    let published = x.article.and_then(|a| a.published).map(|d| d.to_rfc3339());
    assert_eq!(published.as_deref(), Some("2024-10-23T15:48:15+00:00"));
}

#[test]
fn a_sentence_carried_by_its_link_stays_but_a_link_line_goes() {
    let art = format!(
        "{}<p>Smith replaces Jones, <a href=\"/news/2023/01/02/jones\">who for the last eight months combined the role with his duties</a> in marketing.</p>\
         <p><a href=\"/news/2023/01/03/other\">Read the other story about the budget and the schools</a></p>{}",
        article_body(2),
        article_body(2)
    );
    let body = story_body(&art);
    assert!(
        body.contains("who for the last eight months combined the role"),
        "{body}"
    );
    assert!(!body.contains("Read the other story"), "{body}");
}

#[test]
fn a_press_contact_heading_in_the_second_half_ends_the_body() {
    // Four paragraphs of text, then the contact box: the heading is the fifth of eight.
    let art = format!(
        "<h1>Budget plan passes</h1>{}<p>Ansprechpartner Presse bei Example SE</p>\
         <p>Jane Roe, press office of the council, open on weekdays.</p>\
         <p>Kontakt:</p><p>John Doe, phone +49 30 1234567, john.doe@example.com</p>",
        article_body(4)
    );
    let body = story_body(&art);
    assert!(body.ends_with("Paragraph 3."), "{body}");
}

#[test]
fn controls_marked_by_role_are_no_text() {
    let art = format!(
        "{}<div class=\"step-image-toggle\" role=\"button\"><span>Show the picture of this step</span></div>{}",
        article_body(2),
        article_body(2)
    );
    let body = story_body(&art);
    assert!(!body.contains("Show the picture"), "{body}");
    assert!(body.contains("Paragraph 1."), "{body}");
}

#[test]
fn a_furniture_heading_that_goes_on_ends_the_body_too() {
    let art = format!(
        "<h1>Budget plan passes</h1>{}<p>Weitere Beiträge aus der Kolumne:</p>\
         <p>Another column about the budget, the schools and the hospitals of the region.</p>",
        article_body(4)
    );
    let body = story_body(&art);
    assert!(body.ends_with("Paragraph 3."), "{body}");
}

#[test]
fn photo_credit_lines_are_no_body_text() {
    let art = format!(
        "{}<p>Crédits photos : Example Agency</p><p>Foto: dpa</p>",
        article_body(3)
    );
    let body = story_body(&art);
    assert!(body.ends_with("Paragraph 2."), "{body}");
}

#[test]
fn licence_notices_are_furniture() {
    let art = format!(
        "{}<div class=\"licenceInfo\"><p>Material protected by copyright law, every use without the publisher's consent is forbidden.</p></div>",
        article_body(3)
    );
    let body = story_body(&art);
    assert!(!body.contains("protected by copyright"), "{body}");
}

#[test]
fn every_declared_title_votes() {
    let head = "<meta property=\"og:title\" content=\"I sell holidays - the right day saves you thousands\">\
        <meta name=\"parsely-title\" content=\"I sell holidays - the right day saves you thousands\">";
    let art = format!(
        "<h1>I sell theme park holidays - the right day saves you thousands</h1>{}",
        article_body(3)
    );
    assert_eq!(
        title_of(head, &art),
        "I sell holidays - the right day saves you thousands"
    );
}

/// The published time of `html` at `url`, RFC 3339.
fn published_of(html: &str, url: &str) -> String {
    run(html, url, None)
        .article
        .and_then(|a| a.published)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

#[test]
fn utc_timestamps_take_the_publishers_zone() {
    let late = "<meta property=\"article:published_time\" content=\"2022-05-04T02:41:00+00:00\">";
    // The ccTLD names the zone.
    assert_eq!(
        published_of(
            &page(late, &article_body(3)),
            "https://example.com.bo/news/story"
        ),
        "2022-05-03T22:41:00-04:00"
    );
    // A `<time>` of the same instant names the offset.
    let art = format!(
        "<h1>Budget plan passes</h1><time datetime=\"2022-05-03T22:41:00-04:00\">3 May</time>{}",
        article_body(3)
    );
    assert_eq!(
        published_of(&page(late, &art), "https://example.com/news/story"),
        "2022-05-03T22:41:00-04:00"
    );
    // The `<time>` shows the UTC day: kept.
    let art = format!(
        "<h1>Budget plan passes</h1><time datetime=\"2022-05-04T02:41:00+00:00\">4 May 2022</time>{}",
        article_body(3)
    );
    assert_eq!(
        published_of(&page(late, &art), "https://example.de/news/story"),
        "2022-05-04T02:41:00+00:00"
    );
    // The URL gives the local day: the nearest offset that reaches it.
    assert_eq!(
        published_of(
            &page(late, &article_body(3)),
            "https://example.com/2022/05/03/story"
        ),
        "2022-05-03T23:41:00-03:00"
    );
    // A single-zone page language.
    let de = page(late, &article_body(3)).replace("lang=\"en\"", "lang=\"de\"");
    assert_eq!(
        published_of(&de, "https://example.com/news/story"),
        "2022-05-04T04:41:00+02:00"
    );
    // Midnight UTC is a bare date.
    let midnight = "<meta property=\"article:published_time\" content=\"2022-05-04T00:00:00Z\">";
    assert_eq!(
        published_of(
            &page(midnight, &article_body(3)),
            "https://example.com/2022/05/03/story"
        ),
        "2022-05-04T00:00:00+00:00"
    );
}

#[test]
fn utc_time_shown_with_its_utc_clock_stays_utc() {
    let late = "<meta property=\"article:published_time\" content=\"2022-05-04T02:41:00+00:00\">";
    let art = format!(
        "<h1>Budget plan passes</h1><time datetime=\"2022-05-04T02:41:00Z\">4.5.2022 02:41</time>{}",
        article_body(3)
    );
    assert_eq!(
        published_of(&page(late, &art), "https://example.de/news/story"),
        "2022-05-04T02:41:00+00:00"
    );
    // Shown at another clock: the zone's wall time.
    let art = art.replace("02:41</time>", "04:41</time>");
    assert_eq!(
        published_of(&page(late, &art), "https://example.de/news/story"),
        "2022-05-04T04:41:00+02:00"
    );
}

#[test]
fn dateline_by_the_headline_not_the_site_name() {
    let filler: String = (0..70)
        .map(|i| format!("<div class=\"related-links\">Teaser {i} (bis 31.12.2018)</div>"))
        .collect();
    let html = format!(
        "<html lang=\"de\"><head><title>Budget plan passes</title></head><body>\
         <h1>Daily Example</h1>{filler}<main><h1>Budget plan passes</h1>\
         <ul><li>Datum: 26. Januar 2022</li><li>Ausgabe 2022</li></ul>{}</main></body></html>",
        article_body(4)
    );
    assert_eq!(
        published_of(&html, "https://example.com/presse/story"),
        "2022-01-26T00:00:00+01:00"
    );
}

#[test]
fn dateline_before_the_body_without_headline() {
    let html = format!(
        "<html lang=\"fr\"><body><div class=\"nav\"><a href=\"/\">Accueil</a></div>\
         <div class=\"post\"><div>par Jeanne Dupont, le 15 septembre 2009</div>\
         <div class=\"text\">{}</div></div></body></html>",
        article_body(4)
    );
    assert_eq!(
        published_of(&html, "https://example.org/article.html"),
        "2009-09-15T00:00:00+02:00"
    );
}

#[test]
fn dateline_on_one_line_of_a_longer_block() {
    let art = format!(
        "<h1>Budget plan passes</h1><div>Released: 04.02.2022<br>Label: Example Records<br>Genre: Pop music of all kinds</div>{}",
        article_body(3)
    );
    assert_eq!(
        published_of(&page("", &art), "https://example.com/music/album"),
        "2022-02-04T00:00:00+00:00"
    );
}

#[test]
fn dates_in_the_url() {
    let art = format!("<h1>Budget plan passes</h1>{}", article_body(3));
    let html = page("", &art);
    assert_eq!(
        published_of(
            &html,
            "https://example.com/reden/2003/03/20030331_rede.html"
        ),
        "2003-03-31T00:00:00+00:00"
    );
    assert_eq!(
        published_of(&html, "https://example.com/home/2017/7/5/story"),
        "2017-07-05T00:00:00+00:00"
    );
    // An identifier of eight digits is no date.
    assert_eq!(
        published_of(&html, "https://example.com/news/12345678-story"),
        ""
    );
}

#[test]
fn a_bare_declared_date_yields_to_the_articles_timestamp() {
    let head = "<meta name=\"date\" content=\"2020-04-30\">";
    let art = format!(
        "<h1>Budget plan passes</h1><p class=\"meta\"><time>29.04.2020, 12:01</time></p>{}",
        article_body(3)
    );
    assert_eq!(
        published_of(&page(head, &art), "https://example.de/artikel/story"),
        "2020-04-29T12:01:00+02:00"
    );
    // A week apart: not the same publication.
    let art = art.replace("29.04.2020", "22.04.2020");
    assert_eq!(
        published_of(&page(head, &art), "https://example.de/artikel/story"),
        "2020-04-30T00:00:00+02:00"
    );
}

#[test]
fn a_republished_page_keeps_the_date_of_its_url() {
    let head = "<meta property=\"article:published_time\" content=\"2019-06-17T18:28:00+02:00\">";
    let html = page(head, &article_body(3));
    assert_eq!(
        published_of(&html, "https://example.de/home/2017/7/12/story"),
        "2017-07-12T00:00:00+02:00"
    );
    // A few days later is the same publication.
    assert_eq!(
        published_of(&html, "https://example.de/home/2019/6/14/story"),
        "2019-06-17T18:28:00+02:00"
    );
}

#[test]
fn dateline_by_a_smaller_headline_and_just_above_it() {
    let html = format!(
        "<html lang=\"de\"><head><title>Budget plan passes</title></head><body>\
         <h1>Daily Example</h1><div class=\"post\"><h2>Samstag, 9. September 2017</h2>\
         <h3>Budget plan passes</h3><div>Erscheinungsdatum: 14.08.2017</div>\
         <div>8.Dezember 2010 um 09:43 · Rezepte von Mutti · 6 Kommentare</div>{}</div></body></html>",
        article_body(4)
    );
    assert_eq!(
        published_of(&html, "https://example.com/blog/story.html"),
        "2017-09-09T00:00:00+02:00"
    );
    // A dateline of eleven words.
    let html = html
        .replace("<h2>Samstag, 9. September 2017</h2>", "")
        .replace("<div>Erscheinungsdatum: 14.08.2017</div>", "");
    assert_eq!(
        published_of(&html, "https://example.com/blog/story.html"),
        "2010-12-08T09:43:00+01:00"
    );
}

#[test]
fn publisher_sign_off_after_the_story_is_not_body() {
    let art = format!(
        "<h1>Budget plan passes after long night</h1><p>{PARA}</p><p>{PARA}</p><p>{PARA}</p>\
         <p>Got a story? Get in touch with our news team by emailing us at news@example.com.</p>\
         <p>Follow Example News on Twitter and Facebook for the latest news updates.</p>"
    );
    let x = run(
        &page("", &art),
        "https://example.com/2023/01/30/budget-plan-passes/",
        None,
    );
    assert_eq!(x.article.expect("article").body, [PARA; 3].join("\n\n"));
}

#[test]
fn agency_credits_and_continue_labels_are_not_body() {
    let art = format!(
        "<h1>Budget plan passes after long night</h1><p>{PARA}</p>\
         <div><img src=\"/a.jpg\"><div class=\"x1\">Friso Gentsch/dpa</div></div>\
         <p>{PARA}</p><div>Getty Images</div><p>Article continues below</p><p>{PARA}</p>\
         <p>Reporters asked the AP for comment.</p>"
    );
    let body = story_body(&art);
    assert_eq!(
        body,
        format!("{PARA}\n\n{PARA}\n\n{PARA}\n\nReporters asked the AP for comment.")
    );
}

#[test]
fn soft_hyphens_are_dropped_from_headline_and_body() {
    let art = format!(
        "<h1>Mes&shy;sen&shy;ger&shy;diens&shy;te sind kein Raum</h1><p>{PARA} Rechts\u{ad}frei.</p><p>{PARA}</p>"
    );
    let x = run(
        &page("", &art),
        "https://example.com/2023/01/30/messengerdienste/",
        None,
    );
    let a = x.article.expect("article");
    assert_eq!(a.title, "Messengerdienste sind kein Raum");
    assert!(a.body.contains(" Rechtsfrei.") && !a.body.contains('\u{ad}'));
}

#[test]
fn site_selectors_may_name_attributes_the_extractor_drops() {
    let raw = RawSelectors {
        body: Some("[data-component=story-text]".into()),
        title: Some("[data-testid=headline]".into()),
        ..Default::default()
    };
    let opts = ExtractOptions {
        selectors: SiteSelectors::parse(&raw).expect("selectors"),
        ..Default::default()
    };
    let html = format!(
        "<html><body><b data-testid=\"headline\">Attribute title</b><div>{}</div><div data-component=\"story-text\"><p>{PARA}</p><p>{PARA}</p></div></body></html>",
        article_body(6)
    );
    let x = extract(
        html.as_bytes(),
        None,
        &Url::parse("https://example.com/news/2023/01/30/x").expect("url"),
        &opts,
    )
    .expect("text");
    let a = x.article.expect("article");
    assert_eq!(a.title, "Attribute title");
    assert_eq!(a.body, [PARA; 2].join("\n\n"));
}

/// Authors found on a plain page with the article markup `art`.
fn authors_of(art: &str) -> Vec<String> {
    let x = run(
        &page("", art),
        "https://example.com/news/2023/01/30/budget-plan-passes",
        None,
    );
    x.article.map(|a| a.authors).unwrap_or_default()
}

#[test]
fn an_inline_byline_span_beats_comment_authors_and_the_comment_form() {
    let art = format!(
        "<header class=\"entry-header\"><h1>Budget plan passes</h1>\
         <div class=\"entry-meta\">Veröffentlicht am 30. Januar 2023 <span class=\"byline\">von \
         <span class=\"author vcard\"><a class=\"url fn n\" href=\"/author/am/\">Anna Muster</a></span></span></div></header>\
         {}<div id=\"comments\"><ol class=\"commentlist\"><li><div class=\"comment-author vcard\">Karl Beispiel sagt:</div>\
         <p>Great piece, thanks for writing about the budget.</p></li></ol>\
         <div id=\"respond\"><p class=\"comment-form-author\"><label>Name (erforderlich)</label></p></div></div>",
        article_body(5)
    );
    assert_eq!(authors_of(&art), ["Anna Muster"]);
    // Without the byline, the comment section names no author.
    let art = format!(
        "<h1>Budget plan passes</h1>{}<div class=\"comments-area\"><div class=\"comment-author vcard\">Karl Beispiel sagt:</div>\
         <p class=\"comment-form-author\">Name *</p></div>",
        article_body(5)
    );
    assert!(authors_of(&art).is_empty());
}

#[test]
fn a_rel_author_link_inside_a_date_line_names_the_author() {
    let art = format!(
        "<h1>Budget plan passes</h1><p>Posted on January 30, 2023 by <a rel=\"author\" href=\"/u/bo\">Bo Kim</a></p>{}",
        article_body(5)
    );
    assert_eq!(authors_of(&art), ["Bo Kim"]);
}

#[test]
fn nested_byline_elements_shed_the_date_and_keep_every_name() {
    let art = format!(
        "<h1>Budget plan passes</h1><div class=\"author vcard\">Von <span class=\"article-author\">Tomas Muster</span> Fr, 18. Oktober 2019</div>{}",
        article_body(5)
    );
    assert_eq!(authors_of(&art), ["Tomas Muster"]);
    let art = format!(
        "<h1>Budget plan passes</h1><div class=\"byline\">By <a rel=\"author\" href=\"/a\">Ann Lee</a> and <a rel=\"author\" href=\"/b\">Bo Kim</a></div>{}",
        article_body(5)
    );
    assert_eq!(authors_of(&art), ["Ann Lee", "Bo Kim"]);
    // An author pop-up nested in the byline adds no names.
    let art = format!(
        "<h1>Budget plan passes</h1><span class=\"author-links\"><a class=\"author url fn\" rel=\"author\" href=\"/a\">von Birgit Muster</a>\
         <div class=\"modal\" id=\"authorModal1\" role=\"dialog\"><p class=\"author_name\">Biografie</p>\
         <p class=\"author_links\"><a href=\"/a\">Seite</a></p></div></span>{}",
        article_body(5)
    );
    assert_eq!(authors_of(&art), ["Birgit Muster"]);
}

#[test]
fn hidden_follow_buttons_and_teaser_authors_are_no_byline() {
    let art = format!(
        "<h1>Budget plan passes</h1><div class=\"author-follow\"><button class=\"followAuthorBtn\">Abbrechen</button>\
         <div style=\"display:none\"><a class=\"author-topics\" href=\"/t\">Themen bearbeiten</a></div></div>{}\
         <div class=\"related-posts\"><span class=\"post-author\">Teaser Writer</span></div>",
        article_body(5)
    );
    assert!(authors_of(&art).is_empty());
}

#[test]
fn microdata_author_takes_its_nested_name_not_the_biography() {
    let art = format!(
        "<h1>Budget plan passes</h1>{}<section itemprop=\"author\" itemscope itemtype=\"https://schema.org/Person\">\
         <h3>Über <span itemprop=\"name\">Kathrin</span></h3><p itemprop=\"description\">Hallo, ich bin Foodbloggerin, Backbuchautorin und Journalistin.</p></section>",
        article_body(5)
    );
    assert_eq!(authors_of(&art), ["Kathrin"]);
}

#[test]
fn a_blogger_named_like_the_blog_is_still_the_author() {
    let art = format!(
        "<h1>Budget plan passes</h1><p class=\"entry-meta\"><span class=\"byline\">von <span class=\"author vcard\">wanderlust</span></span></p>{}",
        article_body(5)
    );
    let x = run(
        &page("", &art),
        "https://wanderlust.blog.example/2023/01/30/budget-plan-passes",
        None,
    );
    assert_eq!(
        x.article.map(|a| a.authors).unwrap_or_default(),
        ["wanderlust"]
    );
}

#[test]
fn bylines_in_the_articles_footer_or_beside_the_headline_in_a_sidebar_named_wrapper_count() {
    let art = format!(
        "<h1>Budget plan passes</h1>{}<footer class=\"entry-meta\">Posted in News <span class=\"byline\">von \
         <span class=\"author vcard\"><a class=\"url fn n\" href=\"/author/a/\">Andrea</a></span></span></footer>",
        article_body(5)
    );
    assert_eq!(authors_of(&art), ["Andrea"]);
    let art = format!(
        "<div id=\"sidebar\"><h1>Budget plan passes</h1><div class=\"entry-meta\"><span class=\"author vcard\">\
         <a class=\"author url fn\" rel=\"author\" href=\"/a/\">Heiko Muster</a></span> Do 9 Apr 2020</div></div>{}",
        article_body(5)
    );
    assert_eq!(authors_of(&art), ["Heiko Muster"]);
}

#[test]
fn an_author_cards_follow_button_is_a_word_of_its_own_and_no_name() {
    let art = format!(
        "<h1>Budget plan passes</h1><div class=\"author-info\"><a href=\"/p\">Inga Muster</a><a class=\"follow-button\" href=\"/f\">Follow</a></div>{}",
        article_body(5)
    );
    assert_eq!(authors_of(&art), ["Inga Muster"]);
}

#[test]
fn an_author_class_on_the_whole_post_does_not_make_the_headline_a_byline() {
    let art = format!(
        "<div class=\"hentry author-pamela-muster\"><h1>Yellow Vests and I</h1>{}</div>",
        article_body(5)
    );
    assert!(authors_of(&art).is_empty());
}

#[test]
fn a_declared_site_dash_author_names_the_author() {
    let head = "<meta property=\"og:site_name\" content=\"Daily Example\"><meta name=\"author\" content=\"Daily Example - Alberto Muster\">";
    let art = format!("<h1>Budget plan passes</h1>{}", article_body(5));
    let x = run(
        &page(head, &art),
        "https://example.com/news/2023/01/30/budget-plan-passes",
        None,
    );
    assert_eq!(
        x.article.map(|a| a.authors).unwrap_or_default(),
        ["Alberto Muster"]
    );
}

#[test]
fn a_byline_element_above_the_headline_in_its_article_counts() {
    let art = format!(
        "<div class=\"authors\"><a href=\"/author/mb/\"><img src=\"/mb.jpg\" class=\"author-thumbnail\"> Marina Muster </a></div>\
         <h1 class=\"title\">Budget plan passes</h1>{}",
        article_body(5)
    );
    assert_eq!(authors_of(&art), ["Marina Muster"]);
}

#[test]
fn a_name_bar_date_line_under_the_headline_names_the_author() {
    let art = format!(
        "<h1>Budget plan passes</h1><div class=\"row\"><span>Anna Muster  |</span> <span class=\"tarih\">05.04.2025 - Update : 05.04.2025</span></div>{}",
        article_body(5)
    );
    assert_eq!(authors_of(&art), ["Anna Muster"]);
    let art = format!(
        "<h1>Budget plan passes</h1><p>Premier League | Sport</p>{}",
        article_body(5)
    );
    assert!(authors_of(&art).is_empty());
}

#[test]
fn a_labelled_credit_at_the_end_of_the_article_names_the_author() {
    let art = format!(
        "<h1>Budget plan passes</h1>{}<p>Text: Klaus Muster Fotos: Helmut Roth, Frank Weber</p>",
        article_body(50)
    );
    assert_eq!(authors_of(&art), ["Klaus Muster"]);
}

#[test]
fn a_credit_label_alone_takes_the_next_line_and_lines_after_breaks_count() {
    let art = format!(
        "<h1>Budget plan passes</h1>{}<div class=\"info\"><div>Autor:</div><div>Peter Muster</div></div>",
        article_body(50)
    );
    assert_eq!(authors_of(&art), ["Peter Muster"]);
    let art = format!(
        "<h1>Budget plan passes</h1>{}<p>(wird fortgesetzt)<br>Text: Klaus Muster Fotos: Frank Weber</p>",
        article_body(50)
    );
    assert_eq!(authors_of(&art), ["Klaus Muster"]);
}

/// About 2 MB of pathological markup for each shape the tree builder is slow on, by name.
fn pathological_shapes() -> Vec<(&'static str, String)> {
    const SIZE: usize = 2 << 20;
    let fill = |unit: &dyn Fn(usize) -> String| {
        let mut s = String::with_capacity(SIZE + 64);
        let mut i = 0;
        while s.len() < SIZE {
            s.push_str(&unit(i));
            i += 1;
        }
        s
    };
    let n = |unit: &str| SIZE / unit.len();
    vec![
        (
            "deep divs",
            format!(
                "{}{}{}",
                "<div>".repeat(n("<div></div>")),
                article_body(5),
                "</div>".repeat(n("<div></div>"))
            ),
        ),
        ("self-closed divs", "<div/>".repeat(n("<div/>"))),
        ("unclosed p", fill(&|i| format!("<p>{PARA} {i}"))),
        (
            "unclosed li",
            format!("<ul>{}", fill(&|i| format!("<li>item {i}"))),
        ),
        (
            "unclosed formatting",
            fill(&|i| format!("<b class=b{i}><i class=i{i}><font class=f{i}>{PARA} {i} ")),
        ),
        (
            "formatting reopened per paragraph",
            format!(
                "{}{}",
                (0..2000)
                    .map(|i| format!("<b class=b{i}>"))
                    .collect::<String>(),
                fill(&|i| format!("<p>{PARA} {i}</p>"))
            ),
        ),
        ("nested tables", fill(&|i| format!("<table><tr><td>c{i}"))),
        (
            "a inside a",
            fill(&|i| format!("<a href=\"/news/{i}\">link {i} ")),
        ),
        ("adoption agency", fill(&|i| format!("<b><div>t{i}</b>"))),
        (
            "div end tag in a cell",
            fill(&|i| format!("<div><table><tr><td>t{i}</div>")),
        ),
        (
            "many attributes",
            format!(
                "<div {}>x</div><div {}>y</div>",
                fill(&|i| format!("class=c{i} ")),
                fill(&|i| format!("data-x{i}=1 "))
            ),
        ),
        ("one text node", fill(&|i| format!("{PARA} {i} "))),
        ("tiny elements", fill(&|i| format!("<i>{}</i>", i % 10))),
    ]
}

#[test]
fn pathological_markup_finishes_in_bounded_time() {
    let url = Url::parse("https://example.com/news/2023/01/30/budget-plan-passes").expect("url");
    let with_selectors = ExtractOptions {
        selectors: SiteSelectors::parse(&RawSelectors {
            body: Some("div".into()),
            ..Default::default()
        })
        .expect("selector"),
        ..Default::default()
    };
    for (name, body) in pathological_shapes() {
        let html = format!(
            "<html><head><title>Budget plan passes</title></head><body>{body}</body></html>"
        );
        // All attributes are kept with site selectors: the attribute and depth caps must hold
        // on that path too.
        let variants: &[&ExtractOptions] = if matches!(name, "many attributes" | "deep divs") {
            &[&ExtractOptions::default(), &with_selectors]
        } else {
            &[&ExtractOptions::default()]
        };
        for options in variants {
            let start = std::time::Instant::now();
            let x = extract(html.as_bytes(), None, &url, options).expect("text");
            let took = start.elapsed();
            // `cargo test --release -p newshound-extract pathological -- --nocapture` shows
            // the release-mode figures.
            eprintln!(
                "{name:34} {:>5} KB  selectors {:5}  {took:?}",
                html.len() / 1024,
                !options.selectors.is_empty()
            );
            assert!(
                took < std::time::Duration::from_secs(10),
                "{name}: {took:?}"
            );
            let body = x.article.map(|a| a.body).unwrap_or_default();
            let want = match name {
                "deep divs" => Some(PARA),
                "unclosed p"
                | "unclosed formatting"
                | "one text node"
                | "formatting reopened per paragraph" => Some(PARA),
                _ => None,
            };
            if let Some(want) = want {
                assert!(body.contains(want), "{name}: body lost its text");
            }
            if name == "a inside a" {
                assert!(x.links.len() >= 1000, "{name}: {} links", x.links.len());
            }
        }
    }
}

#[test]
fn text_of_wrappers_past_the_depth_cap_stays() {
    let depth = 2000;
    let art = format!(
        "<h1>Budget plan passes</h1>{}{}{}",
        "<div><span>".repeat(depth),
        article_body(5),
        "</span></div>".repeat(depth)
    );
    let x = run(
        &page("", &art),
        "https://example.com/news/2023/01/30/budget-plan-passes",
        None,
    );
    let body = x.article.map(|a| a.body).unwrap_or_default();
    for i in 0..5 {
        assert!(body.contains(&format!("Paragraph {i}.")), "{body}");
    }
    // The page after the deep part is parsed as usual: the footer is not in the body.
    assert!(!body.contains("Copyright"));
}

#[test]
fn links_past_the_cap_are_counted_not_kept() {
    let links: String = (0..300)
        .map(|i| format!("<a href=\"/news/{}\">s</a> ", i % 250))
        .collect();
    let html = format!(
        "<html><head><link rel=alternate type=application/rss+xml href=/rss.xml></head>\
         <body>{links}</body></html>"
    );
    let url = Url::parse("https://example.com/").expect("url");
    let x = extract(html.as_bytes(), None, &url, &ExtractOptions::default()).expect("text");
    assert_eq!((x.links.len(), x.links_dropped), (251, 0));
    let opts = ExtractOptions {
        max_links: 100,
        ..Default::default()
    };
    let x = extract(html.as_bytes(), None, &url, &opts).expect("text");
    assert_eq!(x.links.len(), 100);
    // The feed, then the first 99 anchors in document order; 201 hrefs unread.
    assert_eq!(x.links[0].url.as_str(), "https://example.com/rss.xml");
    assert_eq!(x.links[99].url.as_str(), "https://example.com/news/98");
    assert_eq!(x.links_dropped, 201);
}

#[test]
fn random_bytes_are_no_article() {
    let mut x: u32 = 0x1234_5678;
    let bytes: Vec<u8> = (0..256 << 10)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8
        })
        .collect();
    let url = Url::parse("https://example.com/news/2023/01/30/x").expect("url");
    let got = extract(&bytes, Some("text/html"), &url, &ExtractOptions::default());
    assert!(
        matches!(&got, Err(ExtractError::NotText { reason }) if reason.contains("control")),
        "{got:?}"
    );
}

/// A one-paragraph post whose sidebar's "about me" box holds more text: the story is the text
/// under the headline that the `<title>` confirms, not the box.
#[test]
fn a_short_post_wins_over_a_longer_sidebar_box() {
    let story = "We walked the old harbour path on Sunday morning and counted the boats that came back before noon, which were fewer than last year.";
    let about = "I am a retired teacher who writes about the town, its walks and its people. I have lived here for forty years and still find new corners every week. Write to me if you know a story worth telling, or a walk I have not yet taken.";
    let html = format!(
        "<html><head><title>Notes from the harbour walk - Ana's Blog</title></head><body>\
         <nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/about\">About</a></li><li><a href=\"/archive\">Archive</a></li></ul></nav>\
         <div id=\"main\"><div class=\"post\"><h2>Notes from the harbour walk</h2><div class=\"post-body\"><p>{story}</p></div></div></div>\
         <div id=\"sidebar\"><div class=\"widget about-me\"><h3>About me</h3><p>{about}</p><p>{about}</p></div>\
         <div class=\"widget\"><h3>Links</h3><ul><li><a href=\"/a\">A friend's blog</a></li><li><a href=\"/b\">The town museum</a></li></ul></div></div>\
         <footer><p>Copyright 2023 Ana.</p></footer></body></html>"
    );
    let x = run(
        &html,
        "http://127.0.0.1:8311/2023/05/notes-from-the-harbour-walk.html",
        None,
    );
    assert_eq!(
        x.explain.body, "the text under the headline, not a boilerplate box",
        "{}",
        x.explain.kind
    );
    let body = x.article.map(|a| a.body).unwrap_or_default();
    assert!(body.contains("old harbour path"), "{body}");
    assert!(!body.contains("retired teacher"), "{body}");
}
