//! End-to-end: the per-host page budget (`[site] max_pages_per_host`) bounds
//! an embedded `newshound run --once` crawl of a site with far more pages.

use std::time::Duration;

use newshound_e2e::{Crawl, FixtureSite};

/// The budget.
const BUDGET: usize = 50;

/// A 500-article site crawled with a budget of 50 pages: the crawl ends on
/// its own, and the server saw at most 50 page requests (robots.txt aside;
/// the seed is one of the 50).
#[test]
fn crawl_stops_at_the_host_budget() -> anyhow::Result<()> {
    let site = FixtureSite::start(500)?;
    let config = site.config(1000.0).replacen(
        "[site]\n",
        &format!("[site]\nmax_pages_per_host = {BUDGET}\n"),
        1,
    );
    let crawl = Crawl::new(&config)?;
    let stderr = crawl.run_to_end(1, Duration::from_secs(300))?;
    assert!(
        stderr.contains("crawl done:"),
        "no summary line in:\n{stderr}"
    );
    let pages: Vec<String> = site
        .requested_paths()?
        .into_iter()
        .filter(|p| p != "/robots.txt")
        .collect();
    println!("{} pages fetched: {pages:?}", pages.len());
    assert!(
        pages.len() <= BUDGET,
        "{} pages fetched with a budget of {BUDGET}",
        pages.len()
    );
    // The budget was spent: the site has more than enough pages.
    assert!(
        pages.len() >= BUDGET - 5,
        "only {} pages fetched",
        pages.len()
    );
    Ok(())
}
