//! Prints what the extractor makes of one page: `inspect PAGE.html URL [TZ]`.

use newshound_extract::{ExtractOptions, extract};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(url)) = (args.next(), args.next()) else {
        eprintln!("usage: inspect PAGE.html URL [TIMEZONE]");
        std::process::exit(2);
    };
    let html = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    let Ok(url) = url::Url::parse(&url) else {
        eprintln!("bad url {url}");
        std::process::exit(2);
    };
    let default_timezone = args.next().and_then(|t| t.parse().ok());
    let x = match extract(
        &html,
        None,
        &url,
        &ExtractOptions {
            default_timezone,
            ..Default::default()
        },
    ) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "kind {:?} lang {:?} encoding {} canonical {:?} links {}",
        x.kind,
        x.language,
        x.encoding,
        x.canonical_url.map(|u| u.to_string()),
        x.links.len()
    );
    if let Some(a) = x.article {
        println!(
            "title {:?}\nsubtitle {:?}\nauthors {:?}\npublished {:?} updated {:?}",
            a.title, a.subtitle, a.authors, a.published, a.updated
        );
        println!(
            "section {:?} tags {:?}\nimages {:?}\nrelated {:?}\n---\n{}",
            a.section,
            a.tags,
            a.images.len(),
            a.related.len(),
            a.body
        );
    }
}
