//! `newshound extract FILE --url URL`: one page's article record as JSON;
//! `newshound extract --fetch URL`: the same for a page fetched once by the
//! crawler's own fetcher (robots.txt, politeness gate, address policy,
//! redirects within scope), to try a site before crawling it.

use anyhow::{Context, bail};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::ExtractArgs;
use crate::{settings, stdout};
use newshound_core::canon::{CanonRules, host_key};
use newshound_core::config::Config;
use newshound_core::control::Controls;
use newshound_core::message::{FetchJob, FetchedPage, LinkKind};
use newshound_core::{
    CrawlStats, JobQueue, MemoryPages, Message, PageDelivery, PageHandoff, Queue, Shutdown, codec,
};
use newshound_embedded::EmbeddedStore;
use newshound_extract::{ExtractOptions, PageKind};

/// How often the fetch is looked at.
const POLL: Duration = Duration::from_millis(20);

/// Runs `newshound extract`.
pub fn run(args: &ExtractArgs) -> anyhow::Result<()> {
    let config = args
        .config
        .as_deref()
        .map(Config::load)
        .transpose()
        .map_err(anyhow::Error::from)?;
    let mut options = match &config {
        Some(config) => settings::extract(config)?,
        None => ExtractOptions::default(),
    };
    if let Some(name) = args.timezone.as_deref() {
        let tz = name
            .parse::<chrono_tz::Tz>()
            .map_err(|_| anyhow::anyhow!("--timezone `{name}` is not an IANA time zone"))?;
        options.default_timezone = Some(tz);
    }
    let canon = config
        .as_ref()
        .map_or_else(CanonRules::default, |c| c.canon.clone());
    match (&args.fetch, &args.file, &args.url) {
        (Some(url), _, _) => {
            let page = fetch_page(url, config)?;
            let mut article = extract(
                &page.body,
                page.content_type.as_deref(),
                &page.final_url,
                &options,
                &canon,
                page.fetched_at,
                url,
            )?;
            article.redirected_from = page.redirected_from.iter().map(|u| u.to_string()).collect();
            stdout::println(&serde_json::to_string_pretty(&article)?)
        }
        (None, Some(file), Some(url)) => {
            let parsed = url::Url::parse(url).with_context(|| format!("--url `{url}`"))?;
            let html = read_file(file)?;
            let name = file.display().to_string();
            let article = extract(
                &html,
                args.content_type.as_deref(),
                &parsed,
                &options,
                &canon,
                chrono::Utc::now(),
                &name,
            )?;
            stdout::println(&serde_json::to_string_pretty(&article)?)
        }
        _ => bail!("give an HTML file and its --url, or --fetch URL"),
    }
}

fn read_file(file: &Path) -> anyhow::Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        Ok(buf)
    } else {
        std::fs::read(file).with_context(|| format!("reading {}", file.display()))
    }
}

/// The article record of one page (`name`: the file or URL, for errors).
fn extract(
    html: &[u8],
    content_type: Option<&str>,
    url: &url::Url,
    options: &ExtractOptions,
    canon: &CanonRules,
    fetched_at: chrono::DateTime<chrono::Utc>,
    name: &str,
) -> anyhow::Result<newshound_core::message::Article> {
    if html.trim_ascii().is_empty() {
        bail!(
            "{name} is empty{}: no page to extract",
            if html.is_empty() {
                ""
            } else {
                " (whitespace only)"
            }
        );
    }
    let extraction = newshound_extract::extract(html, content_type, url, options)
        .with_context(|| format!("{name} is not an HTML page"))?;
    if extraction.kind == PageKind::Hub {
        bail!(
            "{name} is a hub page (home, section or list), not an article: {} links",
            extraction.links.len()
        );
    }
    newshound_parser::to_article(&extraction, url, canon, fetched_at)
        .with_context(|| format!("{name}: no article fields extracted"))
}

/// Fetches `raw` once with the crawler's fetcher, on a throw-away embedded
/// queue: robots.txt obeyed, the host's politeness gate, the address policy
/// and redirects within the scope of `config` (default settings and the
/// URL's own host when there is none). No retry.
fn fetch_page(raw: &str, config: Option<Config>) -> anyhow::Result<FetchedPage> {
    let url = url::Url::parse(raw).with_context(|| format!("--fetch `{raw}`"))?;
    let config = match config {
        Some(config) => config,
        None => {
            let host = toml::Value::String(host_key(&url));
            let seed = toml::Value::String(url.to_string());
            let text =
                format!("[site]\nname = \"extract\"\nseeds = [{seed}]\nallowed_hosts = [{host}]\n");
            Config::from_toml(Path::new("(--fetch defaults)"), &text)?
        }
    };
    let url = config
        .canon
        .canonicalize(&url)
        .with_context(|| format!("--fetch `{raw}`: not an http(s) URL"))?;
    if let Err(why) = config.scope.check(&url, 0) {
        bail!(
            "--fetch {url}: out of the scope of {} ({why}): add its host to [site] allowed_hosts",
            config.file.display()
        );
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(fetch_once(url, config))
}

async fn fetch_once(url: url::Url, config: Config) -> anyhow::Result<FetchedPage> {
    let dir = tempfile::tempdir().context("creating a temporary queue directory")?;
    let store = EmbeddedStore::open(dir.path())?;
    let queue: Arc<dyn JobQueue> = Arc::new(store);
    let job = FetchJob {
        url: url.clone(),
        depth: 0,
        kind: LinkKind::Seed,
        related: false,
        revisit: None,
    };
    let message = Message {
        payload: codec::encode(&job)?,
        priority: job.priority(),
        partition_key: Some(host_key(&url)),
    };
    queue.publish(Queue::Fetch, vec![message]).await?;
    let mut fetcher_config = settings::fetcher(&config, Some(1), true);
    fetcher_config.fetch.max_attempts = 1;
    let (_config_tx, config_rx) = tokio::sync::watch::channel(Arc::new(fetcher_config));
    let stats = Arc::new(CrawlStats::default());
    let shutdown = Shutdown::new();
    let pages = Arc::new(MemoryPages::new(1, shutdown.clone()));
    let mut incoming = pages.pages(1).await?;
    let fetcher = tokio::spawn(newshound_fetcher::run(
        config_rx,
        newshound_fetcher::FetcherBackends {
            queue: queue.clone(),
            pages,
            stats: stats.clone(),
            controls: Controls::default(),
        },
        shutdown.clone(),
    ));
    // The page comes through the hand-off; a job settled without one leaves
    // the fetch queue with nothing waiting or in flight.
    let page = loop {
        tokio::select! {
            next = incoming.next() => match next {
                Some(Ok(PageDelivery { page, delivery })) => {
                    let page = page.context("reading the fetched page")?;
                    delivery.ack().await?;
                    break Some(page);
                }
                Some(Err(e)) => return Err(e.into()),
                None => break None,
            },
            () = tokio::time::sleep(POLL) => {
                if queue.depth(Queue::Fetch).await?.is_idle() || fetcher.is_finished() {
                    break None;
                }
            }
        }
    };
    shutdown.trigger();
    fetcher.await.context("fetcher task")??;
    page.with_context(|| no_page_because(&url, &stats))
}

/// Why a fetch gave no page, from the fetcher's counters.
fn no_page_because(url: &url::Url, stats: &CrawlStats) -> String {
    if CrawlStats::get(&stats.robots_denied) > 0 {
        return format!("{url}: robots.txt does not allow it (nothing fetched)");
    }
    if let Some((_, why)) = stats.given_up.list().pop() {
        return format!("{url}: {why}");
    }
    let mut errors: Vec<String> = stats
        .hosts
        .snapshot()
        .into_values()
        .filter_map(|h| h.last_error.map(|(_, e)| e))
        .collect();
    match errors.pop() {
        Some(error) => error,
        None => format!("{url}: no page fetched"),
    }
}
