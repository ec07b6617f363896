//! Criterion bench: extraction of one generated ~100 KB article page.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use newshound_extract::{ExtractOptions, extract};
use url::Url;

fn page() -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Council approves budget | Example News</title>\
         <meta property=\"og:type\" content=\"article\"><meta property=\"article:published_time\" content=\"2024-03-05T10:15:00+01:00\">\
         <script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"NewsArticle\",\"headline\":\"Council approves budget\",\
         \"author\":[{\"@type\":\"Person\",\"name\":\"Jane Doe\"}],\"datePublished\":\"2024-03-05T10:15:00+01:00\"}</script>",
    );
    html.push_str(&"<style>.a{color:red}</style><script>var x = 1;</script>".repeat(20));
    html.push_str("</head><body><header><nav class=\"main-nav\"><ul>");
    for i in 0..300 {
        html.push_str(&format!(
            "<li class=\"nav-item\"><a href=\"/section-{i}/\">Section {i}</a></li>"
        ));
    }
    html.push_str("</ul></nav></header><main><article><h1>Council approves budget</h1><div class=\"byline\">By Jane Doe</div><div class=\"article-body\">");
    for i in 0..270 {
        html.push_str(&format!(
            "<p>Paragraph {i}: the city council voted on Tuesday to approve a budget that raises spending on \
             <a href=\"/topics/schools\">schools</a> and transport, after a debate that lasted well into the night and \
             drew hundreds of residents to the chamber.</p>"
        ));
        if i % 30 == 5 {
            html.push_str("<figure><img src=\"/img/photo.jpg\"><figcaption>The council chamber.</figcaption></figure><div class=\"ad-slot\">Advertisement</div>");
        }
    }
    html.push_str("</div><aside class=\"related\"><h3>Related stories</h3><ul>");
    for i in 0..30 {
        html.push_str(&format!("<li><a href=\"/news/2024/03/0{}/story-{i}-headline-words-here\">Story {i} headline words here</a></li>", i % 9 + 1));
    }
    html.push_str("</ul></aside></article></main><footer>");
    for i in 0..200 {
        html.push_str(&format!("<a href=\"/footer/{i}\">Footer link {i}</a> "));
    }
    html.push_str("</footer></body></html>");
    html
}

fn bench(c: &mut Criterion) {
    let html = page();
    let url = Url::parse("https://example.com/news/2024/03/05/council-approves-budget")
        .expect("static url");
    let options = ExtractOptions::default();
    c.bench_function(&format!("extract {} KB article", html.len() / 1024), |b| {
        b.iter(|| {
            extract(
                black_box(html.as_bytes()),
                Some("text/html; charset=utf-8"),
                &url,
                &options,
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
