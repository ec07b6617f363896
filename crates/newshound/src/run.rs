//! `newshound run`: every role in one process, writing `OUT/articles.jsonl`;
//! on the embedded backends (state on local disk) by default, on RabbitMQ and
//! Redis when the config names them.

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::admin;
use crate::backends::Backends;
use crate::cli::RunArgs;
use crate::control::Process;
use crate::logging::LogFormat;
use crate::metrics::{self, MetricsSource};
use crate::output;
use crate::progress::{Finish, Progress, View};
use crate::roles;
use newshound_core::backend::QueueDepth;
use newshound_core::config::Config;
use newshound_core::{ArticleSink, CaptureSink, CrawlStats, Queue, RevisitSchedule, Shutdown};
use newshound_sink::CountingSink;
use newshound_sink::role::QueueCaptureSink;

/// How often the monitor looks at the queues.
const TICK: Duration = Duration::from_millis(200);
/// Consecutive idle ticks before `--once` ends the crawl: the embedded
/// counters are exact; RabbitMQ's management API refreshes its unacked
/// counts every 5 s by default, so the distributed mode waits longer.
const IDLE_TICKS_EMBEDDED: u32 = 3;
const IDLE_TICKS_DISTRIBUTED: u32 = 40;

pub async fn run(args: RunArgs, format: LogFormat) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let out_dir = args.out.clone().unwrap_or_else(|| config.out_dir.clone());
    let state_dir = args
        .state
        .clone()
        .or_else(|| config.state_dir.clone())
        .unwrap_or_else(|| out_dir.join("state"));
    let backends = match &config.backend {
        Some(backend) => Backends::distributed(backend).await?,
        None => Backends::embedded(&state_dir)?,
    };
    let output = output::open(&config, &out_dir).await?;
    let stats = Arc::new(CrawlStats::default());
    if let Some(listen) = config.metrics_listen {
        let source = MetricsSource {
            site: config.name.clone(),
            stats: stats.clone(),
            queue: backends.queue.clone(),
            queues: Queue::ALL.to_vec(),
        };
        metrics::serve(listen, source).await?;
    }
    newshound_frontier::seed(backends.queue.as_ref(), &config.seeds)
        .await
        .context("queueing the seeds")?;
    let mode = if config.backend.is_some() {
        "RabbitMQ and Redis"
    } else {
        "embedded"
    };
    tracing::info!(site = %config.name, out = %output.describe, mode, "Crawl starting");

    let shutdown = Shutdown::new();
    let signalled = roles::stop_on_signals(shutdown.clone());
    let mut process = Process::new(
        "run",
        args.config.clone(),
        stats.clone(),
        shutdown.clone(),
        backends.queue.clone(),
    );
    let mut tasks = tokio::task::JoinSet::new();
    // A crawl that ends when idle does not come back for revisits (its
    // visits are still recorded for a later continuous run).
    let frontier_config = process.frontier_config(&config, !args.once);
    tasks.spawn(newshound_frontier::run(
        frontier_config,
        newshound_frontier::FrontierBackends {
            queue: backends.queue.clone(),
            seen: backends.seen.clone(),
            revisits: backends.revisits.clone(),
            budget: backends.budget.clone(),
            stats: stats.clone(),
        },
        shutdown.clone(),
    ));
    let article_sink: Arc<dyn ArticleSink> =
        Arc::new(CountingSink::new(output.sink.clone(), stats.clone()));
    // Distributed: parsers publish to the articles exchange and the sink role
    // writes the outputs, as separate processes would. Embedded: straight to them.
    let parser_sink = match &backends.article_publisher {
        Some(publisher) => {
            tasks.spawn(newshound_sink::role::run(
                backends.queue.clone(),
                article_sink.clone(),
                stats.clone(),
                shutdown.clone(),
            ));
            publisher.clone()
        }
        None => article_sink.clone(),
    };
    // The same for the captures: over the captures queue to the sink role,
    // or straight to the WARC files.
    let captures: Option<Arc<dyn CaptureSink>> = match (&output.warc, &backends.article_publisher) {
        (Some(warc), Some(_)) => {
            tasks.spawn(newshound_sink::role::run_captures(
                backends.queue.clone(),
                Arc::new(warc.clone()),
                stats.clone(),
                shutdown.clone(),
            ));
            Some(Arc::new(QueueCaptureSink::new(backends.queue.clone())))
        }
        (Some(warc), None) => Some(Arc::new(warc.clone())),
        (None, _) => None,
    };
    tasks.spawn(newshound_parser::run(
        process.parser_config(&config),
        newshound_parser::ParserBackends {
            queue: backends.queue.clone(),
            sink: parser_sink,
            captures,
            stats: stats.clone(),
        },
        shutdown.clone(),
    ));
    let fetcher_shutdown = shutdown.child();
    let mut fetcher = tokio::spawn(newshound_fetcher::run(
        process.fetcher_config(&config, args.max_pages, args.once),
        newshound_fetcher::FetcherBackends {
            queue: backends.queue.clone(),
            stats: stats.clone(),
            controls: process.controls.clone(),
        },
        fetcher_shutdown,
    ));
    let process = Arc::new(process);
    match &backends.control {
        Some(plane) => process.clone().serve(plane.clone()).await?,
        None => {
            let rate = config.politeness.requests_per_second;
            // The crawl goes on without it (a state path too long for a
            // socket name, say), only `ctl` cannot reach it.
            if let Err(e) = admin::serve(&state_dir, process.clone(), backends.clone(), rate).await
            {
                tracing::warn!(error = %format!("{e:#}"), "No admin socket: `newshound ctl` cannot steer this run");
            }
        }
    }
    process.clone().reload_on_sighup();

    let started = Instant::now();
    let progress = Progress::new(
        stats.clone(),
        started,
        Duration::from_secs_f64(args.progress_every),
    );
    let mut next_revisit = NextRevisit::default();
    let mut queued = 0;
    let mut budget_spent = false;
    let mut fetcher_done = false;
    let mut idle_ticks = 0;
    let idle_ticks_needed = if config.backend.is_some() {
        IDLE_TICKS_DISTRIBUTED
    } else {
        IDLE_TICKS_EMBEDDED
    };
    let mut ticker = tokio::time::interval(TICK);
    while !shutdown.is_triggered() {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.wait() => break,
            report = &mut fetcher, if !fetcher_done => {
                fetcher_done = true;
                budget_spent = report.context("fetcher task")??.budget_exhausted;
            }
        }
        let mut depths = [QueueDepth::default(); Queue::ALL.len()];
        for (depth, queue) in depths.iter_mut().zip(Queue::ALL) {
            *depth = backends.queue.depth(queue).await?;
        }
        let [links, fetch, pages, _, _] = depths;
        queued = links.waiting + fetch.waiting;
        let in_flight = fetch.in_flight + pages.in_flight;
        let idle_now = queued == 0 && in_flight == 0;
        progress.update(View {
            queued,
            in_flight,
            paused: process.controls.paused(),
            next_revisit: next_revisit.get(backends.revisits.as_ref(), idle_now).await,
        });
        let idle = crawl_idle(&depths, budget_spent);
        idle_ticks = if idle { idle_ticks + 1 } else { 0 };
        if idle_ticks >= idle_ticks_needed && (args.once || budget_spent) {
            shutdown.trigger();
        }
    }
    shutdown.trigger();
    while let Some(done) = tasks.join_next().await {
        done.context("role task")??;
    }
    if !fetcher_done {
        fetcher.await.context("fetcher task")??;
    }
    if let Some(warc) = &output.warc {
        warc.close().await.context("closing the WARC file")?;
    }
    let finish = if budget_spent {
        Finish::BudgetReached { queued }
    } else if signalled.load(Ordering::SeqCst) {
        Finish::Interrupted
    } else if process.drained() {
        Finish::Drained
    } else {
        Finish::Done
    };
    progress.finish(finish, format);
    Ok(())
}

/// The soonest revisit due, looked up at most once a second and only while
/// the crawl is idle.
#[derive(Default)]
struct NextRevisit {
    checked: Option<Instant>,
    due: Option<DateTime<Utc>>,
}

impl NextRevisit {
    async fn get(&mut self, revisits: &dyn RevisitSchedule, idle: bool) -> Option<DateTime<Utc>> {
        if !idle {
            self.checked = None;
            return None;
        }
        if self
            .checked
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(1))
        {
            self.checked = Some(Instant::now());
            self.due = match revisits.upcoming(1).await {
                Ok(next) => next
                    .first()
                    .and_then(|r| i64::try_from(r.due_ms).ok())
                    .and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
                Err(e) => {
                    tracing::debug!(error = %e, "Revisit schedule unreadable");
                    None
                }
            };
        }
        self.due
    }
}

/// Whether the crawl has nothing left to do: every queue (in
/// [`Queue::ALL`] order) idle, the fetch queue only until the budget is
/// spent. A queue whose in-flight count is unknown (RabbitMQ's management
/// API not answering) is not idle, so `--once` waits for it.
fn crawl_idle(depths: &[QueueDepth; Queue::ALL.len()], budget_spent: bool) -> bool {
    let [links, fetch, pages, articles, captures] = depths;
    links.is_idle()
        && pages.is_idle()
        && articles.is_idle()
        && captures.is_idle()
        && (fetch.is_idle() || budget_spent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_in_flight_count_is_not_idle() {
        let idle = [QueueDepth::default(); Queue::ALL.len()];
        assert!(crawl_idle(&idle, false));
        let unknown = QueueDepth {
            in_flight_unknown: true,
            ..QueueDepth::default()
        };
        for q in [0, 2, 3, 4] {
            let mut depths = idle;
            depths[q] = unknown;
            assert!(!crawl_idle(&depths, false), "queue {q}");
            assert!(!crawl_idle(&depths, true), "queue {q}, budget spent");
        }
        let mut depths = idle;
        depths[1] = unknown;
        assert!(!crawl_idle(&depths, false));
        assert!(
            crawl_idle(&depths, true),
            "the fetch queue does not count once the budget is spent"
        );
    }
}
