//! `/metrics` of every role, scraped during a crawl of the fixture site and
//! checked afterwards against the crawl's output and the site's access log:
//! on the real RabbitMQ and Redis with each role its own process (and its own
//! metrics port), and in an embedded `newshound run`.

use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use newshound_e2e::cluster::{Cluster, LIMIT};
use newshound_e2e::score::score;
use newshound_e2e::scrape::{Scrape, free_address};
use newshound_e2e::{Crawl, FixtureSite};

/// Articles of the fixture site crawled here.
const ARTICLES: usize = 300;

/// Longest wait for an endpoint to come up, or for a finished crawl's
/// counters to settle.
const SETTLE_LIMIT: Duration = Duration::from_secs(180);

/// Counters that must be present in every scrape.
const COUNTERS: [&str; 17] = [
    "newshound_fetches_total",
    "newshound_pages_fetched_total",
    "newshound_fetched_bytes_total",
    "newshound_robots_fetches_total",
    "newshound_robots_denied_total",
    "newshound_dedup_misses_total",
    "newshound_dedup_hits_total",
    "newshound_urls_scheduled_total",
    "newshound_revisits_scheduled_total",
    "newshound_over_host_budget_total",
    "newshound_extraction_failures_total",
    "newshound_pages_not_text_total",
    "newshound_articles_extracted_total",
    "newshound_articles_written_total",
    "newshound_retries_total",
    "newshound_dead_letters_total",
    "newshound_dead_letter_reasons_total",
];

/// Scrapes `address` until it answers (the process is starting).
fn scrape_when_up(address: SocketAddr) -> anyhow::Result<Scrape> {
    let started = Instant::now();
    loop {
        match Scrape::get(address) {
            Ok(scrape) => return Ok(scrape),
            Err(e) if started.elapsed() > SETTLE_LIMIT => {
                return Err(e.context(format!("{address}/metrics never answered")));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// Every endpoint once, in order.
fn scrape_all(endpoints: &[(String, SocketAddr)]) -> anyhow::Result<Vec<Scrape>> {
    endpoints
        .iter()
        .map(|(role, address)| Scrape::get(*address).with_context(|| format!("scraping {role}")))
        .collect()
}

/// Every counter of every process, without the queue gauges.
fn counters(scrapes: &[Scrape]) -> Vec<Scrape> {
    scrapes
        .iter()
        .map(|s| {
            Scrape(
                s.0.iter()
                    .filter(|(name, _)| !name.starts_with("newshound_queue_"))
                    .map(|(name, value)| (name.clone(), *value))
                    .collect(),
            )
        })
        .collect()
}

/// Scrapes every endpoint until the crawl is over: every queue gauge 0 and
/// every counter unchanged since a scrape `quiet` earlier (RabbitMQ's
/// management API refreshes its unacked counts every 5 s).
fn settled(endpoints: &[(String, SocketAddr)], quiet: Duration) -> anyhow::Result<Vec<Scrape>> {
    let started = Instant::now();
    let mut before = counters(&scrape_all(endpoints)?);
    loop {
        std::thread::sleep(quiet);
        let now = scrape_all(endpoints)?;
        let idle = now.iter().all(|s| {
            ["newshound_queue_waiting", "newshound_queue_in_flight"]
                .iter()
                .all(|gauge| s.sum(gauge) == 0.0)
        });
        let counted = counters(&now);
        if idle && counted == before {
            return Ok(now);
        }
        if started.elapsed() > SETTLE_LIMIT {
            bail!("the crawl's counters did not settle: {now:#?}");
        }
        before = counted;
    }
}

/// The access log's requests: (robots.txt requests, other requests, other
/// requests answered 2xx).
fn served(site: &FixtureSite) -> anyhow::Result<(f64, f64, f64)> {
    let mut robots = 0.0;
    let mut pages = 0.0;
    let mut pages_2xx = 0.0;
    for (path, visits) in site.requests_by_path()? {
        let n = visits.len() as f64;
        if path == "/robots.txt" {
            robots += n;
        } else {
            pages += n;
            pages_2xx += visits.iter().filter(|(_, s)| s.starts_with('2')).count() as f64;
        }
    }
    Ok((robots, pages, pages_2xx))
}

/// Checks the counters of a finished crawl (`mid`: scrapes taken during it,
/// `end`: after it) against its output and the site's access log.
fn check(
    site: &FixtureSite,
    records: &[serde_json::Value],
    mid: &[Scrape],
    end: &[Scrape],
) -> anyhow::Result<()> {
    for scrape in mid.iter().chain(end) {
        for counter in COUNTERS {
            assert!(
                scrape.0.keys().any(|k| k.starts_with(counter)),
                "{counter} missing"
            );
        }
        // The histograms are there too.
        scrape.value("newshound_fetch_duration_seconds_count")?;
        scrape.value("newshound_politeness_wait_seconds_count")?;
    }
    // Counters only grow.
    for (before, after) in mid.iter().zip(end) {
        let growing = before
            .0
            .iter()
            .filter(|(series, _)| !series.starts_with("newshound_queue_"));
        for (series, value) in growing {
            assert!(
                after.value(series)? >= *value,
                "{series} went down: {value} -> {}",
                after.value(series)?
            );
        }
    }
    let total = Scrape::total(end);
    let truth = site.truth();
    let s = score(records, &truth);
    assert_eq!(s.found_once, truth.len(), "{s}");
    let written = records.len() as f64;

    // Articles: the sink's counter is the output, exactly.
    assert_eq!(
        total.value("newshound_articles_written_total{site=\"fixture\"}")?,
        written
    );
    let extracted = total.value("newshound_articles_extracted_total{site=\"fixture\"}")?;
    assert!(
        extracted >= written,
        "{extracted} extracted, {written} written"
    );

    // Fetches, against the site's own access log.
    let (robots_served, pages_served, pages_2xx_served) = served(site)?;
    let fetches = total.sum("newshound_fetches_total");
    let fetches_2xx = total.value("newshound_fetches_total{class=\"2xx\"}")?;
    let failed = total.value("newshound_fetches_total{class=\"error\"}")?;
    assert_eq!(fetches_2xx, pages_2xx_served, "2xx fetches against the log");
    assert_eq!(
        fetches - failed,
        pages_served,
        "answered fetches against the log"
    );
    assert_eq!(
        total.value("newshound_robots_fetches_total")?,
        robots_served,
        "robots.txt fetches against the log"
    );
    assert!(
        fetches_2xx >= written,
        "{fetches_2xx} 2xx fetches, {written} articles"
    );
    let pages = total.value("newshound_pages_fetched_total")?;
    assert!(
        pages >= written && pages <= fetches,
        "{pages} pages fetched"
    );
    assert!(total.value("newshound_fetched_bytes_total")? > pages * 100.0);
    // Every fetch is timed, and waits for its host's gate (robots.txt too).
    assert_eq!(
        total.value("newshound_fetch_duration_seconds_count")?,
        fetches
    );
    assert!(
        total.value("newshound_politeness_wait_seconds_count")? >= fetches + robots_served,
        "politeness waits"
    );

    // Frontier: every scheduled URL is fetched or forbidden by robots.txt (a
    // retried fetch is fetched again).
    let misses = total.value("newshound_dedup_misses_total")?;
    let scheduled = total.value("newshound_urls_scheduled_total")?;
    let revisits = total.value("newshound_revisits_scheduled_total")?;
    let denied = total.value("newshound_robots_denied_total")?;
    let fetch_retries = total.value("newshound_retries_total{queue=\"fetch\"}")?;
    assert!(denied > 0.0, "the fixture's robots.txt forbids some links");
    assert_eq!(
        fetches - fetch_retries + denied,
        scheduled + revisits,
        "scheduled jobs against fetches and robots.txt denials"
    );
    // Every new URL is scheduled once; a link batch retried (a backend call
    // timed out on a loaded machine) schedules its URLs again, seen or not.
    let link_retries = total.value("newshound_retries_total{queue=\"links\"}")?;
    if link_retries == 0.0 {
        assert_eq!(misses, scheduled, "dedup misses against URLs scheduled");
    } else {
        assert!(scheduled >= misses, "{scheduled} scheduled, {misses} new");
    }
    assert_eq!(total.value("newshound_over_host_budget_total")?, 0.0);
    assert!(
        total.value("newshound_dedup_hits_total")? > 0.0,
        "pages link to each other"
    );

    // A clean crawl of a well-formed site.
    assert_eq!(total.sum("newshound_dead_letters_total"), 0.0);
    assert_eq!(total.value("newshound_extraction_failures_total")?, 0.0);
    assert_eq!(total.sum("newshound_queue_dead"), 0.0);
    Ok(())
}

#[test]
fn distributed_roles_count_what_the_crawl_did() -> anyhow::Result<()> {
    let site = FixtureSite::start(ARTICLES)?;
    let mut cluster = Cluster::new(&site.config(400.0), "metrics")?;
    let mut endpoints = Vec::new();
    for role in ["sink", "frontier", "fetcher", "fetcher", "parser", "parser"] {
        let address = free_address()?;
        let listen = address.to_string();
        cluster.start_with_env(role, &[("NEWSHOUND_METRICS_LISTEN", &listen)])?;
        endpoints.push((role.to_string(), address));
    }
    for (role, address) in &endpoints {
        let first = scrape_when_up(*address).with_context(|| role.clone())?;
        // Each role samples the depth of the queue it consumes.
        let queue = match role.as_str() {
            "sink" => "articles",
            "frontier" => "links",
            "fetcher" => "fetch",
            _ => "pages",
        };
        first.value(&format!("newshound_queue_waiting{{queue=\"{queue}\"}}"))?;
    }
    cluster.wait_for_records(ARTICLES / 2, LIMIT)?;
    let mid = scrape_all(&endpoints)?;
    cluster.wait_for_records(ARTICLES, LIMIT)?;
    let end = settled(&endpoints, Duration::from_secs(6))?;
    cluster.stop()?;
    // Shown when a check fails.
    println!("{}", cluster.logs());
    check(&site, &cluster.records()?, &mid, &end)
}

#[test]
fn embedded_run_counts_what_the_crawl_did() -> anyhow::Result<()> {
    let site = FixtureSite::start(ARTICLES)?;
    let address = free_address()?;
    let config = format!(
        "{}\n[metrics]\nlisten = \"{address}\"\n",
        site.config(400.0)
    );
    let crawl = Crawl::new(&config)?;
    let mut child = crawl.spawn_continuous(1)?;
    let endpoints = [("run".to_string(), address)];
    let outcome = (|| {
        let first = scrape_when_up(address)?;
        for queue in ["links", "fetch", "pages", "articles", "captures"] {
            first.value(&format!("newshound_queue_waiting{{queue=\"{queue}\"}}"))?;
        }
        let started = Instant::now();
        while crawl.records_written() < ARTICLES / 2 {
            if started.elapsed() > LIMIT {
                bail!("{} records:\n{}", crawl.records_written(), crawl.stderr(1));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mid = scrape_all(&endpoints)?;
        while crawl.records_written() < ARTICLES {
            if started.elapsed() > LIMIT {
                bail!("{} records:\n{}", crawl.records_written(), crawl.stderr(1));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let end = settled(&endpoints, Duration::from_secs(1))?;
        check(&site, &crawl.records()?, &mid, &end)
    })();
    child.kill().ok();
    child.wait().ok();
    outcome
}
