//! `newshound`: the one binary. It parses the command line, loads the config,
//! sets up logging and hands over to a role or to the all-in-one `run`.
//!
//! Layout:
//! - `cli`: the command-line interface;
//! - `backends`: the embedded or distributed backends a config asks for;
//! - `settings`: each role's settings, read off the config;
//! - `live`: the live settings of a process's roles (replaced on reload);
//! - `wiring`: starting a process and its roles, shared by `run` and `roles`;
//! - `roles`: the one-role subcommands;
//! - `run`: `newshound run`, every role in one process;
//! - `control`: what steers a process (commands, status), handed its live settings;
//! - `admin`: the admin socket of an embedded run;
//! - `ctl`: `newshound ctl`, steering a running crawl;
//! - `status`: the crawl's status report;
//! - `progress`: the live progress line and the final summary;
//! - `metrics`: the Prometheus `/metrics` endpoint;
//! - `logging`: text or JSON log lines;
//! - `extract_cmd`: `newshound extract`;
//! - `reextract`: `newshound reextract`, articles from stored WARC captures;
//! - `output`: the article and WARC outputs a config names;
//! - `stdout`: results on standard output (a closed pipe ends them quietly).

mod admin;
mod backends;
mod cli;
mod control;
mod ctl;
mod extract_cmd;
mod live;
mod logging;
mod metrics;
mod output;
mod progress;
mod reextract;
mod roles;
mod run;
mod settings;
mod status;
mod stdout;
mod wiring;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc as the allocator (feature `mimalloc`, on by default): a crawl
/// builds and frees a DOM, its strings and its links for every page. Built
/// without transparent huge pages (`no_thp`), which tripled the peak RSS.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cli::{Cli, Command, RoleCommand};
use newshound_core::report::error_chain;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.log_format;
    logging::init(format);
    let result = match cli.command {
        Command::Run(args) => tokio_main(run::run(args, format)),
        Command::Frontier(args) => tokio_main(roles::run_role(RoleCommand::Frontier, args)),
        Command::Fetcher(args) => tokio_main(roles::run_role(RoleCommand::Fetcher, args)),
        Command::Parser(args) => tokio_main(roles::run_role(RoleCommand::Parser, args)),
        Command::Worker(args) => tokio_main(roles::run_role(RoleCommand::Worker, args)),
        Command::Sink(args) => tokio_main(roles::run_role(RoleCommand::Sink, args)),
        Command::Ctl(args) => tokio_main(ctl::run(args)),
        Command::Extract(args) => extract_cmd::run(&args),
        Command::Reextract(args) => tokio_main(reextract::run(args)),
        Command::Check(args) => cli::check(&args),
        Command::Definitions(args) => cli::definitions(&args),
        Command::Eval(args) => newshound_eval::run(&args)
            .map_err(anyhow::Error::from)
            .and_then(|report| stdout::println(&report.to_string())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("newshound: error: {}", error_chain(&*e));
            ExitCode::from(2)
        }
    }
}

fn tokio_main(work: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(work)
}
