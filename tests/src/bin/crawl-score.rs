//! `crawl-score --truth URL-OR-FILE --articles FILE`: compares a crawl's output
//! with the fixture site's ground truth (`/__truth.jsonl` of the live site, or
//! the `truth.jsonl` of `newshound-testsite --dump-site`) and prints the figures.

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;

use newshound_testsite::TruthArticle;

/// Scores a crawl of the fixture site.
#[derive(Parser)]
struct Args {
    /// The fixture site's truth: a URL (http://127.0.0.1:8311/__truth.jsonl)
    /// or a file (DIR/truth.jsonl of a site dump).
    #[arg(long)]
    truth: String,
    /// The crawl's articles.jsonl.
    #[arg(long)]
    articles: PathBuf,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let body = if args.truth.starts_with("http://") || args.truth.starts_with("https://") {
        reqwest::get(&args.truth)
            .await?
            .error_for_status()?
            .text()
            .await?
    } else {
        std::fs::read_to_string(&args.truth).with_context(|| args.truth.clone())?
    };
    let truth: Vec<TruthArticle> = body
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .context("truth lines")?;
    let text = std::fs::read_to_string(&args.articles)
        .with_context(|| args.articles.display().to_string())?;
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    println!("{}", newshound_e2e::score::score(&records, &truth));
    Ok(())
}
