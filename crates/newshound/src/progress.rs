//! The live progress line (on a terminal) and the final summary line.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use std::time::Instant;

use newshound_core::CrawlStats;

/// How often a plain progress line is logged when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Shows crawl progress on stderr.
pub struct Progress {
    stats: Arc<CrawlStats>,
    last_line: Mutex<Instant>,
    started: Instant,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A spinner when stderr is a terminal, periodic log lines otherwise.
    pub fn new(stats: Arc<CrawlStats>, started: Instant) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        });
        Progress {
            stats,
            last_line: Mutex::new(started),
            started,
            bar,
        }
    }

    /// Redraws the line with the current counters and queue sizes; without a
    /// terminal, logs the same as a plain line every [`PLAIN_EVERY`].
    pub fn update(&self, queued: u64, in_flight: u64) {
        let s = &self.stats;
        let pages = CrawlStats::get(&s.pages_fetched);
        let rate = pages as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        let articles = CrawlStats::get(&s.articles_written);
        let errors = s.errors();
        match &self.bar {
            Some(bar) => {
                bar.set_message(format!(
                    "pages {pages} ({rate:.1}/s) · articles {articles} · queued {queued} · in flight {in_flight} · errors {errors}"
                ));
                bar.tick();
            }
            None => {
                let Ok(mut last) = self.last_line.lock() else {
                    return;
                };
                if last.elapsed() >= PLAIN_EVERY {
                    *last = Instant::now();
                    tracing::info!(
                        pages,
                        rate = format!("{rate:.1}"),
                        articles,
                        queued,
                        in_flight,
                        errors,
                        "Crawl progress"
                    );
                }
            }
        }
    }

    /// Clears the line and prints the summary.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!("{}", summary(&self.stats, self.started));
    }
}

/// `crawl done: N pages fetched, N articles written, N errors, 12.3s elapsed, 45.6 pages/s`,
/// then a line per host given up (`host given up: HOST: why`).
pub fn summary(stats: &CrawlStats, started: Instant) -> String {
    let elapsed = started.elapsed().as_secs_f64();
    let pages = CrawlStats::get(&stats.pages_fetched);
    let articles = CrawlStats::get(&stats.articles_written);
    let mut text = format!(
        "crawl done: {pages} pages fetched, {articles} articles written, {} errors, {elapsed:.1}s elapsed, {:.1} pages/s",
        stats.errors(),
        pages as f64 / elapsed.max(0.001)
    );
    for (host, why) in stats.given_up.list() {
        text.push_str(&format!("\nhost given up: {host}: {why}"));
    }
    text
}
