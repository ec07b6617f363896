//! `newshound-testsite`: serves the synthetic news site until interrupted, publishing and updating articles
//! meanwhile with `--publish-every` / `--update-every`.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use newshound_testsite::{ServeOptions, Site, SiteOptions, dump_site, serve};

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
    /// Publish a new article every SECS seconds (fractions allowed) while serving: it goes to the top of the
    /// home page, its section, the feeds and the sitemaps, with the time of publication.
    #[arg(long, value_name = "SECS", value_parser = seconds, conflicts_with = "dump")]
    publish_every: Option<Duration>,
    /// Update a recently published article every SECS seconds while serving (a new paragraph, a new update
    /// time, the next revision); default with `--publish-every`: every second publication's interval.
    #[arg(long, value_name = "SECS", value_parser = seconds, conflicts_with = "dump")]
    update_every: Option<Duration>,
    /// Instead of serving, write every article page and its truth to DIR in the
    /// evaluation layout (`DIR/html/<n>.html`, `DIR/gt/<n>.json`) and exit.
    #[arg(long, value_name = "DIR")]
    dump: Option<PathBuf>,
    /// Instead of serving, write the whole site (every page a crawler can reach, feeds, sitemaps,
    /// robots.txt, the truth) to DIR as static files for a web server, as served on the `--addr` or
    /// `--hosts` addresses, and exit: `DIR/hosts/HOST:PORT/PATH@QUERY.EXT`, `DIR/types.txt` (EXT and
    /// Content-Type), `DIR/truth.jsonl`. `crates/testsite/nginx/serve.sh DIR` serves it with nginx.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["dump", "publish_every", "update_every"])]
    dump_site: Option<PathBuf>,
}

/// A positive number of seconds.
fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{text:?} is not a positive number of seconds"))
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
    if let Some(dir) = &args.dump_site {
        if addresses.iter().any(|a| a.port() == 0) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "--dump-site needs the port the site will be served on (--addr HOST:PORT, not port 0)",
            ));
        }
        let bases: Vec<String> = addresses.iter().map(|a| format!("http://{a}")).collect();
        let written = dump_site(&site, &bases, dir)?;
        println!(
            "wrote {} files ({} of them hard links to identical ones, {} MB) for {} articles on {} host(s) to {}; \
             {} linked URLs not found, {} disallowed by robots.txt",
            written.files,
            written.linked,
            written.bytes / 1_000_000,
            written.articles,
            bases.len(),
            dir.display(),
            written.not_found,
            written.disallowed,
        );
        return Ok(());
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
            publish_every: args.publish_every,
            update_every: args
                .update_every
                .or_else(|| args.publish_every.map(|every| every * 2)),
        },
        shutdown,
    )
    .await
}
