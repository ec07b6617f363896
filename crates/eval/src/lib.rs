//! Evaluation of `newshound-extract` on a development set: body precision/recall/F1 as
//! `shared/eval/score.py` defines them, title / authors / date exact-match rates, and the
//! single-threaded extraction time per page.
//!
//! Layout:
//! - [`EvalArgs`] (clap arguments) and [`run`], which returns an [`EvalReport`] (`Display`).
//! - `metrics.rs`: the metric definitions of `score.py`; `clock.rs`: the thread CPU clock.
//! - `--out DIR` writes one prediction JSON per page for cross-checking with `score.py`.
//! - Examples: `eval` (command-line run of [`run`]), `inspect` (one page's extraction).
#![deny(missing_docs)]

mod clock;
mod metrics;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use newshound_extract::{ExtractOptions, extract};
use serde_json::{Value, json};

/// Arguments of `newshound eval`.
#[derive(Clone, Debug, clap::Args)]
pub struct EvalArgs {
    /// Directory of `<id>.html` pages.
    #[arg(long)]
    pub pages: PathBuf,
    /// Directory of `<id>.json` ground truth files (with `url`).
    #[arg(long)]
    pub truth: PathBuf,
    /// Time zone for dates the pages give without an offset (e.g. `Asia/Seoul`).
    #[arg(long)]
    pub timezone: Option<String>,
    /// Write one prediction JSON per page here (the format `score.py --pred` reads).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Body unit: 4 = the benchmark's shingles, 1 = bag of words.
    #[arg(long, default_value_t = 4)]
    pub ngram: usize,
}

/// Errors of an evaluation run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A ground-truth file is not valid JSON or lacks its `url`.
    #[error("{path}: bad ground truth: {message}")]
    Truth {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The `--timezone` value is not an IANA zone name.
    #[error("unknown time zone {0:?}")]
    Timezone(String),
}

/// A rate with the number of pages it is over.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rate {
    /// Pages that matched.
    pub hits: usize,
    /// Pages counted.
    pub n: usize,
}

impl Rate {
    fn add(&mut self, hit: bool) {
        self.n += 1;
        self.hits += usize::from(hit);
    }

    /// Share of hits (0 when empty).
    pub fn value(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.hits as f64 / self.n as f64
        }
    }
}

/// Figures of one evaluation run.
#[derive(Clone, Debug, Default)]
pub struct EvalReport {
    /// Pages evaluated.
    pub pages: usize,
    /// Body figures on full-text truth: `(precision, recall, f1, pages)`.
    pub body: Option<(f64, f64, f64, usize)>,
    /// Segment figures: `(precision, recall, f1, pages)`.
    pub segments: Option<(f64, f64, f64, usize)>,
    /// Pages with an empty body.
    pub empty_bodies: usize,
    /// Pages classified as hubs.
    pub hubs: usize,
    /// Title exact match.
    pub title: Rate,
    /// Author set exact match.
    pub authors: Rate,
    /// Publication date right to the day.
    pub date_day: Rate,
    /// Right to the minute, over truths with a time of day.
    pub date_minute: Rate,
    /// Mean extraction CPU time per page on one thread, in milliseconds.
    pub ms_per_page: f64,
    /// Body shingle size.
    pub ngram: usize,
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "pages {} (hubs {}, empty bodies {})",
            self.pages, self.hubs, self.empty_bodies
        )?;
        if let Some((p, r, f1, n)) = self.body {
            writeln!(
                f,
                "body ({}-gram shingles, n={n}): F1 {f1:.3}  P {p:.3}  R {r:.3}",
                self.ngram
            )?;
        }
        if let Some((p, r, f1, n)) = self.segments {
            writeln!(f, "body (segments, n={n}): F1 {f1:.3}  P {p:.3}  R {r:.3}")?;
        }
        for (name, rate) in [
            ("title exact", self.title),
            ("authors exact", self.authors),
            ("date day", self.date_day),
            ("date minute", self.date_minute),
        ] {
            if rate.n > 0 {
                writeln!(f, "{name}: {:.3} ({}/{})", rate.value(), rate.hits, rate.n)?;
            }
        }
        write!(
            f,
            "extraction: {:.2} ms CPU/page (one thread)",
            self.ms_per_page
        )
    }
}

fn io<T>(path: &Path, r: std::io::Result<T>) -> Result<T, EvalError> {
    r.map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Runs the extractor over every page that has ground truth and scores it.
pub fn run(args: &EvalArgs) -> Result<EvalReport, EvalError> {
    let tz = match &args.timezone {
        Some(name) => Some(
            name.parse::<chrono_tz::Tz>()
                .map_err(|_| EvalError::Timezone(name.clone()))?,
        ),
        None => None,
    };
    let options = ExtractOptions {
        default_timezone: tz,
        ..Default::default()
    };
    if let Some(out) = &args.out {
        io(out, std::fs::create_dir_all(out))?;
    }
    let mut truth_files: Vec<PathBuf> = io(&args.truth, std::fs::read_dir(&args.truth))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    truth_files.sort();
    let mut report = EvalReport {
        ngram: args.ngram.max(1),
        ..Default::default()
    };
    let mut body_counts = Vec::new();
    let (mut seg_tp, mut seg_fp, mut seg_fn, mut seg_pages) = (0, 0, 0, 0);
    let mut elapsed = Duration::ZERO;
    for path in &truth_files {
        let bad = |message: String| EvalError::Truth {
            path: path.clone(),
            message,
        };
        let gt: Value = serde_json::from_str(&io(path, std::fs::read_to_string(path))?)
            .map_err(|e| bad(e.to_string()))?;
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let url = gt
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no url".into()))?;
        let url = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        let html_path = args.pages.join(format!("{id}.html"));
        let html = io(&html_path, std::fs::read(&html_path))?;
        let start = clock::thread_cpu();
        // A page that is not text scores as one with no article.
        let (kind, article) = match extract(&html, None, &url, &options) {
            Ok(x) => (format!("{:?}", x.kind), x.article),
            Err(e) => (e.to_string(), None),
        };
        let took = clock::thread_cpu().saturating_sub(start);
        elapsed += took;
        report.pages += 1;
        report.hubs += usize::from(article.is_none());
        let a = article.unwrap_or_default();
        report.empty_bodies += usize::from(a.body.trim().is_empty());
        let date = a.published.map(|d| d.to_rfc3339());
        if let Some(truth) = gt
            .get("body")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            body_counts.push(metrics::page_counts(truth, &a.body, report.ngram));
        }
        let with = strings(gt.get("with"));
        if !with.is_empty() {
            let (tp, fp, fnn, _) = metrics::segments(&with, &strings(gt.get("without")), &a.body);
            (seg_tp, seg_fp, seg_fn, seg_pages) =
                (seg_tp + tp, seg_fp + fp, seg_fn + fnn, seg_pages + 1);
        }
        if let Some(t) = gt
            .get("title")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            report
                .title
                .add(metrics::norm_text(t) == metrics::norm_text(&a.title));
        }
        if let Some(t) = gt.get("authors").filter(|v| {
            !metrics::author_set(v).is_empty() || v.as_str().is_some_and(|s| !s.is_empty())
        }) {
            let mut truth = metrics::author_set(t);
            let mut pred = metrics::author_set(&json!(a.authors));
            truth.sort();
            pred.sort();
            report.authors.add(truth == pred);
        }
        if let Some(t) = gt
            .get("date")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            if let Some(truth) = metrics::parse_when(t) {
                let pred = date.as_deref().and_then(metrics::parse_when);
                let (day, minute) = metrics::date_match(&truth, pred.as_ref());
                report.date_day.add(day);
                if let Some(m) = minute {
                    report.date_minute.add(m);
                }
            } else {
                report.date_day.add(false);
            }
        }
        if let Some(out) = &args.out {
            let pred = json!({"body": a.body, "title": a.title, "authors": a.authors, "date": date,
                "cpu_seconds": took.as_secs_f64(), "seconds": took.as_secs_f64(), "kind": kind});
            let file = out.join(format!("{id}.json"));
            io(&file, std::fs::write(&file, pred.to_string()))?;
        }
    }
    if !body_counts.is_empty() {
        let (p, r, f) = metrics::aggregate(&body_counts);
        report.body = Some((p, r, f, body_counts.len()));
    }
    if seg_pages > 0 {
        let p = if seg_tp + seg_fp > 0 {
            seg_tp as f64 / (seg_tp + seg_fp) as f64
        } else {
            0.0
        };
        let r = if seg_tp + seg_fn > 0 {
            seg_tp as f64 / (seg_tp + seg_fn) as f64
        } else {
            0.0
        };
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        report.segments = Some((p, r, f, seg_pages));
    }
    if report.pages > 0 {
        report.ms_per_page = elapsed.as_secs_f64() * 1000.0 / report.pages as f64;
    }
    Ok(report)
}
