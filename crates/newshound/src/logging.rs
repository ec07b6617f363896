//! Logging through `tracing` to stderr: human-readable lines by default, one
//! JSON object per line with `--log-format json`. `RUST_LOG` filters
//! (default `info`).

use clap::ValueEnum;
use indicatif::ProgressBar;
use std::io::{IsTerminal, Write};
use std::sync::{PoisonError, RwLock};
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `message`
    /// and the event's fields at the top level.
    Json,
}

/// html5ever's parse warnings (`foster parenting not implemented`, one per
/// misplaced table element, thousands on table-heavy pages) say nothing an
/// operator can act on: off unless `RUST_LOG` names `html5ever` itself.
const QUIET_PARSER: &str = "html5ever=error";

/// The live progress bar while one is drawn: log lines go above it.
static BAR: RwLock<Option<ProgressBar>> = RwLock::new(None);

/// Installs the process-wide subscriber (and the bridge from the `log` crate).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::new(directives(std::env::var("RUST_LOG").ok().as_deref()));
    let colors = std::io::stderr().is_terminal();
    // Fails only if a subscriber is already installed, which keeps logging.
    subscriber(format, filter, colors, AboveBar).try_init().ok();
}

/// The filter directives for a `RUST_LOG` value (unset or empty: `info`),
/// html5ever's warnings off unless it names them.
fn directives(rust_log: Option<&str>) -> String {
    let asked = rust_log.map(str::trim).filter(|v| !v.is_empty());
    match asked {
        Some(v) if v.contains("html5ever") => v.to_string(),
        Some(v) => format!("{v},{QUIET_PARSER}"),
        None => format!("info,{QUIET_PARSER}"),
    }
}

/// Draws log lines above `bar` from now on (`None`: straight to stderr).
pub fn draw_above(bar: Option<ProgressBar>) {
    *BAR.write().unwrap_or_else(PoisonError::into_inner) = bar;
}

/// Writes each log line to stderr whole, above the progress bar when one is
/// drawn (the bar is cleared, the line written and the bar drawn again, so
/// no stale copy of it stays in the scrollback).
struct AboveBar;

impl<'w> MakeWriter<'w> for AboveBar {
    type Writer = LineWriter;
    fn make_writer(&'w self) -> LineWriter {
        LineWriter(Vec::new())
    }
}

/// One log line, written out when dropped.
struct LineWriter(Vec<u8>);

impl Write for LineWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        let bar = BAR.read().unwrap_or_else(PoisonError::into_inner).clone();
        let write = || {
            // Nowhere left to report a failing stderr.
            std::io::stderr().write_all(&self.0).ok();
        };
        match bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

/// A subscriber writing `format` lines that pass `filter` to `writer`, text
/// lines with ANSI colors if `colors`.
fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    colors: bool,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.with_ansi(colors).finish()),
        LogFormat::Json => Box::new(
            builder
                .with_ansi(false)
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(false)
                .finish(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// Log output collected in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;
        fn make_writer(&'w self) -> Captured {
            self.clone()
        }
    }

    fn log_lines(format: LogFormat) -> Vec<String> {
        let captured = Captured::default();
        let filter = EnvFilter::new(directives(None));
        let subscriber = subscriber(format, filter, false, captured.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(pages = 3, site = "fixture", "Crawl progress");
            tracing::debug!("filtered out");
            tracing::warn!(target: "html5ever::tree_builder", "foster parenting not implemented");
            tracing::warn!(error = "refused", "Could not settle page");
        });
        let bytes = captured.0.lock().expect("log buffer").clone();
        String::from_utf8(bytes)
            .expect("UTF-8 logs")
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn json_format_writes_one_object_per_event() {
        let lines = log_lines(LogFormat::Json);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let first: serde_json::Value = serde_json::from_str(&lines[0]).expect("a JSON line");
        assert_eq!(first["level"], "INFO");
        assert_eq!(first["message"], "Crawl progress");
        assert_eq!(first["pages"], 3);
        assert_eq!(first["site"], "fixture");
        assert!(first["target"].as_str().is_some_and(|t| !t.is_empty()));
        let timestamp = first["timestamp"].as_str().expect("a timestamp");
        chrono::DateTime::parse_from_rfc3339(timestamp).expect("an RFC 3339 timestamp");
        let second: serde_json::Value = serde_json::from_str(&lines[1]).expect("a JSON line");
        assert_eq!(second["level"], "WARN");
        assert_eq!(second["error"], "refused");
    }

    #[test]
    fn parse_warnings_stay_off_unless_asked_for() {
        assert_eq!(directives(None), "info,html5ever=error");
        assert_eq!(directives(Some(" ")), "info,html5ever=error");
        assert_eq!(directives(Some("debug")), "debug,html5ever=error");
        assert_eq!(
            directives(Some("warn,html5ever=warn")),
            "warn,html5ever=warn"
        );
        let captured = Captured::default();
        let filter = EnvFilter::new(directives(Some("warn,html5ever=warn")));
        let subscriber = subscriber(LogFormat::Text, filter, false, captured.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "html5ever::tree_builder", "foster parenting not implemented");
        });
        let text = String::from_utf8(captured.0.lock().expect("log buffer").clone());
        assert!(text.expect("UTF-8").contains("foster parenting"));
    }

    #[test]
    fn text_format_is_not_json() {
        let lines = log_lines(LogFormat::Text);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("INFO") && lines[0].contains("Crawl progress pages=3"));
        assert!(serde_json::from_str::<serde_json::Value>(&lines[0]).is_err());
    }
}
