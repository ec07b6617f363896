//! The live settings of the roles one process runs: each role watches its
//! own; a reload replaces them all at once, or none when the new config is
//! bad.

use std::sync::Arc;
use tokio::sync::watch;

use crate::settings;
use newshound_core::config::{Config, ConfigError};
use newshound_fetcher::FetcherConfig;
use newshound_frontier::FrontierConfig;
use newshound_parser::ParserConfig;

/// Which roles a process runs, with what the command line adds to the config.
#[derive(Clone, Copy, Debug, Default)]
pub struct Roles {
    /// The frontier; `Some(revisits)`: whether it comes back to known pages
    /// (a `--once` run records visits but does not revisit).
    pub frontier: Option<bool>,
    /// The fetcher.
    pub fetcher: Option<FetcherRole>,
    /// The parser.
    pub parser: bool,
}

/// What `newshound run` adds to the fetcher's config.
#[derive(Clone, Copy, Debug, Default)]
pub struct FetcherRole {
    /// `--max-pages`.
    pub max_pages: Option<u64>,
    /// `--once`: hosts that keep failing are given up.
    pub once: bool,
}

/// The settings each role watches, one receiver per role the process runs.
pub struct Watches {
    /// The frontier's.
    pub frontier: Option<watch::Receiver<Arc<FrontierConfig>>>,
    /// The fetcher's.
    pub fetcher: Option<watch::Receiver<Arc<FetcherConfig>>>,
    /// The parser's.
    pub parser: Option<watch::Receiver<Arc<ParserConfig>>>,
}

/// The senders of a process's live settings.
pub struct Live {
    roles: Roles,
    frontier: Option<watch::Sender<Arc<FrontierConfig>>>,
    fetcher: Option<watch::Sender<Arc<FetcherConfig>>>,
    parser: Option<watch::Sender<Arc<ParserConfig>>>,
}

/// Every role's settings read off one config.
struct Settings {
    frontier: Option<FrontierConfig>,
    fetcher: Option<FetcherConfig>,
    parser: Option<ParserConfig>,
}

impl Live {
    /// The settings of `roles` read off `config`, and what each role watches.
    ///
    /// # Errors
    /// A setting the config gets wrong (an `[extract]` selector).
    pub fn new(config: &Config, roles: Roles) -> Result<(Live, Watches), ConfigError> {
        let first = Settings::of(config, roles)?;
        let (frontier, frontier_rx) = channel(first.frontier);
        let (fetcher, fetcher_rx) = channel(first.fetcher);
        let (parser, parser_rx) = channel(first.parser);
        let live = Live {
            roles,
            frontier,
            fetcher,
            parser,
        };
        let watches = Watches {
            frontier: frontier_rx,
            fetcher: fetcher_rx,
            parser: parser_rx,
        };
        Ok((live, watches))
    }

    /// Hands every role its settings read off `config`.
    ///
    /// # Errors
    /// A setting the config gets wrong: then no role's settings change.
    pub fn replace(&self, config: &Config) -> Result<(), ConfigError> {
        let next = Settings::of(config, self.roles)?;
        send(self.frontier.as_ref(), next.frontier);
        send(self.fetcher.as_ref(), next.fetcher);
        send(self.parser.as_ref(), next.parser);
        Ok(())
    }

    /// The frontier's settings now, when the process runs one.
    pub fn frontier(&self) -> Option<Arc<FrontierConfig>> {
        self.frontier.as_ref().map(|tx| tx.borrow().clone())
    }
}

impl Settings {
    fn of(config: &Config, roles: Roles) -> Result<Settings, ConfigError> {
        Ok(Settings {
            frontier: roles.frontier.map(|revisits| {
                let mut frontier = settings::frontier(config);
                frontier.recrawl.enabled &= revisits;
                frontier
            }),
            fetcher: roles
                .fetcher
                .map(|f| settings::fetcher(config, f.max_pages, f.once)),
            parser: roles.parser.then(|| settings::parser(config)).transpose()?,
        })
    }
}

type Channel<T> = (
    Option<watch::Sender<Arc<T>>>,
    Option<watch::Receiver<Arc<T>>>,
);

fn channel<T>(first: Option<T>) -> Channel<T> {
    match first {
        Some(value) => {
            let (tx, rx) = watch::channel(Arc::new(value));
            (Some(tx), Some(rx))
        }
        None => (None, None),
    }
}

fn send<T>(tx: Option<&watch::Sender<Arc<T>>>, value: Option<T>) {
    if let (Some(tx), Some(value)) = (tx, value) {
        tx.send_replace(Arc::new(value));
    }
}
