//! The metrics of `score.py`, re-implemented: body shingles and segments, title, authors, date.

use foldhash::HashMap;
use foldhash::HashMapExt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Timelike};
use unicode_normalization::UnicodeNormalization;

/// Word tokens as Python's `\w+` finds them (letters, digits, underscore).
pub(crate) fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect()
}

fn shingles<'a>(tokens: &'a [&'a str], n: usize) -> HashMap<&'a [&'a str], i64> {
    let mut m = HashMap::new();
    if tokens.is_empty() {
        return m;
    }
    if tokens.len() < n {
        *m.entry(tokens).or_insert(0) += 1;
        return m;
    }
    for w in tokens.windows(n) {
        *m.entry(w).or_insert(0) += 1;
    }
    m
}

/// Per-page `(tp, fp, fn)` over `n`-token shingles, scaled to sum to 1 (or all 0).
pub(crate) fn page_counts(truth: &str, pred: &str, n: usize) -> (f64, f64, f64) {
    let (tt, pt) = (tokens(truth), tokens(pred));
    let (t, p) = (shingles(&tt, n), shingles(&pt, n));
    let mut tp = 0i64;
    let mut fp = 0i64;
    for (k, &pc) in &p {
        let tc = t.get(k).copied().unwrap_or(0);
        tp += pc.min(tc);
        fp += (pc - tc).max(0);
    }
    let fnn: i64 = t
        .iter()
        .map(|(k, &tc)| (tc - p.get(k).copied().unwrap_or(0)).max(0))
        .sum();
    let total = (tp + fp + fnn) as f64;
    if total == 0.0 {
        return (0.0, 0.0, 0.0);
    }
    (tp as f64 / total, fp as f64 / total, fnn as f64 / total)
}

/// Precision, recall and F1 of the averages, as `score.py` aggregates them.
pub(crate) fn aggregate(counts: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let prec = |&(tp, fp, fnn): &(f64, f64, f64)| {
        if fp == 0.0 && fnn == 0.0 {
            1.0
        } else if tp + fp > 0.0 {
            tp / (tp + fp)
        } else {
            0.0
        }
    };
    let rec = |&(tp, fp, fnn): &(f64, f64, f64)| {
        if fp == 0.0 && fnn == 0.0 {
            1.0
        } else if tp + fnn > 0.0 {
            tp / (tp + fnn)
        } else {
            0.0
        }
    };
    let ps: Vec<f64> = counts
        .iter()
        .filter(|c| c.0 + c.1 > 0.0)
        .map(prec)
        .collect();
    let rs: Vec<f64> = counts.iter().filter(|c| c.0 + c.2 > 0.0).map(rec).collect();
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let (p, r) = (mean(&ps), mean(&rs));
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// Whitespace collapse.
pub(crate) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Segment counts `(tp, fp, fn, tn)` for one page.
pub(crate) fn segments(
    with: &[String],
    without: &[String],
    pred: &str,
) -> (usize, usize, usize, usize) {
    let text = collapse(pred);
    let present = |s: &String| !text.is_empty() && text.contains(&collapse(s));
    let w = with.iter().filter(|s| present(s)).count();
    let wo = without.iter().filter(|s| present(s)).count();
    (w, wo, with.len() - w, without.len() - wo)
}

fn is_format_char(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}' | '\u{180e}'
        | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// NFKC, format characters dropped, whitespace collapsed.
pub(crate) fn norm_text(s: &str) -> String {
    let s: String = s.nfkc().filter(|c| !is_format_char(*c)).collect();
    collapse(&s)
}

fn clean_name(name: &str) -> String {
    let n = norm_text(name).to_lowercase();
    let n = n.trim_matches([' ', '.', ',', ':', ';', '-', '–', '—', '|']);
    for p in ["by", "von", "par", "por", "di", "door"] {
        if let Some(rest) = n.strip_prefix(p)
            && rest.starts_with(char::is_whitespace)
        {
            return rest.trim().to_string();
        }
    }
    n.trim().to_string()
}

/// Author names as `score.py` normalises them: strings split on `; | , and und &`.
pub(crate) fn author_set(value: &serde_json::Value) -> Vec<String> {
    let parts: Vec<String> = match value {
        serde_json::Value::String(s) => split_names(&norm_text(s)),
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for p in parts {
        let n = clean_name(&p);
        if n.chars().count() >= 2 && !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

fn split_names(s: &str) -> Vec<String> {
    let marked: Vec<String> = s
        .split(' ')
        .map(|w| match w.to_lowercase().as_str() {
            "and" | "und" => "\u{0}".to_string(),
            _ => w.replace([';', '|', ',', '&'], "\u{0}"),
        })
        .collect();
    marked
        .join(" ")
        .split('\u{0}')
        .map(|p| p.trim().to_string())
        .collect()
}

/// A parsed date: the value (offset-aware or naive) and whether it carries a time of day.
pub(crate) enum When {
    /// With a UTC offset.
    Aware(DateTime<FixedOffset>, bool),
    /// Without one.
    Naive(NaiveDateTime, bool),
}

/// Parses an ISO 8601 date as `score.py` does.
pub(crate) fn parse_when(s: &str) -> Option<When> {
    let s = s.trim().replace('Z', "+00:00");
    let has_time = {
        let b = s.as_bytes();
        b.windows(4).any(|w| {
            w[0].is_ascii_digit() && (w[1] == b'T' || w[1] == b' ') && w[2].is_ascii_digit()
        }) && s.contains(':')
    };
    let iso = s.replacen(' ', "T", 1);
    if let Ok(d) = DateTime::parse_from_rfc3339(&iso) {
        return Some(When::Aware(d, has_time));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(&iso, f) {
            return Some(When::Aware(d, has_time));
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(&iso, f) {
            let midnight =
                d.hour() == 0 && d.minute() == 0 && d.second() == 0 && d.nanosecond() == 0;
            return Some(When::Naive(d, has_time && !midnight));
        }
    }
    let day = s
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())?;
    Some(When::Naive(day.and_hms_opt(0, 0, 0)?, false))
}

/// `(same day, same minute)` of a prediction against the truth; the second is `None` when the
/// truth has no time of day.
pub(crate) fn date_match(truth: &When, pred: Option<&When>) -> (bool, Option<bool>) {
    let t_time = match truth {
        When::Aware(_, t) | When::Naive(_, t) => *t,
    };
    let Some(pred) = pred else {
        return (false, t_time.then_some(false));
    };
    let p_time = match pred {
        When::Aware(_, t) | When::Naive(_, t) => *t,
    };
    let (day, minute) = match (truth, pred) {
        (When::Aware(t, _), When::Aware(p, _)) => {
            let p_local = p.with_timezone(t.offset());
            (
                p_local.date_naive() == t.date_naive(),
                (p.timestamp() - t.timestamp()).abs() < 60,
            )
        }
        (When::Aware(t, _), When::Naive(p, _)) => (
            p.date() == t.date_naive(),
            (p.and_utc().timestamp() - t.naive_local().and_utc().timestamp()).abs() < 60,
        ),
        (When::Naive(t, _), When::Aware(p, _)) => (
            p.date_naive() == t.date(),
            (p.naive_local().and_utc().timestamp() - t.and_utc().timestamp()).abs() < 60,
        ),
        (When::Naive(t, _), When::Naive(p, _)) => (
            p.date() == t.date(),
            (p.and_utc().timestamp() - t.and_utc().timestamp()).abs() < 60,
        ),
    };
    (day, t_time.then_some(p_time && minute))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shingle_counts() {
        let (tp, fp, fnn) = page_counts("a b c d e", "a b c d x", 4);
        assert!(
            (tp - 1.0 / 3.0).abs() < 1e-9
                && (fp - 1.0 / 3.0).abs() < 1e-9
                && (fnn - 1.0 / 3.0).abs() < 1e-9
        );
        assert_eq!(page_counts("", "", 4), (0.0, 0.0, 0.0));
    }

    #[test]
    fn authors_and_dates() {
        let v = serde_json::json!("By Ann Lee and Bo Kim; Cy");
        assert_eq!(author_set(&v), ["ann lee", "bo kim", "cy"]);
        let t = parse_when("2025-06-05 14:46:12+02:00").expect("date");
        let p = parse_when("2025-06-05T12:46:30+00:00").expect("date");
        assert_eq!(date_match(&t, Some(&p)), (true, Some(true)));
        let d = parse_when("2019-01-05").expect("date");
        assert_eq!(date_match(&d, Some(&p)).1, None);
    }
}
