//! `newshound-testsite`: serves the synthetic news site until interrupted.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use newshound_testsite::{ServeOptions, Site, SiteOptions, serve};

/// Serves a deterministic synthetic news site.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8311")]
    addr: SocketAddr,
    /// Number of articles.
    #[arg(long, default_value_t = 1000)]
    articles: usize,
    /// Seed of the generated content.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Append one line per request to this file.
    #[arg(long)]
    access_log: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let site = Arc::new(Site::generate(SiteOptions {
        articles: args.articles,
        seed: args.seed,
    }));
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{}", listener.local_addr()?)?;
    stdout.flush()?;
    let shutdown = async {
        // If the signal handler cannot be installed, serve until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    serve(
        listener,
        site,
        ServeOptions {
            access_log: args.access_log,
        },
        shutdown,
    )
    .await
}
