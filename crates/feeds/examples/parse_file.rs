//! Parses one feed or sitemap file and prints what it found, for measuring
//! the cost of a document (run it under `/usr/bin/time -v`).
//!
//! `cargo run --release -p newshound-feeds --example parse_file -- FILE [BASE_URL [MAX_ENTRIES]]`
//!
//! `MAX_ENTRIES` sets both entry caps (default: `Limits::default()`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: parse_file FILE [BASE_URL [MAX_ENTRIES]]");
        return ExitCode::from(2);
    };
    let base = args
        .next()
        .unwrap_or_else(|| "https://feeds.example/feed.xml".into());
    let base = match url::Url::parse(&base) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("bad base URL {base}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut limits = newshound_feeds::Limits::default();
    if let Some(max) = args.next() {
        match max.parse() {
            Ok(n) => {
                limits.max_feed_entries = n;
                limits.max_sitemap_entries = n;
            }
            Err(e) => {
                eprintln!("bad MAX_ENTRIES {max}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let body = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    match newshound_feeds::parse_with(&body, None, &base, &limits) {
        Ok(doc) => {
            println!(
                "{path}: {:?}, {} entries, gzipped {}, in {:.3} s",
                doc.format,
                doc.entries.len(),
                doc.gzipped,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{path}: {e}");
            ExitCode::FAILURE
        }
    }
}
