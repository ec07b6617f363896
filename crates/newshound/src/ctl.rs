//! `newshound ctl`: steers a running crawl. Against a distributed crawl
//! (the config names `[backend]`) commands go over RabbitMQ's control
//! exchange and the control state is stored in Redis; against an embedded
//! `newshound run` they go to its admin socket in the state directory.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use std::path::PathBuf;

use crate::admin;
use crate::backends::Backends;
use crate::control::{self, Seeded};
use crate::settings;
use crate::status::{self, Sources};
use crate::stdout;
use newshound_core::config::Config;
use newshound_core::control::{Command, StatusReport};
use newshound_core::report::error_chain;

#[derive(Debug, Args)]
pub struct CtlArgs {
    /// The crawl's config (TOML): its `[backend]`, or its state directory.
    #[arg(long, short, global = true)]
    pub config: Option<PathBuf>,
    /// Embedded state directory of the run; overrides `output.state_dir`
    /// (default: OUT/state), as for `newshound run --state`.
    #[arg(long, global = true)]
    pub state: Option<PathBuf>,
    /// Output directory of the run, as for `newshound run --out`.
    #[arg(long, global = true)]
    pub out: Option<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: CtlCommand,
}

#[derive(Debug, Subcommand)]
pub enum CtlCommand {
    /// Stop fetching: every host, or HOST (`host[:port]`).
    Pause { host: Option<String> },
    /// Fetch again: every host (clearing every pause), or HOST.
    Resume { host: Option<String> },
    /// Fetch these URLs next (top priority, even if seen before).
    Seed {
        #[arg(required = true)]
        urls: Vec<String>,
    },
    /// Pace HOST at RPS requests per second, across all fetchers.
    SetRate { host: String, rps: f64 },
    /// Re-read the config file in every process (sites, rates, schedules).
    Reload,
    /// Finish the work in flight and stop every process.
    Drain,
    /// Queue depths, rates, counters, errors and per-host state.
    Status,
}

impl From<CtlCommand> for Command {
    fn from(c: CtlCommand) -> Command {
        match c {
            CtlCommand::Pause { host } => Command::Pause { host },
            CtlCommand::Resume { host } => Command::Resume { host },
            CtlCommand::Seed { urls } => Command::Seed { urls },
            CtlCommand::SetRate { host, rps } => Command::SetRate { host, rps },
            CtlCommand::Reload => Command::Reload,
            CtlCommand::Drain => Command::Drain,
            CtlCommand::Status => Command::Status,
        }
    }
}

/// What a command answers besides `ok`.
enum Answer {
    /// Carried out.
    Done,
    /// The crawl's status.
    Status(Box<StatusReport>),
    /// The URLs `seed` queued and refused.
    Seeded(Seeded),
}

/// Runs one `ctl` command.
pub async fn run(args: CtlArgs) -> anyhow::Result<()> {
    let Some(config_file) = &args.config else {
        bail!(
            "newshound ctl needs the crawl's config: --config FILE (before or after the command)"
        );
    };
    let config = Config::load(config_file)?;
    let json = args.json;
    let command: Command = args.command.into();
    if let Err(e) = command.validate() {
        bail!("{e}");
    }
    let answer = match &config.backend {
        Some(backend) => {
            let backends = Backends::distributed(backend).await?;
            distributed(&command, &backends, &config).await?
        }
        None => {
            let out = args.out.clone().unwrap_or_else(|| config.out_dir.clone());
            let state_dir = args
                .state
                .clone()
                .or_else(|| config.state_dir.clone())
                .unwrap_or_else(|| out.join("state"));
            let reply = admin::send(&state_dir, &command).await?;
            if !reply.ok {
                bail!("{}", reply.error.unwrap_or_else(|| "refused".into()));
            }
            match (reply.status, reply.seeded) {
                (Some(report), _) => Answer::Status(Box::new(report)),
                (None, Some(seeded)) => Answer::Seeded(seeded),
                (None, None) => Answer::Done,
            }
        }
    };
    match answer {
        Answer::Status(report) if json => stdout::println(&serde_json::to_string_pretty(&report)?),
        Answer::Status(report) => stdout::println(status::render(&report).trim_end()),
        Answer::Seeded(seeded) => print_seeded(&seeded, json),
        Answer::Done if json => stdout::println("{\"ok\":true}"),
        Answer::Done => stdout::println(&format!("ok: {}", describe(&command))),
    }
}

/// Prints what `seed` queued and refused; refused URLs make the command
/// fail (after the others were queued).
fn print_seeded(seeded: &Seeded, json: bool) -> anyhow::Result<()> {
    if json {
        let answer = serde_json::json!({
            "ok": seeded.refused.is_empty(),
            "queued": seeded.queued,
            "refused": seeded.refused,
        });
        stdout::println(&serde_json::to_string_pretty(&answer)?)?;
    } else {
        let mut text = format!("ok: {} URL(s) queued at top priority", seeded.queued.len());
        for refused in &seeded.refused {
            text.push_str(&format!("\nrefused: {}: {}", refused.url, refused.reason));
        }
        stdout::println(&text)?;
    }
    if !seeded.refused.is_empty() {
        bail!(
            "{} of {} URL(s) refused",
            seeded.refused.len(),
            seeded.refused.len() + seeded.queued.len()
        );
    }
    Ok(())
}

/// Carries out `command` on the crawl's RabbitMQ and Redis.
async fn distributed(
    command: &Command,
    backends: &Backends,
    config: &Config,
) -> anyhow::Result<Answer> {
    let plane = backends
        .control
        .as_ref()
        .context("distributed backends have a control plane")?;
    match command {
        Command::Pause { .. } | Command::Resume { .. } | Command::SetRate { .. } => {
            // Stored first, so that processes starting (or reconnecting)
            // later find it; then broadcast, so that running ones apply it
            // at once.
            let mut state = plane.load_state().await?;
            state.apply(command);
            plane.store_state(&state).await?;
            if let Err(e) = plane.broadcast(command).await {
                eprintln!(
                    "newshound ctl: stored, but not delivered now: {}",
                    error_chain(&e)
                );
            }
            Ok(Answer::Done)
        }
        Command::Reload | Command::Drain => {
            plane.broadcast(command).await?;
            Ok(Answer::Done)
        }
        Command::Seed { urls } => {
            let frontier = settings::frontier(config);
            let seeded = control::seed(backends.queue.as_ref(), &frontier, urls).await?;
            Ok(Answer::Seeded(seeded))
        }
        Command::Status => {
            let sources = Sources {
                queue: backends.queue.as_ref(),
                seen: backends.seen.as_ref(),
                revisits: backends.revisits.as_ref(),
            };
            let state = plane.load_state().await?;
            let processes = plane.reports().await?;
            let rate = config.politeness.requests_per_second;
            Ok(Answer::Status(Box::new(
                status::report(sources, state, processes, rate).await?,
            )))
        }
    }
}

/// What a command did, for the confirmation line.
fn describe(command: &Command) -> String {
    match command {
        Command::Pause { host: None } => "every host paused".into(),
        Command::Pause { host: Some(h) } => format!("{h} paused"),
        Command::Resume { host: None } => "every host resumed".into(),
        Command::Resume { host: Some(h) } => format!("{h} resumed"),
        Command::Seed { urls } => format!("{} URL(s) sent", urls.len()),
        Command::SetRate { host, rps } => format!("{host} paced at {rps} requests per second"),
        Command::Reload => "config reload requested".into(),
        Command::Drain => "drain requested".into(),
        Command::Status => "status".into(),
    }
}
