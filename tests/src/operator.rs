//! Operator control, end to end: the same scenario of `newshound ctl`
//! commands against a crawl, embedded or distributed, judged from the
//! fixture site's own access log and the crawl's output.

use anyhow::{Context, bail, ensure};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::{FixtureSite, newshound_binary};

/// Milliseconds since the Unix epoch (the access log's clock).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// How to reach a crawl with `newshound ctl`.
pub struct Ctl {
    /// The crawl's config file.
    pub config: PathBuf,
    /// The output directory of an embedded run (where its state is).
    pub out: Option<PathBuf>,
}

impl Ctl {
    /// Runs `newshound ctl ARGS` and returns what it printed; fails with
    /// its stderr when it fails.
    pub fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let mut command = Command::new(newshound_binary()?);
        command.arg("ctl").arg("--config").arg(&self.config);
        if let Some(out) = &self.out {
            command.arg("--out").arg(out);
        }
        let output = command
            .args(args)
            .env("RUST_LOG", "warn")
            .env_remove("NEWSHOUND_AMQP_URL")
            .env_remove("NEWSHOUND_REDIS_URL")
            .output()
            .context("running newshound ctl")?;
        if !output.status.success() {
            bail!(
                "newshound ctl {args:?}: {}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// `ctl --json status`, parsed.
    pub fn status(&self) -> anyhow::Result<serde_json::Value> {
        let text = self.run(&["--json", "status"])?;
        serde_json::from_str(&text).with_context(|| format!("status is not JSON: {text}"))
    }
}

/// `(arrival ms, host, path)` of every request in the site's access log.
pub fn requests(site: &FixtureSite) -> anyhow::Result<Vec<(u64, String, String)>> {
    let log = std::fs::read_to_string(&site.access_log)?;
    Ok(log
        .lines()
        .filter_map(|line| {
            let mut f = line.split(' ');
            let ms = f.next()?.parse().ok()?;
            Some((ms, f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect())
}

/// Waits until `done()` holds, checking every 100 ms, for at most `limit`.
pub fn wait_until(
    limit: Duration,
    what: &str,
    mut done: impl FnMut() -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    while !done()? {
        ensure!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// A config for a site on two hosts with only the first in scope (the
/// second is added by a reload), `concurrency` fetches at once per fetcher
/// (few, so that few jobs are held by a paused fetcher).
pub fn first_host_config(site: &FixtureSite, rate: f64, concurrency: u16) -> String {
    let first = site.bases[0].trim_start_matches("http://");
    site.config(rate)
        .replace(
            &allowed_hosts(site),
            &format!("allowed_hosts = [\"{first}\"]"),
        )
        .replace("concurrency = 32", &format!("concurrency = {concurrency}"))
}

/// The same config with every host in scope and every host's home page
/// seeded.
pub fn all_hosts_config(site: &FixtureSite, rate: f64, concurrency: u16) -> String {
    let seeds: Vec<String> = site.bases.iter().map(|b| format!("\"{b}/\"")).collect();
    site.config(rate)
        .replace(
            &format!("seeds = [\"{}/\"]", site.base),
            &format!("seeds = [{}]", seeds.join(", ")),
        )
        .replace("concurrency = 32", &format!("concurrency = {concurrency}"))
}

fn allowed_hosts(site: &FixtureSite) -> String {
    let hosts: Vec<String> = site
        .bases
        .iter()
        .map(|b| format!("\"{}\"", b.trim_start_matches("http://")))
        .collect();
    format!("allowed_hosts = [{}]", hosts.join(", "))
}

/// The `host:port` of a base URL.
pub fn host_of(base: &str) -> &str {
    base.trim_start_matches("http://")
}

/// Pause, seed, resume, set-rate, pause of one host and reload against a
/// running crawl of `site` (two hosts, the second out of scope until the
/// reload), checked from the access log. `config_file` is rewritten for the reload; the
/// crawl must have written a few records already.
pub fn exercise(
    ctl: &Ctl,
    site: &FixtureSite,
    config_file: &Path,
    rate: f64,
    concurrency: u16,
    fetchers: usize,
    records: &dyn Fn() -> anyhow::Result<Vec<serde_json::Value>>,
) -> anyhow::Result<()> {
    let first = host_of(&site.bases[0]).to_string();
    let second = host_of(&site.bases[1]).to_string();

    // pause: nothing is requested from a second after the command on.
    ctl.run(&["pause"])?;
    let paused_at = now_ms();
    std::thread::sleep(Duration::from_secs(3));
    let late: Vec<_> = requests(site)?
        .into_iter()
        .filter(|(ms, _, _)| *ms > paused_at + 1000)
        .collect();
    ensure!(late.is_empty(), "requests after pause: {late:?}");
    let status = ctl.status()?;
    ensure!(
        status["paused"] == true,
        "status does not say paused: {status}"
    );

    // seed while paused: an article fetched before is fetched again, next.
    let seen = records()?;
    let again = seen
        .iter()
        .filter_map(|r| r["canonical_url"].as_str())
        .find(|u| u.contains(&first))
        .context("no record of the first host yet")?
        .to_string();
    let path = again
        .split_once(&first)
        .map(|(_, p)| p.to_string())
        .context("record URL")?;
    ctl.run(&["seed", &again])?;
    // The frontier has scheduled it once the links queue is empty (a fixed
    // pause was too short on a loaded machine).
    wait_until(Duration::from_secs(30), "seeded URL scheduled", || {
        let status = ctl.status()?;
        Ok(status["queues"].as_array().is_some_and(|queues| {
            queues
                .iter()
                .any(|q| q["name"] == "links" && q["waiting"] == 0 && q["in_flight"] == 0)
        }))
    })?;
    std::thread::sleep(Duration::from_millis(300));
    ctl.run(&["resume"])?;
    let resumed_at = now_ms();
    wait_until(Duration::from_secs(30), "seeded URL fetched", || {
        Ok(requests(site)?
            .iter()
            .any(|(ms, _, p)| *ms >= resumed_at && *p == path))
    })?;
    // Jobs a fetcher held while paused (at most `concurrency` each) may go
    // first; then the seeded one.
    let after: Vec<_> = requests(site)?
        .into_iter()
        .filter(|(ms, _, _)| *ms >= resumed_at)
        .collect();
    let position = after
        .iter()
        .position(|(_, _, p)| *p == path)
        .unwrap_or(usize::MAX);
    ensure!(
        position <= usize::from(concurrency) * fetchers,
        "seeded URL was request {position} after resume: {:?}",
        &after[..after.len().min(40)]
    );

    // set-rate: the first host slows to 2 requests per second.
    ctl.run(&["set-rate", &first, "2"])?;
    std::thread::sleep(Duration::from_millis(1500));
    let from = now_ms();
    std::thread::sleep(Duration::from_secs(4));
    let slowed = requests(site)?
        .iter()
        .filter(|(ms, h, _)| *h == first && *ms >= from && *ms < from + 4000)
        .count();
    // 4 s at 2/s plus a burst of 2.
    ensure!(slowed <= 10, "{slowed} requests in 4 s after set-rate 2");
    let status = ctl.status()?;
    let listed = status["hosts"]
        .as_array()
        .and_then(|hosts| hosts.iter().find(|h| h["host"] == first.as_str()))
        .with_context(|| format!("{first} not in status: {status}"))?;
    ensure!(listed["rate"] == 2.0, "status rate of {first}: {listed}");
    ctl.run(&["set-rate", &first, &format!("{rate}")])?;

    // pause one host: nothing is requested from it a second later.
    ctl.run(&["pause", &first])?;
    let host_paused_at = now_ms();
    std::thread::sleep(Duration::from_secs(3));
    let late: Vec<_> = requests(site)?
        .into_iter()
        .filter(|(ms, h, _)| *h == first && *ms > host_paused_at + 1000)
        .collect();
    ensure!(late.is_empty(), "requests to {first} after pause: {late:?}");
    ctl.run(&["resume", &first])?;

    // reload: the second host comes into scope.
    ensure!(
        !requests(site)?
            .iter()
            .any(|(_, h, p)| *h == second && p != "/robots.txt"),
        "the second host was crawled before the reload"
    );
    // Keep the file's `[backend]` section (a distributed crawl's).
    let current = std::fs::read_to_string(config_file)?;
    let backend = current.find("\n[backend]").map_or("", |i| &current[i..]);
    std::fs::write(
        config_file,
        format!("{}{backend}", all_hosts_config(site, rate, concurrency)),
    )?;
    ctl.run(&["reload"])?;
    wait_until(Duration::from_secs(60), "second host crawled", || {
        Ok(requests(site)?.iter().any(|(_, h, _)| *h == second))
    })?;
    Ok(())
}
