//! The live progress display of `newshound run` and its closing summary.
//!
//! On a terminal: one line redrawn in place (log lines are printed above it,
//! see `logging`). Otherwise: a `Crawl progress` log line with the same
//! figures every few seconds (a JSON object with `--log-format json`). At
//! the end: the summary, Scrapy's closing stats for newshound, as text or one
//! JSON object.

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::logging::{self, LogFormat};
use newshound_core::CrawlStats;
use newshound_core::stats::{DeadReason, FetchClass};

/// The display's rate is over this much of the recent past.
const RATE_WINDOW: Duration = Duration::from_secs(10);

/// What the run knows beyond the counters, at one tick.
#[derive(Debug, Clone, Copy, Default)]
pub struct View {
    /// URLs waiting: links to schedule and fetch jobs.
    pub queued: u64,
    /// Fetch jobs and pages being worked on.
    pub in_flight: u64,
    /// Every host paused by an operator.
    pub paused: bool,
    /// When idle: the soonest revisit due.
    pub next_revisit: Option<DateTime<Utc>>,
}

/// The figures of one progress line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Snapshot {
    /// Pages fetched so far.
    pub pages: u64,
    /// Pages per second over the last [`RATE_WINDOW`].
    pub pages_per_sec: f64,
    /// Body bytes of those pages.
    pub bytes: u64,
    /// Article records written (repeats dropped).
    pub articles: u64,
    /// URLs waiting.
    pub queued: u64,
    /// Jobs and pages being worked on.
    pub in_flight: u64,
    /// Page fetches by status class (`2xx` ... `error`).
    pub fetches: BTreeMap<&'static str, u64>,
    /// Jobs robots.txt forbade.
    pub robots_denied: u64,
    /// Deliveries retried later.
    pub retries: u64,
    /// Messages dead-lettered.
    pub dead_letters: u64,
    /// Hosts failing now and retried later.
    pub hosts_held: u64,
    /// Hosts given up (`--once`).
    pub hosts_given_up: u64,
    /// Every host paused.
    pub paused: bool,
    /// When idle, the soonest revisit due.
    pub next_revisit: Option<DateTime<Utc>>,
}

impl Snapshot {
    /// The figures now.
    fn of(stats: &CrawlStats, pages_per_sec: f64, view: View) -> Snapshot {
        let idle = view.queued == 0 && view.in_flight == 0;
        Snapshot {
            pages: CrawlStats::get(&stats.pages_fetched),
            pages_per_sec: round1(pages_per_sec),
            bytes: CrawlStats::get(&stats.bytes_fetched),
            articles: CrawlStats::get(&stats.articles_written),
            queued: view.queued,
            in_flight: view.in_flight,
            fetches: by_class(stats),
            robots_denied: CrawlStats::get(&stats.robots_denied),
            retries: stats.retries.total(),
            dead_letters: stats.dead_letters.total(),
            hosts_held: CrawlStats::get(&stats.hosts_held),
            hosts_given_up: stats.given_up.list().len() as u64,
            paused: view.paused,
            next_revisit: view.next_revisit.filter(|_| idle),
        }
    }

    /// The two lines drawn on a terminal: the crawl at a glance, then what
    /// went wrong.
    pub fn line(&self) -> String {
        let classes: Vec<String> = FetchClass::ALL
            .iter()
            .map(|c| format!("{} {}", c.label(), self.fetches[c.label()]))
            .collect();
        let mut line = format!(
            "pages {} ({:.1}/s) · {} · articles {} · queued {} · in flight {}",
            self.pages,
            self.pages_per_sec,
            bytes(self.bytes),
            self.articles,
            self.queued,
            self.in_flight,
        );
        if self.paused {
            line.push_str(" · PAUSED");
        }
        if let Some(due) = self.next_revisit {
            let wait = (due - Utc::now()).num_seconds().max(0);
            line.push_str(&format!(
                " · idle, next revisit {} (in {wait} s)",
                due.with_timezone(&chrono::Local).format("%H:%M:%S")
            ));
        }
        line.push_str(&format!(
            "\n  {} · robots denied {} · retries {} · dead {}",
            classes.join(" "),
            self.robots_denied,
            self.retries,
            self.dead_letters,
        ));
        if self.hosts_held > 0 || self.hosts_given_up > 0 {
            line.push_str(&format!(
                " · hosts held {} given up {}",
                self.hosts_held, self.hosts_given_up
            ));
        }
        line
    }
}

/// Shows crawl progress on stderr.
pub struct Progress {
    stats: std::sync::Arc<CrawlStats>,
    started: Instant,
    bar: Option<ProgressBar>,
    plain_every: Duration,
    state: Mutex<Window>,
}

/// Recent page counts, for the rate, and when the last plain line went out.
struct Window {
    samples: VecDeque<(Instant, u64)>,
    last_line: Instant,
    last_page_at: Option<Instant>,
    last_pages: u64,
}

impl Progress {
    /// A line redrawn in place when stderr is a terminal, a log line every
    /// `plain_every` otherwise.
    pub fn new(stats: std::sync::Arc<CrawlStats>, started: Instant, plain_every: Duration) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        });
        logging::draw_above(bar.clone());
        Progress {
            stats,
            started,
            bar,
            plain_every,
            state: Mutex::new(Window {
                samples: VecDeque::new(),
                last_line: started,
                last_page_at: None,
                last_pages: 0,
            }),
        }
    }

    /// Redraws the line with the current figures; without a terminal, logs
    /// them every `plain_every`.
    pub fn update(&self, view: View) {
        let now = Instant::now();
        let pages = CrawlStats::get(&self.stats.pages_fetched);
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if pages > state.last_pages {
            state.last_pages = pages;
            state.last_page_at = Some(now);
        }
        state.samples.push_back((now, pages));
        while state
            .samples
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > RATE_WINDOW)
        {
            state.samples.pop_front();
        }
        let rate = match state.samples.front() {
            Some((at, then)) if now.duration_since(*at) >= Duration::from_millis(500) => {
                pages.saturating_sub(*then) as f64 / now.duration_since(*at).as_secs_f64()
            }
            _ => 0.0,
        };
        let snapshot = Snapshot::of(&self.stats, rate, view);
        match &self.bar {
            Some(bar) => {
                bar.set_message(snapshot.line());
                bar.tick();
            }
            None if now.duration_since(state.last_line) >= self.plain_every => {
                state.last_line = now;
                log_plain(&snapshot);
            }
            None => {}
        }
    }

    /// Clears the line and prints the summary: text, or one JSON object.
    pub fn finish(&self, finish: Finish, format: LogFormat) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        logging::draw_above(None);
        let busy = {
            let state = self
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            state
                .last_page_at
                .map_or(Duration::ZERO, |at| at.duration_since(self.started))
        };
        let summary = Summary::of(&self.stats, finish, self.started.elapsed(), busy);
        let text = match format {
            LogFormat::Text => summary.text(),
            LogFormat::Json => summary.json_line(),
        };
        // Nowhere left to report a failing stderr.
        writeln!(std::io::stderr(), "{text}").ok();
    }
}

/// One `Crawl progress` log line (fields at the top level in JSON).
fn log_plain(s: &Snapshot) {
    let class = |c: FetchClass| s.fetches[c.label()];
    let next_revisit = s.next_revisit.map(|d| d.to_rfc3339());
    tracing::info!(
        pages = s.pages,
        pages_per_sec = s.pages_per_sec,
        bytes = s.bytes,
        articles = s.articles,
        queued = s.queued,
        in_flight = s.in_flight,
        fetched_2xx = class(FetchClass::Success),
        fetched_3xx = class(FetchClass::Redirection),
        fetched_4xx = class(FetchClass::ClientError),
        fetched_5xx = class(FetchClass::ServerError),
        fetch_errors = class(FetchClass::Failed),
        robots_denied = s.robots_denied,
        retries = s.retries,
        dead_letters = s.dead_letters,
        hosts_held = s.hosts_held,
        hosts_given_up = s.hosts_given_up,
        paused = s.paused,
        next_revisit = next_revisit.as_deref(),
        "Crawl progress"
    );
}

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// `--once`: nothing left to fetch.
    Done,
    /// `--max-pages` reached; this many URLs stay queued for the next run.
    BudgetReached {
        /// URLs still waiting.
        queued: u64,
    },
    /// `newshound ctl drain`.
    Drained,
    /// SIGTERM or Ctrl-C.
    Interrupted,
}

impl Finish {
    /// `done`, `page_budget_reached`, `drained` or `interrupted`.
    pub fn reason(self) -> &'static str {
        match self {
            Finish::Done => "done",
            Finish::BudgetReached { .. } => "page_budget_reached",
            Finish::Drained => "drained",
            Finish::Interrupted => "interrupted",
        }
    }

    fn describe(self) -> String {
        match self {
            Finish::Done => "done, nothing left to fetch".into(),
            Finish::BudgetReached { queued } => format!(
                "page budget reached (--max-pages), {queued} URL(s) still queued for the next run"
            ),
            Finish::Drained => "drained (newshound ctl drain); the rest resumes next run".into(),
            Finish::Interrupted => {
                "interrupted (signal); work in flight finished, the rest resumes next run".into()
            }
        }
    }
}

/// The closing stats of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Why the run ended.
    #[serde(skip)]
    pub finish: Finish,
    /// `done`, `page_budget_reached`, `drained` or `interrupted`.
    pub finish_reason: &'static str,
    /// URLs still queued (for `page_budget_reached`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued: Option<u64>,
    /// Wall time of the run.
    pub elapsed_secs: f64,
    /// Pages handed to the parsers.
    pub pages_fetched: u64,
    /// Pages per second from the start to the last page fetched (idle time
    /// after it does not count).
    pub pages_per_sec: f64,
    /// Body bytes of those pages.
    pub bytes_fetched: u64,
    /// Page fetches by status class (robots.txt apart).
    pub fetches: BTreeMap<&'static str, u64>,
    /// robots.txt requests.
    pub robots_fetches: u64,
    /// Jobs robots.txt forbade.
    pub robots_denied: u64,
    /// Articles extracted by the parsers.
    pub articles_extracted: u64,
    /// Article records written.
    pub articles_written: u64,
    /// Articles the sink already held (repeats dropped).
    pub repeats_dropped: u64,
    /// Discovered in-scope URLs already seen.
    pub dedup_hits: u64,
    /// Discovered in-scope URLs new to the seen-set.
    pub dedup_misses: u64,
    /// New URLs dropped by `max_pages_per_host`.
    pub over_host_budget: u64,
    /// Pages the parser could not read.
    pub parse_errors: u64,
    /// Pages that were not text.
    pub not_text: u64,
    /// Deliveries retried later.
    pub retries: u64,
    /// Dead letters by reason (only the reasons that occurred).
    pub dead_letters: BTreeMap<&'static str, u64>,
    /// Hosts given up, each with why.
    pub hosts_given_up: BTreeMap<String, String>,
}

impl Summary {
    /// The stats of a run that ended for `finish` after `elapsed`, the
    /// last page fetched `busy` after the start.
    pub fn of(stats: &CrawlStats, finish: Finish, elapsed: Duration, busy: Duration) -> Summary {
        let get = CrawlStats::get;
        let pages = get(&stats.pages_fetched);
        let extracted = get(&stats.articles_extracted);
        let written = get(&stats.articles_written);
        Summary {
            finish,
            finish_reason: finish.reason(),
            queued: match finish {
                Finish::BudgetReached { queued } => Some(queued),
                _ => None,
            },
            elapsed_secs: round1(elapsed.as_secs_f64()),
            pages_fetched: pages,
            pages_per_sec: round1(pages as f64 / busy.as_secs_f64().max(0.001)),
            bytes_fetched: get(&stats.bytes_fetched),
            fetches: by_class(stats),
            robots_fetches: get(&stats.robots_fetches),
            robots_denied: get(&stats.robots_denied),
            articles_extracted: extracted,
            articles_written: written,
            repeats_dropped: extracted.saturating_sub(written),
            dedup_hits: get(&stats.dedup_hits),
            dedup_misses: get(&stats.dedup_misses),
            over_host_budget: get(&stats.over_host_budget),
            parse_errors: get(&stats.parse_errors),
            not_text: get(&stats.not_text),
            retries: stats.retries.total(),
            dead_letters: DeadReason::ALL
                .iter()
                .map(|r| (r.label(), stats.dead_letter_reasons.get(*r)))
                .filter(|(_, n)| *n > 0)
                .collect(),
            hosts_given_up: stats.given_up.list().into_iter().collect(),
        }
    }

    /// The summary as text: `crawl done: REASON, ...`, one figure per line,
    /// then `host given up: HOST: why` per host given up.
    pub fn text(&self) -> String {
        let classes: Vec<String> = FetchClass::ALL
            .iter()
            .map(|c| format!("{} {}", c.label(), self.fetches[c.label()]))
            .collect();
        let dead_total: u64 = self.dead_letters.values().sum();
        let dead: Vec<String> = self
            .dead_letters
            .iter()
            .map(|(reason, n)| format!("{reason} {n}"))
            .collect();
        let mut text = format!(
            "crawl done: {}, {:.1} s elapsed\n\
             \x20 pages fetched     {} ({:.1}/s while fetching), {}\n\
             \x20 fetches           {}\n\
             \x20 robots.txt        {} fetched, {} URL(s) denied\n\
             \x20 articles written  {} ({} extracted, {} repeats dropped)\n\
             \x20 dedup             {} hits, {} new URLs, {} over the host budget\n\
             \x20 unreadable pages  {} ({} not text)\n\
             \x20 retries           {}\n\
             \x20 dead letters      {dead_total}{}\n\
             \x20 hosts given up    {}",
            self.finish.describe(),
            self.elapsed_secs,
            self.pages_fetched,
            self.pages_per_sec,
            bytes(self.bytes_fetched),
            classes.join(" · "),
            self.robots_fetches,
            self.robots_denied,
            self.articles_written,
            self.articles_extracted,
            self.repeats_dropped,
            self.dedup_hits,
            self.dedup_misses,
            self.over_host_budget,
            self.parse_errors,
            self.not_text,
            self.retries,
            if dead.is_empty() {
                String::new()
            } else {
                format!(" ({})", dead.join(", "))
            },
            self.hosts_given_up.len(),
        );
        for (host, why) in &self.hosts_given_up {
            text.push_str(&format!("\nhost given up: {host}: {why}"));
        }
        text
    }

    /// The summary as one JSON log line: `timestamp`, `level`, `target`,
    /// `message` (`Crawl done`) and the figures.
    pub fn json_line(&self) -> String {
        let mut object = serde_json::json!({
            "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "level": "INFO",
            "target": module_path!(),
            "message": "Crawl done",
        });
        if let (Some(line), Ok(serde_json::Value::Object(figures))) =
            (object.as_object_mut(), serde_json::to_value(self))
        {
            line.extend(figures);
        }
        object.to_string()
    }
}

/// Fetches by class label, every class present.
fn by_class(stats: &CrawlStats) -> BTreeMap<&'static str, u64> {
    FetchClass::ALL
        .iter()
        .map(|c| (c.label(), stats.fetches.get(*c)))
        .collect()
}

/// `12.3 MiB`.
fn bytes(n: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use newshound_core::Queue;

    fn stats() -> CrawlStats {
        let stats = CrawlStats::default();
        CrawlStats::add(&stats.pages_fetched, 40);
        CrawlStats::add(&stats.bytes_fetched, 3 * 1024 * 1024);
        CrawlStats::add(&stats.articles_extracted, 32);
        CrawlStats::add(&stats.articles_written, 30);
        for _ in 0..40 {
            stats.fetches.count(FetchClass::Success);
        }
        stats.fetches.count(FetchClass::ClientError);
        stats.retries.add(Queue::Fetch, 2);
        stats.dead_lettered(Queue::Fetch, DeadReason::RetriesUsedUp);
        stats.given_up.record("127.0.0.1:9", "connection refused");
        stats
    }

    #[test]
    fn summary_names_the_finish_and_every_figure() {
        let finish = Finish::BudgetReached { queued: 17 };
        let summary = Summary::of(
            &stats(),
            finish,
            Duration::from_secs(30),
            Duration::from_secs(4),
        );
        let text = summary.text();
        assert!(
            text.starts_with(
                "crawl done: page budget reached (--max-pages), 17 URL(s) still queued"
            ),
            "{text}"
        );
        for part in [
            "pages fetched     40 (10.0/s while fetching), 3.0 MiB",
            "2xx 40 · 3xx 0 · 4xx 1 · 5xx 0 · error 0",
            "articles written  30 (32 extracted, 2 repeats dropped)",
            "retries           2",
            "dead letters      1 (retries_used_up 1)",
            "\nhost given up: 127.0.0.1:9: connection refused",
        ] {
            assert!(text.contains(part), "{part:?} not in\n{text}");
        }
        let json: serde_json::Value =
            serde_json::from_str(&summary.json_line()).expect("one JSON object");
        assert_eq!(json["message"], "Crawl done");
        assert_eq!(json["finish_reason"], "page_budget_reached");
        assert_eq!(json["queued"], 17);
        assert_eq!(json["pages_fetched"], 40);
        assert_eq!(json["fetches"]["4xx"], 1);
        assert_eq!(json["repeats_dropped"], 2);
        assert_eq!(json["dead_letters"]["retries_used_up"], 1);
        assert_eq!(json["hosts_given_up"]["127.0.0.1:9"], "connection refused");
    }

    #[test]
    fn the_line_shows_paused_and_the_next_revisit_only_when_idle() {
        let stats = stats();
        let due = Utc::now() + chrono::Duration::seconds(42);
        let idle = View {
            paused: true,
            next_revisit: Some(due),
            ..View::default()
        };
        let line = Snapshot::of(&stats, 2.5, idle).line();
        assert!(line.starts_with("pages 40 (2.5/s) · 3.0 MiB"), "{line}");
        assert!(line.contains("4xx 1"), "{line}");
        assert!(line.contains("hosts held 0 given up 1"), "{line}");
        assert!(line.contains("PAUSED"), "{line}");
        assert!(line.contains("idle, next revisit"), "{line}");
        let busy = View { queued: 3, ..idle };
        let snapshot = Snapshot::of(&stats, 2.5, busy);
        assert_eq!(snapshot.next_revisit, None);
        assert!(!snapshot.line().contains("next revisit"));
    }

    #[test]
    fn bytes_are_readable() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }
}
