//! `newshound run`: frontier, fetcher and parser in one process on the
//! embedded backends (state on local disk), writing `OUT/articles.jsonl`.

use anyhow::Context;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::RunArgs;
use crate::progress::Progress;
use newshound_core::config::Config;
use newshound_core::{CrawlStats, JobQueue, Queue, Shutdown};
use newshound_embedded::EmbeddedStore;
use newshound_extract::ExtractOptions;
use newshound_sink::JsonlSink;

/// How often the monitor looks at the queues.
const TICK: Duration = Duration::from_millis(200);
/// Consecutive idle ticks before `--once` ends the crawl.
const IDLE_TICKS: u32 = 3;

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let out_dir = args.out.clone().unwrap_or_else(|| config.out_dir.clone());
    let state_dir = args
        .state
        .clone()
        .or_else(|| config.state_dir.clone())
        .unwrap_or_else(|| out_dir.join("state"));
    let store = EmbeddedStore::open(&state_dir)?;
    let sink = JsonlSink::open(&out_dir)?;
    let stats = Arc::new(CrawlStats::default());
    let queue: Arc<dyn JobQueue> = Arc::new(store.clone());
    newshound_frontier::seed(queue.as_ref(), &config.seeds)
        .await
        .context("queueing the seeds")?;
    tracing::info!(site = %config.name, out = %sink.path().display(), state = %state_dir.display(), "Crawl starting");

    let shutdown = Shutdown::new();
    let frontier = tokio::spawn(newshound_frontier::run(
        newshound_frontier::FrontierConfig {
            scope: config.scope.clone(),
            canon: config.canon.clone(),
            concurrency: 8,
        },
        newshound_frontier::FrontierBackends {
            queue: queue.clone(),
            seen: Arc::new(store.clone()),
            stats: stats.clone(),
        },
        shutdown.clone(),
    ));
    let mut fetcher = tokio::spawn(newshound_fetcher::run(
        newshound_fetcher::FetcherConfig {
            politeness: config.politeness.clone(),
            fetch: config.fetch.clone(),
            max_pages: args.max_pages,
        },
        newshound_fetcher::FetcherBackends {
            queue: queue.clone(),
            stats: stats.clone(),
        },
        shutdown.clone(),
    ));
    let parser = tokio::spawn(newshound_parser::run(
        newshound_parser::ParserConfig {
            extract: ExtractOptions {
                default_timezone: Some(config.timezone),
                selectors: config.selectors.clone(),
            },
            canon: config.canon.clone(),
            max_body_bytes: config.fetch.max_body_bytes,
            concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()) * 8,
        },
        newshound_parser::ParserBackends {
            queue: queue.clone(),
            sink: Arc::new(sink.clone()),
            stats: stats.clone(),
        },
        shutdown.clone(),
    ));

    let started = Instant::now();
    let progress = Progress::new(stats.clone(), started);
    let mut fetcher_report = None;
    let mut idle_ticks = 0;
    let mut interrupts = 0;
    let mut ticker = tokio::time::interval(TICK);
    while !shutdown.is_triggered() {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = tokio::signal::ctrl_c() => {
                interrupts += 1;
                if interrupts > 1 {
                    anyhow::bail!("interrupted twice: stopping without waiting for work in flight");
                }
                tracing::info!("Interrupted: finishing work in flight (Ctrl-C again to force)");
                shutdown.trigger();
            }
            report = &mut fetcher, if fetcher_report.is_none() => {
                fetcher_report = Some(report.context("fetcher task")??);
            }
        }
        let depth = |q| store.depth(q);
        let (links, fetch, pages) = (
            depth(Queue::Links).await?,
            depth(Queue::Fetch).await?,
            depth(Queue::Pages).await?,
        );
        progress.update(
            fetch.waiting + links.waiting,
            fetch.in_flight + pages.in_flight,
        );
        let budget_spent = fetcher_report.is_some_and(|r| r.budget_exhausted);
        let idle = links.is_idle() && pages.is_idle() && (fetch.is_idle() || budget_spent);
        idle_ticks = if idle { idle_ticks + 1 } else { 0 };
        if idle_ticks >= IDLE_TICKS && (args.once || budget_spent) {
            shutdown.trigger();
        }
    }
    frontier.await.context("frontier task")??;
    parser.await.context("parser task")??;
    if fetcher_report.is_none() {
        fetcher.await.context("fetcher task")??;
    }
    progress.finish();
    Ok(())
}
