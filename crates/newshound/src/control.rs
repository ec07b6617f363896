//! Operator control inside one process: the commands it obeys (from the
//! control exchange, the admin socket or SIGHUP), carried out on the live
//! settings it is handed, and the status it reports.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::live::Live;
use crate::settings;
use newshound_core::config::Config;
use newshound_core::control::{Command, ControlPlane, Controls, Counters, ProcessStatus};
use newshound_core::report::error_chain;
use newshound_core::{CrawlStats, JobQueue, Shutdown};

/// How often a process reports its status and re-reads the stored control
/// state (a broadcast missed while reconnecting is caught up this way).
const REPORT_EVERY: Duration = Duration::from_secs(1);

/// One process's roles and what steers them.
pub struct Process {
    /// `roles@hostname:pid`.
    pub id: String,
    /// The config file, read again on reload.
    pub config_file: PathBuf,
    /// Pauses and per-host rates.
    pub controls: Controls,
    /// The process's counters.
    pub stats: Arc<CrawlStats>,
    /// Stops every role (drain).
    pub shutdown: Shutdown,
    /// Where reloaded seeds and injected URLs go.
    pub queue: Arc<dyn JobQueue>,
    /// The roles' live settings, replaced on reload.
    live: Live,
    /// Counters at the last report, for the rates.
    last: std::sync::Mutex<(Instant, Counters)>,
    /// Whether a drain command came.
    drained: AtomicBool,
}

impl Process {
    /// A process running `roles` (for its id) from `config_file`, steering
    /// their `live` settings.
    pub fn new(
        roles: &str,
        config_file: PathBuf,
        stats: Arc<CrawlStats>,
        shutdown: Shutdown,
        queue: Arc<dyn JobQueue>,
        live: Live,
    ) -> Process {
        let host = hostname();
        Process {
            id: format!("{roles}@{host}:{}", std::process::id()),
            config_file,
            controls: Controls::default(),
            stats,
            shutdown,
            queue,
            live,
            last: std::sync::Mutex::new((Instant::now(), Counters::default())),
            drained: AtomicBool::new(false),
        }
    }

    /// Carries out a command. `seed` and `status` are answered by whoever
    /// received them (`ctl` itself, or the admin socket).
    ///
    /// # Errors
    /// A reload whose config does not load or validate (the running config
    /// stays).
    pub async fn obey(&self, command: &Command) -> anyhow::Result<()> {
        match command {
            Command::Pause { .. } | Command::Resume { .. } | Command::SetRate { .. } => {
                self.controls.apply(command);
                tracing::info!(?command, "Control state changed");
            }
            Command::Reload => self.reload().await?,
            Command::Drain => {
                tracing::info!("Draining: finishing work in flight, then stopping");
                self.drained.store(true, Ordering::SeqCst);
                self.shutdown.trigger();
            }
            Command::Seed { urls } => {
                self.seed(urls).await?;
            }
            Command::Status => {}
        }
        Ok(())
    }

    /// Whether an operator drained the process.
    pub fn drained(&self) -> bool {
        self.drained.load(Ordering::SeqCst)
    }

    /// Queues the URLs the frontier's scope takes at top priority, and
    /// says which it refused and why.
    ///
    /// # Errors
    /// When the config file cannot be read (a process without a frontier)
    /// or the links queue does not take the URLs.
    pub async fn seed(&self, urls: &[String]) -> anyhow::Result<Seeded> {
        let frontier = match self.live.frontier() {
            Some(frontier) => frontier,
            None => Arc::new(settings::frontier(&Config::load(&self.config_file)?)),
        };
        let seeded = seed(self.queue.as_ref(), &frontier, urls).await?;
        for refused in &seeded.refused {
            tracing::warn!(url = %refused.url, reason = %refused.reason, "Seed refused");
        }
        Ok(seeded)
    }

    /// Reads the config file again and hands each role its new settings;
    /// the frontier's new seeds are queued.
    ///
    /// # Errors
    /// When the file does not load or validate.
    pub async fn reload(&self) -> anyhow::Result<()> {
        let file = self.config_file.clone();
        let config = tokio::task::spawn_blocking(move || Config::load(&file))
            .await
            .context("reading the config")??;
        self.live.replace(&config)?;
        if self.live.frontier().is_some() {
            newshound_frontier::seed(self.queue.as_ref(), &config.seeds)
                .await
                .context("queueing the reloaded seeds")?;
        }
        tracing::info!(file = %self.config_file.display(), site = %config.name, "Config reloaded");
        Ok(())
    }

    /// The process's status now; rates are over the time since the last
    /// call.
    pub fn status(&self) -> ProcessStatus {
        let counters = Counters::of(&self.stats);
        let now = Instant::now();
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let secs = now.duration_since(last.0).as_secs_f64().max(1e-3);
        let per_sec = |now: u64, then: u64| now.saturating_sub(then) as f64 / secs;
        let status = ProcessStatus {
            id: self.id.clone(),
            at: chrono::Utc::now(),
            counters,
            pages_per_sec: per_sec(counters.pages_fetched, last.1.pages_fetched),
            articles_per_sec: per_sec(counters.articles_extracted, last.1.articles_extracted),
            hosts: self.stats.hosts.snapshot(),
        };
        *last = (now, counters);
        status
    }

    /// Obeys the commands broadcast on `plane` and reports to it, until
    /// the process stops. Adopts the stored control state first.
    ///
    /// # Errors
    /// When the stored state cannot be read or the broadcast not joined.
    pub async fn serve(self: Arc<Self>, plane: Arc<dyn ControlPlane>) -> anyhow::Result<()> {
        self.controls.adopt(plane.load_state().await?);
        let mut commands = plane.listen().await?;
        let listener = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = listener.shutdown.wait() => return,
                    command = commands.recv() => match command {
                        // Seeds and status are handled by `ctl` itself.
                        Some(Command::Seed { .. } | Command::Status) => {}
                        Some(command) => {
                            if let Err(e) = listener.obey(&command).await {
                                tracing::warn!(error = %error_chain(&*e), ?command, "Command failed");
                            }
                        }
                        None => return,
                    },
                }
            }
        });
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(REPORT_EVERY);
            while !self.shutdown.is_triggered() {
                tokio::select! {
                    _ = ticker.tick() => {}
                    _ = self.shutdown.wait() => break,
                }
                if let Err(e) = plane.report(&self.status()).await {
                    tracing::debug!(error = %error_chain(&e), "Status report failed");
                }
                match plane.load_state().await {
                    Ok(state) => self.controls.adopt(state),
                    Err(e) => tracing::debug!(error = %error_chain(&e), "Control state unreadable"),
                }
            }
        });
        Ok(())
    }

    /// Reloads the config on SIGHUP, until the process stops.
    pub fn reload_on_sighup(self: Arc<Self>) {
        #[cfg(unix)]
        tokio::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut hangups) = signal(SignalKind::hangup()) else {
                tracing::warn!("SIGHUP cannot be caught here; reload with `newshound ctl reload`");
                return;
            };
            loop {
                tokio::select! {
                    _ = self.shutdown.wait() => return,
                    _ = hangups.recv() => {
                        if let Err(e) = self.reload().await {
                            tracing::error!(error = %error_chain(&*e), "Reload failed; the running config stays");
                        }
                    }
                }
            }
        });
    }
}

/// What `ctl seed` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seeded {
    /// The URLs queued, canonical.
    pub queued: Vec<String>,
    /// The URLs the frontier would drop, each with why.
    pub refused: Vec<RefusedSeed>,
}

/// A URL `ctl seed` did not queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedSeed {
    /// The URL as given.
    pub url: String,
    /// Why (`out of the crawl's scope: host not allowed`, ...).
    pub reason: String,
}

/// Queues at top priority the `urls` that `frontier` takes (canonical,
/// in scope); the others are refused with the reason.
///
/// # Errors
/// When the links queue does not take the URLs.
pub async fn seed(
    queue: &dyn JobQueue,
    frontier: &newshound_frontier::FrontierConfig,
    urls: &[String],
) -> anyhow::Result<Seeded> {
    let mut seeded = Seeded::default();
    let mut accepted = Vec::new();
    for raw in urls {
        match newshound_frontier::screen(frontier, raw) {
            Ok(url) => accepted.push(url),
            Err(why) => seeded.refused.push(RefusedSeed {
                url: raw.clone(),
                reason: why.to_string(),
            }),
        }
    }
    if !accepted.is_empty() {
        newshound_frontier::inject(queue, &accepted)
            .await
            .context("queueing the seeded URLs")?;
    }
    seeded.queued = accepted.iter().map(ToString::to_string).collect();
    Ok(seeded)
}

/// This machine's name (for process ids), `localhost` when unknown.
fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
