//! Operator control: the commands `newshound ctl` sends, the live state they
//! set in every process (pauses and per-host rates), how they travel (the
//! [`ControlPlane`] of a distributed crawl; an embedded `run` takes them on
//! its admin socket), and the status report.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, watch};

use crate::backend::{BackendError, QueueDepth};
use crate::stats::CrawlStats;

/// A command from an operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Command {
    /// Stop fetching: every host, or one.
    Pause {
        /// The host (`host[:port]`); `None` for all.
        host: Option<String>,
    },
    /// Fetch again: every host (clears every pause), or one.
    Resume {
        /// The host (`host[:port]`); `None` for all.
        host: Option<String>,
    },
    /// Fetch these URLs next, seen before or not.
    Seed {
        /// Absolute URLs.
        urls: Vec<String>,
    },
    /// Pace a host at `rps` requests per second from now on.
    SetRate {
        /// The host (`host[:port]`).
        host: String,
        /// Requests per second (> 0).
        rps: f64,
    },
    /// Re-read the config file (sites, rates, schedules).
    Reload,
    /// Finish the work in flight and stop.
    Drain,
    /// Report the crawl's state.
    Status,
}

impl Command {
    /// Checks the arguments: a finite rate from one request a day to
    /// [`MAX_RATE`](crate::config::MAX_RATE) per second; absolute URLs.
    ///
    /// # Errors
    /// Says which argument is wrong and why.
    pub fn validate(&self) -> Result<(), String> {
        use crate::config::{MAX_RATE, MIN_RATE};
        match self {
            Command::SetRate { rps, .. } if !(rps.is_finite() && *rps > 0.0) => Err(format!(
                "set-rate: {rps} is not a positive number of requests per second"
            )),
            Command::SetRate { rps, .. } if !(MIN_RATE..=MAX_RATE).contains(rps) => Err(format!(
                "set-rate: {rps} is outside {MIN_RATE} (one request a day) to {MAX_RATE} requests per second"
            )),
            Command::Seed { urls } if urls.is_empty() => Err("seed: no URL given".into()),
            Command::Seed { urls } => urls.iter().try_for_each(|u| match url::Url::parse(u) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(()),
                Ok(_) => Err(format!("seed: {u} is not an http(s) URL")),
                Err(e) => Err(format!("seed: {u}: {e}")),
            }),
            _ => Ok(()),
        }
    }
}

/// What pause, resume and set-rate have set. Shared by every process of a
/// crawl and kept across restarts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ControlState {
    /// Every host paused.
    pub paused: bool,
    /// Hosts paused one by one.
    pub paused_hosts: BTreeSet<String>,
    /// Per-host rates set by operators (requests per second).
    pub rates: BTreeMap<String, f64>,
    /// Changes applied so far: a process adopts a stored state only when
    /// it is newer than its own (it may have applied the broadcast of a
    /// change before reading the store).
    pub revision: u64,
}

impl ControlState {
    /// Applies pause, resume or set-rate; `false` (unchanged) for the other
    /// commands.
    pub fn apply(&mut self, command: &Command) -> bool {
        match command {
            Command::Pause { host: None } => self.paused = true,
            Command::Pause { host: Some(h) } => {
                self.paused_hosts.insert(h.clone());
            }
            Command::Resume { host: None } => {
                self.paused = false;
                self.paused_hosts.clear();
            }
            Command::Resume { host: Some(h) } => {
                self.paused_hosts.remove(h);
            }
            Command::SetRate { host, rps } => {
                self.rates.insert(host.clone(), *rps);
            }
            _ => return false,
        }
        self.revision += 1;
        true
    }

    /// Whether `host` may not be fetched now.
    pub fn host_paused(&self, host: &str) -> bool {
        self.paused || self.paused_hosts.contains(host)
    }
}

/// The live control state of one process, watched by its roles.
#[derive(Clone, Debug)]
pub struct Controls {
    state: Arc<watch::Sender<ControlState>>,
}

impl Default for Controls {
    fn default() -> Self {
        Controls::new(ControlState::default())
    }
}

impl Controls {
    /// Starts from `state` (as stored by an earlier run or another process).
    pub fn new(state: ControlState) -> Controls {
        Controls {
            state: Arc::new(watch::Sender::new(state)),
        }
    }

    /// The current state.
    pub fn current(&self) -> ControlState {
        self.state.borrow().clone()
    }

    /// Adopts a stored state when it is newer than the current one.
    pub fn adopt(&self, state: ControlState) {
        if state.revision > self.state.borrow().revision {
            self.set(state);
        }
    }

    /// Replaces the state.
    pub fn set(&self, state: ControlState) {
        self.state.send_if_modified(|s| {
            let changed = *s != state;
            *s = state;
            changed
        });
    }

    /// Applies a command (see [`ControlState::apply`]); returns the new
    /// state when it changed anything.
    pub fn apply(&self, command: &Command) -> Option<ControlState> {
        let mut next = self.current();
        if next.apply(command) {
            self.set(next.clone());
            Some(next)
        } else {
            None
        }
    }

    /// Whether `host` may not be fetched now.
    pub fn host_paused(&self, host: &str) -> bool {
        self.state.borrow().host_paused(host)
    }

    /// Whether every host is paused.
    pub fn paused(&self) -> bool {
        self.state.borrow().paused
    }

    /// The operator's rate for `host`, if one was set.
    pub fn rate(&self, host: &str) -> Option<f64> {
        self.state.borrow().rates.get(host).copied()
    }

    /// Waits while every host is paused.
    pub async fn wait_while_paused(&self) {
        let mut rx = self.state.subscribe();
        // The sender lives as long as `self`, so `wait_for` cannot fail.
        let _ = rx.wait_for(|s| !s.paused).await;
    }
}

/// Per-host activity one fetcher saw: what `ctl status` lists per host.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HostActivity {
    /// Requests made to the host.
    pub requests: u64,
    /// The last error answer or failure, with its time.
    pub last_error: Option<(DateTime<Utc>, String)>,
}

/// Hosts a process fetched from recently (bounded).
#[derive(Debug, Default)]
pub struct HostLog {
    hosts: Mutex<HashMap<String, HostActivity>>,
}

/// Most hosts a [`HostLog`] keeps; past it, hosts without errors are
/// dropped first.
const HOST_LOG_CAPACITY: usize = 10_000;

impl HostLog {
    /// Counts a request to `host`, with its error if it failed.
    pub fn record(&self, host: &str, error: Option<String>) {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        if hosts.len() >= HOST_LOG_CAPACITY && !hosts.contains_key(host) {
            hosts.retain(|_, a| a.last_error.is_some());
            if hosts.len() >= HOST_LOG_CAPACITY {
                hosts.clear();
            }
        }
        let activity = hosts.entry(host.to_string()).or_default();
        activity.requests += 1;
        if let Some(e) = error {
            activity.last_error = Some((Utc::now(), e));
        }
    }

    /// A copy of what was recorded.
    pub fn snapshot(&self) -> BTreeMap<String, HostActivity> {
        let hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        hosts.iter().map(|(h, a)| (h.clone(), a.clone())).collect()
    }
}

/// The counters of one process (a copy of its [`CrawlStats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Pages fetched with a 2xx answer (or a 304 to a conditional revisit).
    pub pages_fetched: u64,
    /// Bytes of bodies received.
    pub bytes_fetched: u64,
    /// Articles extracted.
    pub articles_extracted: u64,
    /// Articles written to the output (new ones: the sink drops repeats).
    pub articles_written: u64,
    /// URLs scheduled by the frontier.
    pub urls_scheduled: u64,
    /// New URLs dropped for their host's page budget.
    pub over_host_budget: u64,
    /// Fetches that ended in an error answer or a transport failure.
    pub fetch_errors: u64,
    /// URLs robots.txt forbade.
    pub robots_denied: u64,
    /// Messages parked as dead letters.
    pub dead_letters: u64,
    /// Pages the parser could not use.
    pub parse_errors: u64,
}

impl Counters {
    /// Reads every counter of `stats`.
    pub fn of(stats: &CrawlStats) -> Counters {
        let get = CrawlStats::get;
        Counters {
            pages_fetched: get(&stats.pages_fetched),
            bytes_fetched: get(&stats.bytes_fetched),
            articles_extracted: get(&stats.articles_extracted),
            articles_written: get(&stats.articles_written),
            urls_scheduled: get(&stats.urls_scheduled),
            over_host_budget: get(&stats.over_host_budget),
            fetch_errors: stats.fetch_errors(),
            robots_denied: get(&stats.robots_denied),
            dead_letters: stats.dead_letters.total(),
            parse_errors: get(&stats.parse_errors),
        }
    }

    /// The sum of two processes' counters.
    pub fn plus(self, o: Counters) -> Counters {
        Counters {
            pages_fetched: self.pages_fetched + o.pages_fetched,
            bytes_fetched: self.bytes_fetched + o.bytes_fetched,
            articles_extracted: self.articles_extracted + o.articles_extracted,
            articles_written: self.articles_written + o.articles_written,
            urls_scheduled: self.urls_scheduled + o.urls_scheduled,
            over_host_budget: self.over_host_budget + o.over_host_budget,
            fetch_errors: self.fetch_errors + o.fetch_errors,
            robots_denied: self.robots_denied + o.robots_denied,
            dead_letters: self.dead_letters + o.dead_letters,
            parse_errors: self.parse_errors + o.parse_errors,
        }
    }
}

/// What one process reports about itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessStatus {
    /// `roles@hostname:pid`.
    pub id: String,
    /// When it reported.
    pub at: DateTime<Utc>,
    /// Its counters.
    pub counters: Counters,
    /// Pages fetched per second over its last report interval.
    pub pages_per_sec: f64,
    /// Articles extracted per second over its last report interval.
    pub articles_per_sec: f64,
    /// Hosts it fetched from.
    pub hosts: BTreeMap<String, HostActivity>,
}

/// One queue in a status report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueStatus {
    /// `links`, `fetch`, `pages`, `articles` or `captures`.
    pub name: String,
    /// Ready and delayed messages.
    pub waiting: u64,
    /// Delivered, not yet settled; `None` when unknown (RabbitMQ's
    /// management API did not answer), never a 0 that is not known.
    pub in_flight: Option<u64>,
    /// Dead letters.
    pub dead: u64,
}

impl QueueStatus {
    /// A queue's depth under its name.
    pub fn new(name: &str, depth: QueueDepth) -> QueueStatus {
        QueueStatus {
            name: name.to_string(),
            waiting: depth.waiting,
            in_flight: (!depth.in_flight_unknown).then_some(depth.in_flight),
            dead: depth.dead,
        }
    }
}

/// One host in a status report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HostStatus {
    /// `host[:port]`.
    pub host: String,
    /// Requests per second it is paced at.
    pub rate: f64,
    /// Paused by an operator.
    pub paused: bool,
    /// Requests made to it (by the processes reporting).
    pub requests: u64,
    /// When its soonest hub revisit is due.
    pub next_due_hub: Option<DateTime<Utc>>,
    /// Its last error, with its time.
    pub last_error: Option<(DateTime<Utc>, String)>,
}

/// What `newshound ctl status` prints.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    /// Queue depths.
    pub queues: Vec<QueueStatus>,
    /// URLs in the seen-set.
    pub seen_urls: u64,
    /// Counters summed over the processes.
    pub counters: Counters,
    /// Pages fetched per second, summed over the processes.
    pub pages_per_sec: f64,
    /// Articles extracted per second, summed over the processes.
    pub articles_per_sec: f64,
    /// Errors by kind.
    pub errors: BTreeMap<String, u64>,
    /// Dead letters in the queues.
    pub dead_letters: u64,
    /// Every host paused.
    pub paused: bool,
    /// Hosts: fetched from, paused, given a rate, or due for a revisit.
    pub hosts: Vec<HostStatus>,
    /// The processes that reported.
    pub processes: Vec<ProcessStatus>,
}

/// How commands and status travel between `newshound ctl` and the
/// processes of a distributed crawl: a broadcast every process listens to,
/// the stored control state, and the processes' status reports.
#[async_trait]
pub trait ControlPlane: Send + Sync {
    /// The stored control state (the default when none was stored).
    async fn load_state(&self) -> Result<ControlState, BackendError>;
    /// Stores the control state for processes that start later.
    async fn store_state(&self, state: &ControlState) -> Result<(), BackendError>;
    /// Sends a command to every listening process.
    async fn broadcast(&self, command: &Command) -> Result<(), BackendError>;
    /// Commands broadcast from now on (the receiver ends when the plane
    /// shuts down).
    async fn listen(&self) -> Result<mpsc::Receiver<Command>, BackendError>;
    /// Publishes this process's status.
    async fn report(&self, status: &ProcessStatus) -> Result<(), BackendError>;
    /// The latest status of every process that reported recently.
    async fn reports(&self) -> Result<Vec<ProcessStatus>, BackendError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_in_flight_count_is_reported_as_unknown() {
        let known = QueueDepth {
            waiting: 2,
            in_flight: 0,
            dead: 1,
            in_flight_unknown: false,
        };
        assert_eq!(QueueStatus::new("pages", known).in_flight, Some(0));
        let unknown = QueueDepth {
            in_flight_unknown: true,
            ..known
        };
        let status = QueueStatus::new("pages", unknown);
        assert_eq!(status.in_flight, None);
        let json = serde_json::to_value(&status).expect("json");
        assert_eq!(json["in_flight"], serde_json::Value::Null);
        assert_eq!(json["waiting"], 2);
    }

    #[test]
    fn commands_read_as_json() {
        let c: Command = serde_json::from_str(r#"{"command":"set-rate","host":"a:1","rps":2.5}"#)
            .expect("set-rate");
        assert_eq!(
            c,
            Command::SetRate {
                host: "a:1".into(),
                rps: 2.5
            }
        );
        let c: Command = serde_json::from_str(r#"{"command":"pause","host":null}"#).expect("pause");
        assert_eq!(c, Command::Pause { host: None });
        assert!(serde_json::from_str::<Command>(r#"{"command":"explode"}"#).is_err());
    }

    #[test]
    fn bad_arguments_are_named() {
        let rate = Command::SetRate {
            host: "a".into(),
            rps: 0.0,
        };
        assert!(rate.validate().unwrap_err().contains("positive"));
        let tiny = Command::SetRate {
            host: "a".into(),
            rps: 1e-30,
        };
        assert!(tiny.validate().unwrap_err().contains("one request a day"));
        let seed = Command::Seed {
            urls: vec!["ftp://x/".into()],
        };
        assert!(seed.validate().unwrap_err().contains("not an http"));
    }

    #[test]
    fn pause_resume_and_rates() {
        let mut s = ControlState::default();
        assert!(s.apply(&Command::Pause {
            host: Some("a".into())
        }));
        assert!(s.host_paused("a") && !s.host_paused("b"));
        s.apply(&Command::Pause { host: None });
        assert!(s.host_paused("b"));
        s.apply(&Command::Resume { host: None });
        assert!(!s.host_paused("a") && !s.host_paused("b"));
        s.apply(&Command::SetRate {
            host: "a".into(),
            rps: 2.0,
        });
        assert_eq!(s.rates.get("a"), Some(&2.0));
        assert!(!s.apply(&Command::Reload));
    }

    #[tokio::test]
    async fn waiting_while_paused_ends_on_resume() {
        let controls = Controls::default();
        controls.apply(&Command::Pause { host: None });
        let waiter = {
            let c = controls.clone();
            tokio::spawn(async move { c.wait_while_paused().await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        controls.apply(&Command::Resume { host: None });
        tokio::time::timeout(std::time::Duration::from_secs(1), waiter)
            .await
            .expect("resumed")
            .expect("task");
    }
}
