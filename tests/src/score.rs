//! Output records against the fixture site's truth.

use serde_json::Value;
use std::collections::HashMap;

use newshound_testsite::TruthArticle;

/// How a crawl's output compares with the truth.
#[derive(Debug, Default)]
pub struct Score {
    /// Articles in the truth.
    pub truth: usize,
    /// Records written.
    pub records: usize,
    /// Truth articles with exactly one record.
    pub found_once: usize,
    /// Truth articles with no record.
    pub missing: Vec<String>,
    /// Canonical URLs with more than one record.
    pub duplicated: Vec<String>,
    /// Records whose canonical URL is not a truth article.
    pub unexpected: Vec<String>,
    /// Records with the truth's title.
    pub title_equal: usize,
    /// Records with the truth's authors.
    pub authors_equal: usize,
    /// Records with the truth's published time.
    pub published_equal: usize,
    /// Records with the truth's updated time.
    pub updated_equal: usize,
    /// Records with the truth's subtitle.
    pub subtitle_equal: usize,
    /// Records with the truth's section (case-insensitive).
    pub section_equal: usize,
    /// Records with the truth's related links (as a set).
    pub related_equal: usize,
    /// Sum of per-record body token F1.
    pub body_f1_sum: f64,
    /// Lowest body token F1, with its URL.
    pub body_f1_min: (f64, String),
}

impl Score {
    /// Matched records (found at least once).
    pub fn matched(&self) -> usize {
        self.truth - self.missing.len()
    }

    /// Mean body token F1 over matched records.
    pub fn body_f1_mean(&self) -> f64 {
        self.body_f1_sum / self.matched().max(1) as f64
    }

    /// Share of matched records with `count` equal fields.
    pub fn rate(&self, count: usize) -> f64 {
        count as f64 / self.matched().max(1) as f64
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "truth articles {}, records {}, found exactly once {}",
            self.truth, self.records, self.found_once
        )?;
        writeln!(
            f,
            "missing {}, duplicated {}, unexpected {}",
            self.missing.len(),
            self.duplicated.len(),
            self.unexpected.len()
        )?;
        for (name, n) in [
            ("title", self.title_equal),
            ("authors", self.authors_equal),
            ("published", self.published_equal),
            ("updated", self.updated_equal),
            ("subtitle", self.subtitle_equal),
            ("section", self.section_equal),
            ("related", self.related_equal),
        ] {
            writeln!(f, "{name:>10} equal: {:.4}", self.rate(n))?;
        }
        write!(
            f,
            "body token F1: mean {:.4}, min {:.4} ({})",
            self.body_f1_mean(),
            self.body_f1_min.0,
            self.body_f1_min.1
        )
    }
}

fn text<'a>(record: &'a Value, key: &str) -> Option<&'a str> {
    record.get(key).and_then(Value::as_str)
}

fn strings(record: &Value, key: &str) -> Vec<String> {
    record
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Bag-of-words F1 of two texts (lower-cased alphanumeric tokens).
pub fn token_f1(predicted: &str, truth: &str) -> f64 {
    fn bag(s: &str) -> HashMap<String, usize> {
        let mut bag = HashMap::new();
        for token in s
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
        {
            *bag.entry(token.to_lowercase()).or_insert(0) += 1;
        }
        bag
    }
    let (p, t) = (bag(predicted), bag(truth));
    let overlap: usize = p
        .iter()
        .map(|(k, n)| (*n).min(t.get(k).copied().unwrap_or(0)))
        .sum();
    let (np, nt) = (p.values().sum::<usize>(), t.values().sum::<usize>());
    if np == 0 || nt == 0 {
        return if np == nt { 1.0 } else { 0.0 };
    }
    let (precision, recall) = (overlap as f64 / np as f64, overlap as f64 / nt as f64);
    if overlap == 0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

/// Compares records with the truth, by canonical URL.
pub fn score(records: &[Value], truth: &[TruthArticle]) -> Score {
    let mut by_url: HashMap<&str, Vec<&Value>> = HashMap::new();
    for r in records {
        by_url
            .entry(text(r, "canonical_url").unwrap_or(""))
            .or_default()
            .push(r);
    }
    let mut s = Score {
        truth: truth.len(),
        records: records.len(),
        body_f1_min: (1.0, String::new()),
        ..Score::default()
    };
    for (url, rs) in &by_url {
        if rs.len() > 1 {
            s.duplicated.push(url.to_string());
        }
        if !truth.iter().any(|t| t.url == *url) {
            s.unexpected.push(url.to_string());
        }
    }
    for t in truth {
        let Some(rs) = by_url.get(t.url.as_str()) else {
            s.missing.push(t.url.clone());
            continue;
        };
        if rs.len() == 1 {
            s.found_once += 1;
        }
        let r = rs[0];
        s.title_equal += usize::from(text(r, "title") == Some(&t.title));
        s.authors_equal += usize::from(strings(r, "authors") == t.authors);
        s.published_equal += usize::from(text(r, "published") == Some(&t.published));
        s.updated_equal += usize::from(text(r, "updated") == t.updated.as_deref());
        s.subtitle_equal += usize::from(text(r, "subtitle") == t.subtitle.as_deref());
        let section = text(r, "section").map(str::to_lowercase);
        s.section_equal += usize::from(section.as_deref() == Some(&t.section.to_lowercase()));
        let mut related = strings(r, "related");
        let mut want = t.related.clone();
        related.sort();
        want.sort();
        s.related_equal += usize::from(related == want);
        let f1 = token_f1(text(r, "body").unwrap_or(""), &t.body);
        s.body_f1_sum += f1;
        if f1 < s.body_f1_min.0 {
            s.body_f1_min = (f1, t.url.clone());
        }
    }
    s.duplicated.sort();
    s.unexpected.sort();
    s
}

#[cfg(test)]
mod tests {
    use super::token_f1;

    #[test]
    fn token_f1_counts_overlap() {
        assert_eq!(token_f1("a b c", "a b c"), 1.0);
        assert_eq!(token_f1("", ""), 1.0);
        assert_eq!(token_f1("x", "y"), 0.0);
        let f = token_f1("a b", "a b c d");
        assert!((f - 2.0 * 1.0 * 0.5 / 1.5).abs() < 1e-9);
    }
}
