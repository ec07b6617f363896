//! `crawl-score --truth URL --articles FILE`: compares a crawl's output with
//! the fixture site's ground truth (`/__truth.jsonl`) and prints the figures.

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;

use newshound_testsite::TruthArticle;

/// Scores a crawl of the fixture site.
#[derive(Parser)]
struct Args {
    /// The fixture site's truth URL, e.g. http://127.0.0.1:8311/__truth.jsonl.
    #[arg(long)]
    truth: String,
    /// The crawl's articles.jsonl.
    #[arg(long)]
    articles: PathBuf,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let body = reqwest::get(&args.truth)
        .await?
        .error_for_status()?
        .text()
        .await?;
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
