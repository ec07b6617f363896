//! What the sink's tests share.

use newshound_core::message::{Article, ArticleFields};

/// A plain record of `url` with `body`, its content hash computed.
pub fn article(url: &str, body: &str) -> Article {
    let mut a = Article {
        url: url.into(),
        redirected_from: Vec::new(),
        canonical_url: url.into(),
        fields: ArticleFields {
            title: "Title".into(),
            subtitle: None,
            authors: vec!["Kim Jae-won".into()],
            published: None,
            updated: None,
            section: None,
            tags: vec![],
            body: body.into(),
            images: vec![],
            related: vec![],
            kind_unsure: false,
        },
        language: Some("en".into()),
        fetched_at: chrono::Utc::now(),
        content_hash: String::new(),
        revision: 1,
    };
    a.content_hash = a.compute_content_hash();
    a
}
