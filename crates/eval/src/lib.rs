//! Evaluation of `newshound-extract` on a labelled set: body precision/recall/F1 as
//! `shared/eval/score.py` defines them, title / authors / date exact-match rates, and the
//! single-threaded extraction time per page.
//!
//! Generalization is measured, not assumed: every page is assigned to a fold by a stable hash
//! of its site (registrable domain), one fold is the *checking* part and the others the
//! *tuning* part, and the report gives both with their gap. `--rotate` scores every fold as
//! the checking part in turn (k-fold by site). `--baseline DIR` scores another extractor's
//! predictions (the `score.py` format) on the same parts, and `--explain` prints which rule
//! decided each field of each page, with how many sites every rule fired on.
//!
//! Layout:
//! - [`EvalArgs`] (clap arguments) and [`run`], which returns an [`EvalReport`] (`Display`).
//! - `metrics.rs`: the metric definitions of `score.py`; `clock.rs`: the thread CPU clock;
//!   `parts.rs`: scores per page and their sums over a part; `explain.rs`: the rule tally.
//! - `--out DIR` writes one prediction JSON per page for cross-checking with `score.py`.
//! - Examples: `eval` (command-line run of [`run`]), `inspect` (one page's extraction).
#![deny(missing_docs)]

mod clock;
mod explain;
mod metrics;
mod parts;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use newshound_extract::{ExtractOptions, extract};
use serde_json::{Value, json};

pub use parts::{Figures, Rate};

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
    /// Number of folds the sites are split into (by a hash of the registrable domain).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(2..=20))]
    pub folds: u32,
    /// The fold that is the checking part; the others are the tuning part.
    #[arg(long, default_value_t = 0)]
    pub check_fold: u32,
    /// Also score every fold as the checking part in turn (k-fold by site).
    #[arg(long)]
    pub rotate: bool,
    /// Predictions of another extractor (`<id>.json` as `score.py --pred` reads), scored on
    /// the same parts.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Name of the baseline in the report.
    #[arg(long, default_value = "baseline")]
    pub baseline_name: String,
    /// Print the rule that decided each field of each page, then a tally of the rules.
    #[arg(long)]
    pub explain: bool,
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
    /// A ground-truth or baseline file is not valid JSON or lacks its `url`.
    #[error("{path}: bad JSON: {message}")]
    Json {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The `--timezone` value is not an IANA zone name.
    #[error("unknown time zone {0:?}")]
    Timezone(String),
    /// `--check-fold` is not below `--folds`.
    #[error("--check-fold {fold} must be below --folds {folds}")]
    Fold {
        /// The fold asked for.
        fold: u32,
        /// The number of folds.
        folds: u32,
    },
}

/// Figures of one evaluation run.
#[derive(Clone, Debug, Default)]
pub struct EvalReport {
    /// Number of folds and the checking fold.
    pub folds: (u32, u32),
    /// Sites in the set, in the tuning part and in the checking part.
    pub sites: (usize, usize, usize),
    /// All pages.
    pub all: Figures,
    /// The tuning part.
    pub tune: Figures,
    /// The checking part.
    pub check: Figures,
    /// The baseline's figures on all, tuning and checking pages, with its name.
    pub baseline: Option<(String, Figures, Figures, Figures)>,
    /// With `--rotate`: each fold's figures as the checking part, and the rest's.
    pub rotation: Vec<(Figures, Figures)>,
    /// With `--explain`: one line per page, then the rule tally.
    pub explain: Option<String>,
    /// Mean extraction CPU time per page on one thread, in milliseconds.
    pub ms_per_page: f64,
    /// Body shingle size.
    pub ngram: usize,
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(explain) = &self.explain {
            writeln!(f, "{explain}")?;
        }
        let (folds, check) = self.folds;
        writeln!(
            f,
            "pages {} from {} sites (hubs {}, empty bodies {}); body in {}-gram shingles",
            self.all.pages, self.sites.0, self.all.hubs, self.all.empty_bodies, self.ngram
        )?;
        writeln!(
            f,
            "split by site into {folds} folds: checking = fold {check} ({} pages, {} sites), \
             tuning = the rest ({} pages, {} sites); gap = tuning - checking",
            self.check.pages, self.sites.2, self.tune.pages, self.sites.1
        )?;
        let mut header = vec!["all", "tuning", "checking", "gap"];
        let base_name;
        let mut columns = vec![&self.all, &self.tune, &self.check];
        if let Some((name, a, t, c)) = &self.baseline {
            base_name = format!("{name}: all");
            header.extend([
                base_name.as_str(),
                "tuning",
                "checking",
                "ours-base (check)",
            ]);
            columns.extend([a, t, c]);
        }
        write!(f, "{:<16}", "")?;
        for h in &header {
            write!(f, " {h:>9}")?;
        }
        writeln!(f)?;
        for row in parts::ROWS {
            let values: Vec<Option<f64>> = columns.iter().map(|c| c.value(row)).collect();
            if values.iter().all(Option::is_none) {
                continue;
            }
            write!(f, "{:<16}", row.name())?;
            let cell = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
            let diff = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => format!("{:+.3}", a - b),
                _ => "-".to_string(),
            };
            for v in &values[..3] {
                write!(f, " {:>9}", cell(*v))?;
            }
            write!(f, " {:>9}", diff(values[1], values[2]))?;
            if values.len() > 3 {
                for v in &values[3..6] {
                    write!(f, " {:>9}", cell(*v))?;
                }
                write!(f, " {:>9}", diff(values[2], values[5]))?;
            }
            writeln!(f)?;
        }
        if !self.rotation.is_empty() {
            writeln!(
                f,
                "rotation, each fold as the checking part (checking/tuning): fold, pages, body F1 \
                 (segments F1 where the truth is segments), title, authors, date day"
            )?;
            for (i, (c, t)) in self.rotation.iter().enumerate() {
                let pair =
                    |row: parts::Row| match (c.value_or_segments(row), t.value_or_segments(row)) {
                        (Some(a), Some(b)) => format!("{a:.3}/{b:.3}"),
                        _ => "-".into(),
                    };
                writeln!(
                    f,
                    "  fold {i} {:>5}  {:>13}  {:>13}  {:>13}  {:>13}",
                    c.pages,
                    pair(parts::Row::BodyF1),
                    pair(parts::Row::Title),
                    pair(parts::Row::Authors),
                    pair(parts::Row::DateDay)
                )?;
            }
            let worst = |row: parts::Row| {
                self.rotation
                    .iter()
                    .filter_map(|(c, t)| {
                        Some(t.value_or_segments(row)? - c.value_or_segments(row)?)
                    })
                    .fold(None, |m: Option<f64>, g| Some(m.map_or(g, |m| m.max(g))))
            };
            let show = |g: Option<f64>| g.map_or_else(|| "-".to_string(), |g| format!("{g:+.3}"));
            writeln!(
                f,
                "  largest gap: body F1 {}, title {}, authors {}, date day {}",
                show(worst(parts::Row::BodyF1)),
                show(worst(parts::Row::Title)),
                show(worst(parts::Row::Authors)),
                show(worst(parts::Row::DateDay))
            )?;
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

fn read_json(path: &Path) -> Result<Value, EvalError> {
    serde_json::from_str(&io(path, std::fs::read_to_string(path))?).map_err(|e| EvalError::Json {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The fold of a site: a stable hash (xxh3) of its registrable domain.
fn fold_of(site: &str, folds: u32) -> u32 {
    (xxhash_rust::xxh3::xxh3_64(site.as_bytes()) % u64::from(folds)) as u32
}

/// The site of a page: its host's registrable domain (`www.bbc.co.uk` → `bbc.co.uk`).
fn site_of(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("");
    psl::domain_str(host).unwrap_or(host).to_ascii_lowercase()
}

/// Runs the extractor over every page that has ground truth and scores it.
pub fn run(args: &EvalArgs) -> Result<EvalReport, EvalError> {
    if args.check_fold >= args.folds {
        return Err(EvalError::Fold {
            fold: args.check_fold,
            folds: args.folds,
        });
    }
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
    let ngram = args.ngram.max(1);
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut tally = explain::Tally::default();
    let mut elapsed = Duration::ZERO;
    for path in &truth_files {
        let gt = read_json(path)?;
        let bad = |message: &str| EvalError::Json {
            path: path.clone(),
            message: message.to_string(),
        };
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let url = gt
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no url"))?;
        let url = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
        let site = site_of(&url);
        let html_path = args.pages.join(format!("{id}.html"));
        let html = io(&html_path, std::fs::read(&html_path))?;
        let start = clock::thread_cpu();
        // A page that is not text scores as one with no article.
        let result = extract(&html, None, &url, &options);
        let took = clock::thread_cpu().saturating_sub(start);
        elapsed += took;
        let (kind, article, why) = match result {
            Ok(x) => (format!("{:?}", x.kind), x.article, Some(x.explain)),
            Err(e) => (e.to_string(), None, None),
        };
        let hub = article.is_none();
        let a = article.unwrap_or_default();
        let pred = parts::Prediction {
            body: a.body.clone(),
            title: a.title.clone(),
            authors: a.authors.clone(),
            date: a.published.map(|d| d.to_rfc3339()),
            hub,
        };
        let score = parts::PageScore::new(&site, &gt, &pred, ngram);
        if args.explain {
            tally.add(
                id,
                &site,
                fold_of(&site, args.folds),
                &score,
                &kind,
                why.as_ref(),
            );
        }
        ours.push(score);
        if let Some(dir) = &args.baseline {
            let file = dir.join(format!("{id}.json"));
            let pred = if file.exists() {
                parts::Prediction::from_json(&read_json(&file)?)
            } else {
                parts::Prediction::missing()
            };
            theirs.push(parts::PageScore::new(&site, &gt, &pred, ngram));
        }
        if let Some(out) = &args.out {
            let pred = json!({"body": a.body, "title": a.title, "authors": a.authors,
                "date": pred.date, "cpu_seconds": took.as_secs_f64(),
                "seconds": took.as_secs_f64(), "kind": kind});
            let file = out.join(format!("{id}.json"));
            io(&file, std::fs::write(&file, pred.to_string()))?;
        }
    }
    let folds = args.folds;
    let in_check = |fold: u32| move |s: &parts::PageScore| fold_of(&s.site, folds) == fold;
    let split = |scores: &[parts::PageScore], fold: u32| {
        let check = in_check(fold);
        (
            Figures::over(scores.iter().filter(|s| !check(s))),
            Figures::over(scores.iter().filter(|s| check(s))),
        )
    };
    let (tune, check) = split(&ours, args.check_fold);
    let mut sites: Vec<&str> = ours.iter().map(|s| s.site.as_str()).collect();
    sites.sort_unstable();
    sites.dedup();
    let checking = sites
        .iter()
        .filter(|s| fold_of(s, folds) == args.check_fold)
        .count();
    let baseline = args.baseline.as_ref().map(|_| {
        let (t, c) = split(&theirs, args.check_fold);
        (
            args.baseline_name.clone(),
            Figures::over(theirs.iter()),
            t,
            c,
        )
    });
    let rotation = if args.rotate {
        (0..folds)
            .map(|i| {
                let (t, c) = split(&ours, i);
                (c, t)
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(EvalReport {
        folds: (folds, args.check_fold),
        sites: (sites.len(), sites.len() - checking, checking),
        all: Figures::over(ours.iter()),
        tune,
        check,
        baseline,
        rotation,
        explain: args.explain.then(|| tally.to_string()),
        ms_per_page: if ours.is_empty() {
            0.0
        } else {
            elapsed.as_secs_f64() * 1000.0 / ours.len() as f64
        },
        ngram,
    })
}
