//! Starting a process: the one sequence `newshound run` and each role command
//! go through. [`Node::start`] takes the config and its backends and sets up
//! counters, the metrics endpoint and the signal handlers; [`Node::process`]
//! is the control part, handed the roles' live settings it steers; then each
//! role is one call that returns its task.

use anyhow::Context;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

use crate::backends::Backends;
use crate::control::Process;
use crate::live::Live;
use crate::metrics::{self, MetricsSource};
use crate::output::Output;
use crate::settings;
use newshound_core::config::Config;
use newshound_core::control::Controls;
use newshound_core::{
    ArticleSink, CaptureSink, CrawlStats, MemoryPages, PageHandoff, Queue, QueuePages, Shutdown,
};
use newshound_fetcher::{FetcherConfig, FetcherError, FetcherReport};
use newshound_frontier::FrontierConfig;
use newshound_parser::ParserConfig;
use newshound_sink::CountingSink;
use newshound_sink::role::QueueCaptureSink;

/// A role's work, run until the process stops.
pub type RoleTask = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;

/// How a process's fetched pages reach its parser (see
/// [`newshound_core::handoff`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagePath {
    /// Fetcher and parser in this process: through memory, each page's
    /// fetch job unacked until the page is parsed.
    Memory,
    /// Through the pages queue: a fetcher or a parser on its own.
    Queue,
}

/// What every role of one process shares.
pub struct Node {
    /// The config the process started with.
    pub config: Config,
    /// Queue, seen-set, schedules (and in distributed mode the broker's
    /// article publisher and control plane).
    pub backends: Backends,
    /// The process's counters.
    pub stats: Arc<CrawlStats>,
    /// How fetched pages reach the parser.
    pub pages: Arc<dyn PageHandoff>,
    /// Stops every role.
    pub shutdown: Shutdown,
    /// Whether a signal stopped the process.
    signalled: Arc<AtomicBool>,
}

impl Node {
    /// A process on `backends` whose pages take `path`: its counters, its
    /// metrics endpoint (when the config names one) showing the depths of
    /// `queues`, and Ctrl-C and SIGTERM stopping it.
    ///
    /// # Errors
    /// When the metrics endpoint cannot be bound.
    pub async fn start(
        config: Config,
        backends: Backends,
        queues: Vec<Queue>,
        path: PagePath,
    ) -> anyhow::Result<Node> {
        let stats = Arc::new(CrawlStats::default());
        let shutdown = Shutdown::new();
        let pages: Arc<dyn PageHandoff> = match path {
            PagePath::Memory => Arc::new(MemoryPages::new(
                settings::parser_concurrency(),
                shutdown.clone(),
            )),
            PagePath::Queue => Arc::new(QueuePages::new(
                backends.queue.clone(),
                config.fetch.max_body_bytes,
            )),
        };
        if let Some(listen) = config.metrics_listen {
            let source = MetricsSource {
                site: config.name.clone(),
                stats: stats.clone(),
                queue: backends.queue.clone(),
                pages: pages.clone(),
                queues,
            };
            metrics::serve(listen, source).await?;
        }
        let signalled = stop_on_signals(shutdown.clone());
        Ok(Node {
            config,
            backends,
            stats,
            pages,
            shutdown,
            signalled,
        })
    }

    /// Whether a signal stopped the process.
    pub fn signalled(&self) -> bool {
        self.signalled.load(Ordering::SeqCst)
    }

    /// Queues the config's seeds for the frontier.
    ///
    /// # Errors
    /// When the links queue does not take them.
    pub async fn seed(&self) -> anyhow::Result<()> {
        newshound_frontier::seed(self.backends.queue.as_ref(), &self.config.seeds)
            .await
            .context("queueing the seeds")
    }

    /// The control part of a process running `roles` (its id): it obeys
    /// commands on the `live` settings it is handed.
    pub fn process(&self, roles: &str, live: Live) -> Process {
        Process::new(
            roles,
            self.config.file.clone(),
            self.stats.clone(),
            self.shutdown.clone(),
            self.backends.queue.clone(),
            live,
        )
    }

    /// The frontier: links to fetch jobs.
    pub fn frontier(&self, live: watch::Receiver<Arc<FrontierConfig>>) -> RoleTask {
        let backends = newshound_frontier::FrontierBackends {
            queue: self.backends.queue.clone(),
            seen: self.backends.seen.clone(),
            revisits: self.backends.revisits.clone(),
            budget: self.backends.budget.clone(),
            stats: self.stats.clone(),
        };
        let stop = self.shutdown.clone();
        Box::pin(async move { Ok(newshound_frontier::run(live, backends, stop).await?) })
    }

    /// The fetcher: fetch jobs to pages, paced by `controls`, until `stop`.
    pub fn fetcher(
        &self,
        live: watch::Receiver<Arc<FetcherConfig>>,
        controls: Controls,
        stop: Shutdown,
    ) -> impl Future<Output = Result<FetcherReport, FetcherError>> + Send + 'static {
        let backends = newshound_fetcher::FetcherBackends {
            queue: self.backends.queue.clone(),
            pages: self.pages.clone(),
            stats: self.stats.clone(),
            controls,
        };
        newshound_fetcher::run(live, backends, stop)
    }

    /// The parser: pages to articles and links. With a broker, articles and
    /// captures go to the sink role over it; without, straight to `output`.
    ///
    /// # Errors
    /// Embedded backends and no `output` to write to.
    pub fn parser(
        &self,
        live: watch::Receiver<Arc<ParserConfig>>,
        output: Option<&Output>,
    ) -> anyhow::Result<RoleTask> {
        let queue = self.backends.queue.clone();
        let (sink, captures): (Arc<dyn ArticleSink>, Option<Arc<dyn CaptureSink>>) =
            match &self.backends.article_publisher {
                Some(publisher) => (
                    publisher.clone(),
                    self.config.warc.as_ref().map(|_| {
                        Arc::new(QueueCaptureSink::new(queue.clone())) as Arc<dyn CaptureSink>
                    }),
                ),
                None => {
                    let output = output
                        .context("a parser on the embedded backends writes the outputs itself")?;
                    (
                        Arc::new(CountingSink::new(output.sink.clone(), self.stats.clone())),
                        output
                            .warc
                            .clone()
                            .map(|warc| Arc::new(warc) as Arc<dyn CaptureSink>),
                    )
                }
            };
        let backends = newshound_parser::ParserBackends {
            pages: self.pages.clone(),
            queue,
            sink,
            captures,
            stats: self.stats.clone(),
        };
        let stop = self.shutdown.clone();
        Ok(Box::pin(async move {
            Ok(newshound_parser::run(live, backends, stop).await?)
        }))
    }

    /// The sink: the articles queue to `output` (and the captures queue to
    /// its WARC files, closed when the role stops).
    pub fn sink(&self, output: &Output) -> RoleTask {
        let queue = self.backends.queue.clone();
        let articles: Arc<dyn ArticleSink> =
            Arc::new(CountingSink::new(output.sink.clone(), self.stats.clone()));
        let stats = self.stats.clone();
        let stop = self.shutdown.clone();
        let warc = output.warc.clone();
        let max_body = self.config.fetch.max_body_bytes;
        Box::pin(async move {
            let articles =
                newshound_sink::role::run(queue.clone(), articles, stats.clone(), stop.clone());
            match warc {
                None => articles.await?,
                Some(warc) => {
                    let captures = newshound_sink::role::run_captures(
                        queue,
                        Arc::new(warc.clone()),
                        stats,
                        max_body,
                        stop,
                    );
                    let (a, c) = tokio::join!(articles, captures);
                    a?;
                    c?;
                    warc.close().await.context("closing the WARC file")?;
                }
            }
            Ok(())
        })
    }
}

/// Fires `shutdown` on Ctrl-C or SIGTERM; a second signal exits at once.
/// The flag returned says whether a signal came.
fn stop_on_signals(shutdown: Shutdown) -> Arc<AtomicBool> {
    let signalled = Arc::new(AtomicBool::new(false));
    let flag = signalled.clone();
    tokio::spawn(async move {
        let mut signals = 0;
        loop {
            wait_for_signal().await;
            signals += 1;
            if signals > 1 {
                eprintln!("newshound: second signal: exiting without waiting for work in flight");
                std::process::exit(130);
            }
            tracing::info!("Stopping: finishing work in flight (signal again to force)");
            flag.store(true, Ordering::SeqCst);
            shutdown.trigger();
        }
    });
    signalled
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            },
            Err(_) => drop(tokio::signal::ctrl_c().await),
        }
    }
    #[cfg(not(unix))]
    drop(tokio::signal::ctrl_c().await);
}
