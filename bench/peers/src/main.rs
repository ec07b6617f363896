//! `spider-bench`: the peer crawler of `make bench-peers` (issue 13). It crawls every seed host of
//! the fixture site's dump at once with spider-rs (the `spider` crate): one `Website` per seed,
//! all of them concurrently in one process, links only (no page bodies kept, no extraction),
//! robots.txt obeyed, no delay, each crawl fenced to its own host (no subdomains, no other
//! hosts), at most `--per-host` requests in flight per host. It prints the pages each host's
//! crawl visited and the total; the bench counts requests at the server.
//!
//!   spider-bench [--per-host N] [--depth N] [--timeout-secs N] [--visited FILE] URL...
//!
//! `--visited FILE` writes every URL visited, one a line, once every crawl is done.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use spider::url::Url;
use spider::website::{CrawlStatus, Website};

struct Args {
    per_host: usize,
    depth: usize,
    timeout: Duration,
    visited: Option<PathBuf>,
    seeds: Vec<Url>,
}

const USAGE: &str =
    "usage: spider-bench [--per-host N] [--depth N] [--timeout-secs N] [--visited FILE] URL...";

fn number(flag: &str, value: Option<String>) -> Result<u64, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
    value
        .parse::<u64>()
        .map_err(|e| format!("{flag} {value:?}: not a number ({e})"))
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        per_host: 8,
        depth: 20,
        timeout: Duration::from_secs(10),
        visited: None,
        seeds: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--per-host" => args.per_host = number(&arg, it.next())? as usize,
            "--depth" => args.depth = number(&arg, it.next())? as usize,
            "--timeout-secs" => args.timeout = Duration::from_secs(number(&arg, it.next())?),
            "--visited" => {
                let file = it
                    .next()
                    .ok_or_else(|| format!("--visited needs a file\n{USAGE}"))?;
                args.visited = Some(PathBuf::from(file));
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}\n{USAGE}")),
            seed => {
                let url =
                    Url::parse(seed).map_err(|e| format!("seed {seed:?}: not a URL ({e})"))?;
                if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                    return Err(format!("seed {seed:?}: not an http(s) URL with a host"));
                }
                args.seeds.push(url);
            }
        }
    }
    if args.seeds.is_empty() {
        return Err(format!("no seed URL\n{USAGE}"));
    }
    if args.per_host == 0 {
        return Err("--per-host must be at least 1".to_string());
    }
    Ok(args)
}

/// One host's crawl: what it visited, how it ended, how long it took.
struct HostCrawl {
    seed: Url,
    pages: usize,
    links: Vec<String>,
    status: CrawlStatus,
    initial_status: u16,
    elapsed: Duration,
}

/// What each host's crawl is given.
#[derive(Clone, Copy)]
struct Settings {
    per_host: usize,
    depth: usize,
    timeout: Duration,
    keep_links: bool,
}

impl Args {
    fn settings(&self) -> Settings {
        Settings {
            per_host: self.per_host,
            depth: self.depth,
            timeout: self.timeout,
            keep_links: self.visited.is_some(),
        }
    }
}

async fn crawl_host(seed: Url, args: Settings) -> HostCrawl {
    let start = Instant::now();
    let mut website = Website::new_with_firewall(seed.as_str(), false);
    website
        .with_respect_robots_txt(true)
        .with_subdomains(false)
        .with_tld(false)
        .with_delay(0)
        .with_depth(args.depth)
        .with_concurrency_limit(Some(args.per_host))
        .with_request_timeout(Some(args.timeout))
        .with_block_assets(true);
    website.crawl().await;
    HostCrawl {
        pages: website.get_size().await,
        links: if args.keep_links {
            website
                .get_links()
                .iter()
                .map(|link| link.to_string())
                .collect()
        } else {
            Vec::new()
        },
        status: *website.get_status(),
        initial_status: website.get_initial_status_code().as_u16(),
        elapsed: start.elapsed(),
        seed,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("spider-bench: {message}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    // One task per host, all at once: the runtime spreads them (and spider's own fetch tasks)
    // over its worker threads.
    let mut tasks = tokio::task::JoinSet::new();
    for (index, seed) in args.seeds.iter().cloned().enumerate() {
        let settings = args.settings();
        tasks.spawn(async move { (index, crawl_host(seed, settings).await) });
    }
    let mut crawls: Vec<Option<HostCrawl>> = args.seeds.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, crawl)) => crawls[index] = Some(crawl),
            Err(e) => {
                eprintln!("spider-bench: a host's crawl task failed: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let elapsed = start.elapsed();
    let crawls: Vec<HostCrawl> = crawls.into_iter().flatten().collect();

    let mut total = 0;
    let mut failed = false;
    for crawl in &crawls {
        println!(
            "spider {}: {} pages visited in {:.1} s (seed answered {}, crawl status {:?})",
            crawl.seed,
            crawl.pages,
            crawl.elapsed.as_secs_f64(),
            crawl.initial_status,
            crawl.status
        );
        total += crawl.pages;
        if crawl.initial_status != 200 || crawl.pages == 0 {
            eprintln!(
                "spider-bench: the crawl of {} failed: status {} for the seed (spider reports a \
                 connection error as a 5xx too), {} pages visited, crawl status {:?}",
                crawl.seed, crawl.initial_status, crawl.pages, crawl.status
            );
            failed = true;
        }
    }
    println!(
        "spider: {} hosts, {} pages visited in {:.1} s ({} in flight per host at most)",
        crawls.len(),
        total,
        elapsed.as_secs_f64(),
        args.per_host
    );
    if let Some(file) = &args.visited
        && let Err(e) = write_visited(file, &crawls)
    {
        eprintln!("spider-bench: cannot write {}: {e}", file.display());
        return ExitCode::FAILURE;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn write_visited(file: &Path, crawls: &[HostCrawl]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(file)?);
    for link in crawls.iter().flat_map(|crawl| &crawl.links) {
        writeln!(out, "{link}")?;
    }
    out.flush()
}
