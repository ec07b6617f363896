//! `newshound ctl` against an embedded `newshound run`, through its admin
//! socket: status, pause, seed, resume, set-rate, reload and drain.

use std::time::Duration;

use newshound_e2e::operator::{
    Ctl, all_hosts_config, exercise, first_host_config, host_of, requests, wait_until,
};
use newshound_e2e::score::score;
use newshound_e2e::{Crawl, FixtureSite};

const RATE: f64 = 30.0;
const CONCURRENCY: u16 = 4;

#[test]
fn operator_controls_an_embedded_run() -> anyhow::Result<()> {
    let site = FixtureSite::start_on_hosts(300, 2)?;
    let crawl = Crawl::new(&first_host_config(&site, RATE, CONCURRENCY))?;
    let mut child = crawl.spawn_continuous(1)?;
    let ctl = Ctl {
        config: crawl.config_path().to_path_buf(),
        out: Some(crawl.out.clone()),
    };
    wait_until(Duration::from_secs(120), "first records", || {
        Ok(crawl.records_written() >= 10)
    })?;

    // status agrees with the output and the counters.
    let before = crawl.records_written() as u64;
    let status = ctl.status()?;
    let after = crawl.records_written() as u64;
    let written = status["counters"]["articles_written"].as_u64().unwrap_or(0);
    assert!(
        (before..=after).contains(&written),
        "status says {written} written, the file had {before}..{after}: {status}"
    );
    let fetched = status["counters"]["pages_fetched"].as_u64().unwrap_or(0);
    let seen = status["seen_urls"].as_u64().unwrap_or(0);
    assert!(fetched >= written && seen >= fetched, "{status}");
    // links, fetch, pages, articles, captures.
    assert_eq!(
        status["queues"].as_array().map(Vec::len),
        Some(5),
        "{status}"
    );

    exercise(
        &ctl,
        &site,
        crawl.config_path(),
        RATE,
        CONCURRENCY,
        1,
        &|| crawl.records(),
    )?;

    // drain: the run finishes its work in flight and exits by itself.
    ctl.run(&["drain"])?;
    wait_until(Duration::from_secs(60), "run stopped after drain", || {
        Ok(child.try_wait()?.is_some())
    })?;
    let exit = child.wait()?;
    assert!(exit.success(), "drained run: {exit}\n{}", crawl.stderr(1));

    // Nothing was lost: a run on the same state finishes the crawl (both
    // hosts, since the reload), every article exactly once.
    crawl.run_to_end(2, Duration::from_secs(600))?;
    let s = score(&crawl.records()?, &site.truth());
    println!("{s}");
    assert!(s.missing.is_empty(), "missing: {:?}", s.missing);
    assert!(s.duplicated.is_empty(), "duplicated: {:?}", s.duplicated);
    assert!(s.unexpected.is_empty(), "unexpected: {:?}", s.unexpected);
    Ok(())
}

/// SIGHUP reloads the config like `ctl reload`; SIGTERM then drains.
#[test]
fn sighup_reloads_the_config() -> anyhow::Result<()> {
    let site = FixtureSite::start_on_hosts(100, 2)?;
    let crawl = Crawl::new(&first_host_config(&site, RATE, CONCURRENCY))?;
    let mut child = crawl.spawn_continuous(1)?;
    wait_until(Duration::from_secs(120), "first records", || {
        Ok(crawl.records_written() >= 5)
    })?;
    let second = host_of(&site.bases[1]).to_string();
    assert!(
        !requests(&site)?.iter().any(|(_, h, _)| *h == second),
        "the second host was crawled before the reload"
    );
    std::fs::write(
        crawl.config_path(),
        all_hosts_config(&site, RATE, CONCURRENCY),
    )?;
    signal(&child, libc::SIGHUP)?;
    wait_until(Duration::from_secs(60), "second host crawled", || {
        Ok(requests(&site)?.iter().any(|(_, h, _)| *h == second))
    })?;
    signal(&child, libc::SIGTERM)?;
    let exit = child.wait()?;
    assert!(
        exit.success(),
        "run after SIGTERM: {exit}\n{}",
        crawl.stderr(1)
    );
    Ok(())
}

fn signal(child: &std::process::Child, signal: i32) -> anyhow::Result<()> {
    let pid = i32::try_from(child.id())?;
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(pid, signal) };
    Ok(())
}
