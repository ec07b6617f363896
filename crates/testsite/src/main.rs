//! `newshound-testsite`: serves the synthetic news site until interrupted.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use newshound_testsite::{ServeOptions, Site, SiteOptions, serve};

/// Serves a deterministic synthetic news site.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on (port 0 picks a free port); repeat it to spread the site over several hosts.
    #[arg(long, default_value = "127.0.0.1:8311")]
    addr: Vec<SocketAddr>,
    /// Spread the site over N loopback hosts, 127.0.0.11 upwards, on the port of the first `--addr`
    /// (`--hosts 8` serves 127.0.0.11 to 127.0.0.18).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=200), conflicts_with = "dump")]
    hosts: Option<u8>,
    /// Number of articles.
    #[arg(long, default_value_t = 1000)]
    articles: usize,
    /// Seed of the generated content.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Append one line per request to this file.
    #[arg(long)]
    access_log: Option<PathBuf>,
    /// Instead of serving, write every article page and its truth to DIR in the
    /// evaluation layout (`DIR/html/<n>.html`, `DIR/gt/<n>.json`) and exit.
    #[arg(long, value_name = "DIR")]
    dump: Option<PathBuf>,
}

/// The base URL pages are rendered under when dumped.
const DUMP_BASE: &str = "http://127.0.0.1:8311";

/// Writes the article pages and their truth in the layout `newshound eval` reads.
fn dump(site: &Site, dir: &std::path::Path) -> std::io::Result<()> {
    let (html_dir, gt_dir) = (dir.join("html"), dir.join("gt"));
    std::fs::create_dir_all(&html_dir)?;
    std::fs::create_dir_all(&gt_dir)?;
    for (n, truth) in site.truth(DUMP_BASE).iter().enumerate() {
        let path = truth.url.strip_prefix(DUMP_BASE).unwrap_or("/");
        std::fs::write(
            html_dir.join(format!("{n:05}.html")),
            site.render(DUMP_BASE, path).body,
        )?;
        let gt = serde_json::json!({
            "url": truth.url,
            "title": truth.title,
            "authors": truth.authors,
            "date": truth.published,
            "body": truth.body,
        });
        std::fs::write(gt_dir.join(format!("{n:05}.json")), gt.to_string())?;
    }
    println!("wrote {} pages to {}", site.article_count(), dir.display());
    Ok(())
}

/// The addresses to serve on: `--hosts N` loopback hosts, or every `--addr`.
fn listen_addresses(args: &Args) -> Vec<SocketAddr> {
    match args.hosts {
        Some(hosts) => {
            let port = args.addr.first().map_or(8311, SocketAddr::port);
            (0..hosts)
                .map(|k| SocketAddr::from((Ipv4Addr::new(127, 0, 0, 11 + k), port)))
                .collect()
        }
        None => args.addr.clone(),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let addresses = listen_addresses(&args);
    let site = Arc::new(Site::generate(SiteOptions {
        articles: args.articles,
        seed: args.seed,
        hosts: addresses.len(),
    }));
    if let Some(dir) = &args.dump {
        return dump(&site, dir);
    }
    let mut listeners = Vec::with_capacity(addresses.len());
    let mut stdout = std::io::stdout();
    for address in addresses {
        let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot listen on {address}: {e}"))
        })?;
        writeln!(stdout, "listening on http://{}", listener.local_addr()?)?;
        listeners.push(listener);
    }
    stdout.flush()?;
    let shutdown = async {
        // If the signal handler cannot be installed, serve until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    serve(
        listeners,
        site,
        ServeOptions {
            access_log: args.access_log,
        },
        shutdown,
    )
    .await
}
