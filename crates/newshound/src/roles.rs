//! The role subcommands (`newshound frontier|fetcher|parser|worker|sink`),
//! each one role in its own process on RabbitMQ and Redis (`worker`: a
//! fetcher and a parser, the pages between them in memory).

use anyhow::Context;
use std::sync::Arc;

use crate::backends::Backends;
use crate::cli::{RoleArgs, RoleCommand};
use crate::live::{FetcherRole, Live, Roles};
use crate::output;
use crate::wiring::{Node, PagePath, RoleTask};
use newshound_core::config::Config;

/// `newshound frontier|fetcher|parser|worker|sink --config FILE`.
pub async fn run_role(role: RoleCommand, args: RoleArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let backends = Backends::for_role(&config).await?;
    // A worker's fetcher hands its pages to its own parser in memory.
    let path = match role {
        RoleCommand::Worker => PagePath::Memory,
        _ => PagePath::Queue,
    };
    let node = Node::start(config, backends, role.input_queues(), path).await?;
    let roles = match role {
        RoleCommand::Frontier => Roles {
            frontier: Some(true),
            ..Roles::default()
        },
        RoleCommand::Fetcher => Roles {
            fetcher: Some(FetcherRole::default()),
            ..Roles::default()
        },
        RoleCommand::Parser => Roles {
            parser: true,
            ..Roles::default()
        },
        RoleCommand::Worker => Roles {
            fetcher: Some(FetcherRole::default()),
            parser: true,
            ..Roles::default()
        },
        RoleCommand::Sink => Roles::default(),
    };
    let (live, watches) = Live::new(&node.config, roles)?;
    let name = format!("{role:?}").to_lowercase();
    let process = node.process(&name, live);
    tracing::info!(role = %name, site = %node.config.name, "Role starting");
    let task: RoleTask = match role {
        RoleCommand::Frontier => {
            node.seed().await?;
            node.frontier(watches.frontier.context("the frontier's settings")?)
        }
        RoleCommand::Fetcher => {
            let fetcher = node.fetcher(
                watches.fetcher.context("the fetcher's settings")?,
                process.controls.clone(),
                node.shutdown.clone(),
            );
            Box::pin(async move { fetcher.await.map(drop).map_err(Into::into) })
        }
        RoleCommand::Parser => {
            node.parser(watches.parser.context("the parser's settings")?, None)?
        }
        RoleCommand::Worker => {
            let fetcher = node.fetcher(
                watches.fetcher.context("the fetcher's settings")?,
                process.controls.clone(),
                node.shutdown.clone(),
            );
            let parser = node.parser(watches.parser.context("the parser's settings")?, None)?;
            Box::pin(async move {
                let (fetched, parsed) = tokio::join!(fetcher, parser);
                fetched?;
                parsed
            })
        }
        RoleCommand::Sink => {
            let out = args.out.unwrap_or_else(|| node.config.out_dir.clone());
            let output = output::open(&node.config, &out).await?;
            tracing::info!(out = %output.describe, "Sink writing articles");
            node.sink(&output)
        }
    };
    let process = Arc::new(process);
    let plane = node
        .backends
        .control
        .clone()
        .context("distributed backends have a control plane")?;
    process.clone().serve(plane).await?;
    process.reload_on_sighup();
    task.await?;
    tracing::info!(role = %name, "Role stopped");
    Ok(())
}
