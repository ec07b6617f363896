//! `newshound extract FILE --url URL`: one page's article record as JSON.

use anyhow::{Context, bail};
use std::io::Read;

use crate::cli::ExtractArgs;
use newshound_core::canon::CanonRules;
use newshound_extract::{ExtractOptions, PageKind};

pub fn run(args: &ExtractArgs) -> anyhow::Result<()> {
    let url = url::Url::parse(&args.url).with_context(|| format!("--url `{}`", args.url))?;
    let timezone = args
        .timezone
        .as_deref()
        .map(|name| {
            name.parse::<chrono_tz::Tz>()
                .map_err(|_| anyhow::anyhow!("--timezone `{name}` is not an IANA time zone"))
        })
        .transpose()?;
    let html = if args.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        buf
    } else {
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?
    };
    let options = ExtractOptions {
        default_timezone: timezone,
        ..ExtractOptions::default()
    };
    if html.trim_ascii().is_empty() {
        bail!(
            "{} is empty{}: no page to extract",
            args.file.display(),
            if html.is_empty() {
                ""
            } else {
                " (whitespace only)"
            }
        );
    }
    let extraction =
        newshound_extract::extract(&html, args.content_type.as_deref(), &url, &options)
            .with_context(|| format!("{} is not an HTML page", args.file.display()))?;
    if extraction.kind == PageKind::Hub {
        bail!(
            "{} is a hub page (home, section or list), not an article: {} links",
            args.file.display(),
            extraction.links.len()
        );
    }
    let article = newshound_parser::to_article(
        &extraction,
        &url,
        &CanonRules::default(),
        chrono::Utc::now(),
    )
    .context("no article fields extracted")?;
    println!("{}", serde_json::to_string_pretty(&article)?);
    Ok(())
}
