//! The command-line interface.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

use crate::logging::LogFormat;
use newshound_broker::{AmqpConfig, DEFAULT_FETCH_PARTITIONS, DEFAULT_PREFIX, Topology};
use newshound_core::Queue;
use newshound_core::config::Config;

/// A news-site crawler and article extractor: crawls news sites politely and
/// writes their articles as JSON lines.
#[derive(Debug, Parser)]
#[command(name = "newshound", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log line format on stderr (`RUST_LOG` filters).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Crawl a site with every role in this process: state on local disk, or on
    /// RabbitMQ and Redis when `[backend]` names them.
    Run(RunArgs),
    /// Run the frontier role on RabbitMQ and Redis (seeds, dedup, scheduling).
    Frontier(RoleArgs),
    /// Run a fetch worker on RabbitMQ.
    Fetcher(RoleArgs),
    /// Run a parser worker on RabbitMQ.
    Parser(RoleArgs),
    /// Run a fetch worker and a parser in one process on RabbitMQ: fetched pages go
    /// to the parser in memory, not over the broker.
    Worker(RoleArgs),
    /// Run the sink: the articles queue to OUT/articles.jsonl (and the captures queue
    /// to WARC files when `[output] warc` is on).
    Sink(RoleArgs),
    /// Steer a running crawl: pause, resume, seed, set-rate, reload, drain, status.
    Ctl(crate::ctl::CtlArgs),
    /// Extract the article of one HTML file and print its record as JSON.
    Extract(ExtractArgs),
    /// Run today's extractor over stored WARC captures, writing OUT/articles.jsonl.
    Reextract(ReextractArgs),
    /// Validate a config file.
    Check(CheckArgs),
    /// Print the RabbitMQ topology of a config as a definitions document
    /// (`rabbitmqctl import_definitions`).
    Definitions(DefinitionsArgs),
    /// Measure extraction against a folder of pages with ground truth.
    Eval(newshound_eval::EvalArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The site config (TOML).
    #[arg(long, short)]
    pub config: PathBuf,
    /// Stop when nothing is left to fetch.
    #[arg(long)]
    pub once: bool,
    /// Stop after this many page fetches (what is left stays queued for the next run).
    #[arg(long)]
    pub max_pages: Option<u64>,
    /// Output directory (articles.jsonl); overrides `output.dir`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Embedded state directory; overrides `output.state_dir` (default: OUT/state).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Seconds between progress lines when stderr is not a terminal.
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = progress_every)]
    pub progress_every: f64,
}

/// A progress interval: a positive number of seconds, at most a day.
fn progress_every(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 86_400.0 => Ok(secs),
        _ => Err(format!("`{text}` is not a number of seconds in (0, 86400]")),
    }
}

/// The roles that run as their own processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleCommand {
    Frontier,
    Fetcher,
    Parser,
    /// A fetcher and a parser, pages handed over in memory.
    Worker,
    Sink,
}

impl RoleCommand {
    /// The queues the role consumes.
    pub fn input_queues(self) -> Vec<Queue> {
        match self {
            RoleCommand::Frontier => vec![Queue::Links],
            RoleCommand::Fetcher => vec![Queue::Fetch],
            RoleCommand::Parser => vec![Queue::Pages],
            RoleCommand::Worker => vec![Queue::Fetch, Queue::Pages],
            RoleCommand::Sink => vec![Queue::Articles],
        }
    }
}

#[derive(Debug, Args)]
pub struct RoleArgs {
    /// The site config (TOML) with a `[backend]` section.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Output directory of the sink (`articles.jsonl`); overrides `output.dir`.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The HTML file; `-` reads standard input.
    #[arg(
        required_unless_present = "fetch",
        conflicts_with = "fetch",
        requires = "url"
    )]
    pub file: Option<PathBuf>,
    /// The page's URL (base for links, canonical URL).
    #[arg(long)]
    pub url: Option<String>,
    /// Fetch this page once, as the crawler would (robots.txt obeyed, the host's
    /// rate, the address policy, redirects within scope; no retry), and extract it.
    #[arg(long, value_name = "URL")]
    pub fetch: Option<String>,
    /// A site config: its `[extract]` selectors, timezone and URL rules, and with
    /// `--fetch` its politeness, fetch settings and scope.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Time zone of times the page gives without an offset (default: the config's,
    /// else inferred from the URL's country domain or the page's language, else UTC).
    #[arg(long)]
    pub timezone: Option<String>,
    /// The page's Content-Type header, if known (charset).
    #[arg(long, conflicts_with = "fetch")]
    pub content_type: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReextractArgs {
    /// WARC files (`.warc.gz` or `.warc`), or directories of them.
    #[arg(required = true)]
    pub warcs: Vec<PathBuf>,
    /// Output directory (`articles.jsonl`, appended to and deduplicated).
    #[arg(long)]
    pub out: PathBuf,
    /// The site config whose extraction settings apply (time zone, selectors,
    /// canonicalization, limits); default: the built-in ones.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DefinitionsArgs {
    /// The site config (TOML); its `[backend]` prefix and partitions are used.
    #[arg(long, short)]
    pub config: PathBuf,
    /// The RabbitMQ virtual host.
    #[arg(long, default_value = "/")]
    pub vhost: String,
}

/// `newshound definitions`: the topology every role declares, for operators.
pub fn definitions(args: &DefinitionsArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let topology = match &config.backend {
        Some(backend) => AmqpConfig::for_backend(backend).topology(),
        None => Topology::new(DEFAULT_PREFIX, DEFAULT_FETCH_PARTITIONS),
    };
    crate::stdout::println(&serde_json::to_string_pretty(
        &topology.definitions(&args.vhost),
    )?)
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The site config (TOML).
    #[arg(long, short)]
    pub config: PathBuf,
}

/// `newshound check`: loads and validates the config, printing a summary.
pub fn check(args: &CheckArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    // What the roles compile from the config (the `[extract]` selectors).
    crate::settings::parser(&config)?;
    crate::stdout::println(&format!(
        "{}: site `{}`, {} seed(s), {} req/s per host (burst {}), timezone {}",
        args.config.display(),
        config.name,
        config.seeds.len(),
        config.politeness.requests_per_second,
        config.politeness.burst,
        config
            .timezone
            .map_or_else(|| "inferred per page".to_string(), |tz| tz.to_string())
    ))
}
