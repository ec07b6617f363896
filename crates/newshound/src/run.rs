//! `newshound run`: every role in one process, writing `OUT/articles.jsonl`;
//! on the embedded backends (state on local disk) by default, on RabbitMQ and
//! Redis when the config names them.

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::admin;
use crate::backends::Backends;
use crate::cli::RunArgs;
use crate::control::Process;
use crate::live::{FetcherRole, Live, Roles};
use crate::logging::LogFormat;
use crate::output;
use crate::progress::{Finish, Progress, View};
use crate::wiring::{Node, PagePath};
use newshound_core::backend::QueueDepth;
use newshound_core::config::Config;
use newshound_core::report::error_chain;
use newshound_core::{Queue, RevisitSchedule};
use newshound_fetcher::{FetcherError, FetcherReport};

/// How often the monitor looks at the queues.
const TICK: Duration = Duration::from_millis(200);
/// Consecutive idle ticks before `--once` ends the crawl: the embedded
/// counters are exact; RabbitMQ's management API refreshes its unacked
/// counts every 5 s by default, so the distributed mode waits longer.
const IDLE_TICKS_EMBEDDED: u32 = 3;
const IDLE_TICKS_DISTRIBUTED: u32 = 40;

/// `newshound run`: the crawl until it is stopped (or idle, with `--once`).
pub async fn run(args: RunArgs, format: LogFormat) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let out_dir = args.out.clone().unwrap_or_else(|| config.out_dir.clone());
    let state_dir = args
        .state
        .clone()
        .or_else(|| config.state_dir.clone())
        .unwrap_or_else(|| out_dir.join("state"));
    // A crawl that ends when idle does not come back for revisits (its
    // visits are still recorded for a later continuous run).
    let roles = Roles {
        frontier: Some(!args.once),
        fetcher: Some(FetcherRole {
            max_pages: args.max_pages,
            once: args.once,
        }),
        parser: true,
    };
    let (live, watches) = Live::new(&config, roles)?;
    let backends = match &config.backend {
        Some(backend) => Backends::distributed(backend).await?,
        None => Backends::embedded(&state_dir)?,
    };
    let output = output::open(&config, &out_dir).await?;
    // Fetcher and parser share this process: pages go to the parser through
    // memory, their fetch jobs unacked until parsed.
    let node = Node::start(config, backends, Queue::ALL.to_vec(), PagePath::Memory).await?;
    node.seed().await?;
    let distributed = node.config.backend.is_some();
    let mode = if distributed {
        "RabbitMQ and Redis"
    } else {
        "embedded"
    };
    tracing::info!(site = %node.config.name, out = %output.describe, mode, "Crawl starting");

    let process = node.process("run", live);
    let shutdown = node.shutdown.clone();
    let backends = node.backends.clone();
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(node.frontier(watches.frontier.context("the frontier's settings")?));
    // Distributed: parsers publish to the articles exchange and the sink role
    // writes the outputs, as separate processes would. Embedded: straight to them.
    if distributed {
        tasks.spawn(node.sink(&output));
    }
    tasks.spawn(node.parser(
        watches.parser.context("the parser's settings")?,
        Some(&output),
    )?);
    let fetcher = tokio::spawn(node.fetcher(
        watches.fetcher.context("the fetcher's settings")?,
        process.controls.clone(),
        shutdown.child(),
    ));
    let process = Arc::new(process);
    match &backends.control {
        Some(plane) => process.clone().serve(plane.clone()).await?,
        None => {
            let rate = node.config.politeness.requests_per_second;
            // The crawl goes on without it (a state path too long for a
            // socket name, say), only `ctl` cannot reach it.
            if let Err(e) = admin::serve(&state_dir, process.clone(), backends.clone(), rate).await
            {
                tracing::warn!(error = %error_chain(&*e), "No admin socket: `newshound ctl` cannot steer this run");
            }
        }
    }
    process.clone().reload_on_sighup();

    let started = Instant::now();
    let progress = Progress::new(
        node.stats.clone(),
        started,
        Duration::from_secs_f64(args.progress_every),
    );
    let mut fetcher = Some(fetcher);
    let watched = watch(&node, &process, &progress, &mut fetcher, args.once).await?;
    shutdown.trigger();
    while let Some(done) = tasks.join_next().await {
        done.context("role task")??;
    }
    if let Some(fetcher) = fetcher {
        fetcher.await.context("fetcher task")??;
    }
    if let Some(warc) = &output.warc {
        warc.close().await.context("closing the WARC file")?;
    }
    let finish = if watched.budget_spent {
        Finish::BudgetReached {
            queued: watched.queued,
        }
    } else if node.signalled() {
        Finish::Interrupted
    } else if process.drained() {
        Finish::Drained
    } else {
        Finish::Done
    };
    progress.finish(finish, format);
    Ok(())
}

/// The fetcher role's task in `run`.
type FetcherTask = tokio::task::JoinHandle<Result<FetcherReport, FetcherError>>;

/// How the crawl looked when [`watch`] returned.
struct Watched {
    /// URLs waiting to be scheduled or fetched.
    queued: u64,
    /// The `--max-pages` budget was spent.
    budget_spent: bool,
}

/// Watches the queues of `node` every [`TICK`] until its shutdown fires:
/// updates the progress view and, with `once` or a spent page budget, ends
/// the crawl (triggers the shutdown) once it has been idle for long enough.
/// Takes the fetcher's task out of `fetcher` when it ends (its report says
/// whether the budget was spent).
async fn watch(
    node: &Node,
    process: &Process,
    progress: &Progress,
    fetcher: &mut Option<FetcherTask>,
    once: bool,
) -> anyhow::Result<Watched> {
    let (backends, pages, shutdown) = (&node.backends, node.pages.as_ref(), &node.shutdown);
    let distributed = node.config.backend.is_some();
    let mut next_revisit = NextRevisit::default();
    let mut queued = 0;
    let mut budget_spent = false;
    let mut idle_ticks = 0;
    let idle_ticks_needed = if distributed {
        IDLE_TICKS_DISTRIBUTED
    } else {
        IDLE_TICKS_EMBEDDED
    };
    let mut ticker = tokio::time::interval(TICK);
    while !shutdown.is_triggered() {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.wait() => break,
            report = async {
                match fetcher.as_mut() {
                    Some(task) => task.await,
                    None => std::future::pending().await,
                }
            } => {
                *fetcher = None;
                budget_spent = report.context("fetcher task")??.budget_exhausted;
            }
        }
        let mut depths = [QueueDepth::default(); Queue::ALL.len()];
        for (depth, queue) in depths.iter_mut().zip(Queue::ALL) {
            *depth = match queue {
                Queue::Pages => pages.depth().await?,
                _ => backends.queue.depth(queue).await?,
            };
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
        if idle_ticks >= idle_ticks_needed && (once || budget_spent) {
            shutdown.trigger();
        }
    }
    Ok(Watched {
        queued,
        budget_spent,
    })
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
                    tracing::debug!(error = %error_chain(&e), "Revisit schedule unreadable");
                    None
                }
            };
        }
        self.due
    }
}

/// Whether the crawl has nothing left to do: every queue (in
/// [`Queue::ALL`] order) idle; once the budget is spent, the fetch queue's
/// waiting jobs do not count, but its jobs in flight do (a page handed to
/// the parser in memory keeps its job in flight until parsed). A queue
/// whose in-flight count is unknown (RabbitMQ's management API not
/// answering) is not idle, so `--once` waits for it.
fn crawl_idle(depths: &[QueueDepth; Queue::ALL.len()], budget_spent: bool) -> bool {
    let [links, fetch, pages, articles, captures] = depths;
    let fetch_done = if budget_spent {
        fetch.in_flight == 0 && !fetch.in_flight_unknown
    } else {
        fetch.is_idle()
    };
    links.is_idle() && pages.is_idle() && articles.is_idle() && captures.is_idle() && fetch_done
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
        assert!(!crawl_idle(&depths, true), "fetch queue, budget spent");
        depths[1] = QueueDepth {
            waiting: 5,
            ..QueueDepth::default()
        };
        assert!(!crawl_idle(&depths, false));
        assert!(
            crawl_idle(&depths, true),
            "waiting fetch jobs do not count once the budget is spent"
        );
        depths[1].in_flight = 1;
        assert!(
            !crawl_idle(&depths, true),
            "a fetch job in flight (its page not yet parsed) does"
        );
    }
}
