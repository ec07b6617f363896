//! Role settings from a config, and the role subcommands (`newshound
//! frontier|fetcher|parser|sink`), each one role in its own process on
//! RabbitMQ and Redis.

use anyhow::Context;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::backends::Backends;
use crate::cli::{RoleArgs, RoleCommand};
use crate::control::Process;
use crate::metrics::{self, MetricsSource};
use crate::output;
use newshound_core::config::Config;
use newshound_core::{ArticleSink, CaptureSink, CrawlStats, Shutdown};
use newshound_extract::ExtractOptions;
use newshound_sink::CountingSink;
use newshound_sink::role::QueueCaptureSink;

/// Link batches the frontier handles at once.
const FRONTIER_CONCURRENCY: usize = 8;

/// Frontier settings.
pub fn frontier_config(config: &Config) -> newshound_frontier::FrontierConfig {
    newshound_frontier::FrontierConfig {
        scope: config.scope.clone(),
        canon: config.canon.clone(),
        concurrency: FRONTIER_CONCURRENCY,
        recrawl: config.recrawl.clone(),
        max_pages_per_host: config.max_pages_per_host,
    }
}

/// Fetcher settings; `once` (a run that ends when idle) gives up hosts that
/// keep failing.
pub fn fetcher_config(
    config: &Config,
    max_pages: Option<u64>,
    once: bool,
) -> newshound_fetcher::FetcherConfig {
    newshound_fetcher::FetcherConfig {
        politeness: config.politeness.clone(),
        fetch: config.fetch.clone(),
        max_pages,
        scope: config.scope.clone(),
        canon: config.canon.clone(),
        give_up_failing_hosts: once,
        capture: config.warc.is_some(),
    }
}

/// Parser settings: pages in flight are mostly waiting on I/O, so several per core.
pub fn parser_config(config: &Config) -> newshound_parser::ParserConfig {
    newshound_parser::ParserConfig {
        extract: ExtractOptions {
            default_timezone: config.timezone,
            selectors: config.selectors.clone(),
            site_hosts: config.scope.host_names(),
            max_links: config.parse.max_links_per_page,
        },
        canon: config.canon.clone(),
        max_body_bytes: config.fetch.max_body_bytes,
        feeds: newshound_feeds::Limits {
            max_bytes: config.parse.max_feed_bytes,
            max_feed_entries: config.parse.max_feed_entries,
            max_sitemap_entries: config.parse.max_sitemap_urls,
            ..newshound_feeds::Limits::default()
        },
        concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()) * 8,
    }
}

/// Fires `shutdown` on Ctrl-C or SIGTERM; a second signal exits at once.
/// The flag returned says whether a signal came.
pub fn stop_on_signals(shutdown: Shutdown) -> Arc<AtomicBool> {
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

/// `newshound frontier|fetcher|parser|sink --config FILE`.
pub async fn run_role(role: RoleCommand, args: RoleArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let backends = Backends::for_role(&config).await?;
    let stats = Arc::new(CrawlStats::default());
    if let Some(listen) = config.metrics_listen {
        let source = MetricsSource {
            site: config.name.clone(),
            stats: stats.clone(),
            queue: backends.queue.clone(),
            queues: vec![role.input_queue()],
        };
        metrics::serve(listen, source).await?;
    }
    let shutdown = Shutdown::new();
    stop_on_signals(shutdown.clone());
    let name = format!("{role:?}").to_lowercase();
    let mut process = Process::new(
        &name,
        args.config.clone(),
        stats.clone(),
        shutdown.clone(),
        backends.queue.clone(),
    );
    tracing::info!(role = %name, site = %config.name, "Role starting");
    let role_task: std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>> =
        match role {
            RoleCommand::Frontier => {
                newshound_frontier::seed(backends.queue.as_ref(), &config.seeds)
                    .await
                    .context("queueing the seeds")?;
                let live = process.frontier_config(&config, true);
                let b = newshound_frontier::FrontierBackends {
                    queue: backends.queue.clone(),
                    seen: backends.seen.clone(),
                    revisits: backends.revisits.clone(),
                    budget: backends.budget.clone(),
                    stats,
                };
                let stop = shutdown.clone();
                Box::pin(async move { Ok(newshound_frontier::run(live, b, stop).await?) })
            }
            RoleCommand::Fetcher => {
                let live = process.fetcher_config(&config, None, false);
                let b = newshound_fetcher::FetcherBackends {
                    queue: backends.queue.clone(),
                    stats,
                    controls: process.controls.clone(),
                };
                let stop = shutdown.clone();
                Box::pin(async move {
                    newshound_fetcher::run(live, b, stop)
                        .await
                        .map(drop)
                        .map_err(Into::into)
                })
            }
            RoleCommand::Parser => {
                let sink = backends
                    .article_publisher
                    .clone()
                    .context("distributed backends have an article publisher")?;
                let live = process.parser_config(&config);
                let captures: Option<Arc<dyn CaptureSink>> = config.warc.as_ref().map(|_| {
                    Arc::new(QueueCaptureSink::new(backends.queue.clone())) as Arc<dyn CaptureSink>
                });
                let b = newshound_parser::ParserBackends {
                    queue: backends.queue.clone(),
                    sink,
                    captures,
                    stats,
                };
                let stop = shutdown.clone();
                Box::pin(async move { Ok(newshound_parser::run(live, b, stop).await?) })
            }
            RoleCommand::Sink => {
                let out = args.out.unwrap_or_else(|| config.out_dir.clone());
                let output = output::open(&config, &out).await?;
                tracing::info!(out = %output.describe, "Sink writing articles");
                let sink: Arc<dyn ArticleSink> =
                    Arc::new(CountingSink::new(output.sink, stats.clone()));
                let queue = backends.queue.clone();
                let stop = shutdown.clone();
                let warc = output.warc;
                Box::pin(async move {
                    let articles =
                        newshound_sink::role::run(queue.clone(), sink, stats.clone(), stop.clone());
                    match warc {
                        None => articles.await?,
                        Some(warc) => {
                            let captures = newshound_sink::role::run_captures(
                                queue,
                                Arc::new(warc.clone()),
                                stats,
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
        };
    let process = Arc::new(process);
    let plane = backends
        .control
        .clone()
        .context("distributed backends have a control plane")?;
    process.clone().serve(plane).await?;
    process.reload_on_sighup();
    role_task.await?;
    tracing::info!(role = %name, "Role stopped");
    Ok(())
}
