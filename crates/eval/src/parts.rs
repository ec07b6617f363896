//! Scores per page, and their sums over a part of the set (all pages, a fold, the rest).

use serde_json::{Value, json};

use crate::metrics;

/// A rate with the number of pages it is over.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rate {
    /// Pages that matched.
    pub hits: usize,
    /// Pages counted.
    pub n: usize,
}

impl Rate {
    fn add(&mut self, hit: Option<bool>) {
        if let Some(hit) = hit {
            self.n += 1;
            self.hits += usize::from(hit);
        }
    }

    /// Share of hits (`None` when no page has truth for it).
    pub fn value(&self) -> Option<f64> {
        (self.n > 0).then(|| self.hits as f64 / self.n as f64)
    }
}

/// What an extractor gave for one page.
pub(crate) struct Prediction {
    pub body: String,
    pub title: String,
    pub authors: Vec<String>,
    pub date: Option<String>,
    /// No record at all (classed as a hub, or not text).
    pub hub: bool,
}

impl Prediction {
    /// A prediction file in the `score.py` format.
    pub fn from_json(v: &Value) -> Self {
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Self {
            body: text("body"),
            title: text("title"),
            authors: metrics::author_set(v.get("authors").unwrap_or(&Value::Null)),
            date: v.get("date").and_then(Value::as_str).map(str::to_string),
            hub: false,
        }
    }

    /// No prediction file for the page: scores as an empty result.
    pub fn missing() -> Self {
        Self {
            body: String::new(),
            title: String::new(),
            authors: Vec::new(),
            date: None,
            hub: true,
        }
    }
}

/// The scores of one page.
pub(crate) struct PageScore {
    /// Registrable domain of the page.
    pub site: String,
    /// Shingle counts against a full-text body truth.
    pub body: Option<(f64, f64, f64)>,
    /// Segment counts `(tp, fp, fn)` against with/without truth.
    pub segments: Option<(usize, usize, usize)>,
    pub title: Option<bool>,
    pub authors: Option<bool>,
    pub date_day: Option<bool>,
    pub date_minute: Option<bool>,
    pub hub: bool,
    pub empty: bool,
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

fn non_empty<'a>(gt: &'a Value, key: &str) -> Option<&'a str> {
    gt.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

impl PageScore {
    /// Scores a prediction against the page's truth.
    pub fn new(site: &str, gt: &Value, pred: &Prediction, ngram: usize) -> Self {
        let body = non_empty(gt, "body").map(|t| metrics::page_counts(t, &pred.body, ngram));
        let with = strings(gt.get("with"));
        let segments = (!with.is_empty()).then(|| {
            let (tp, fp, fnn, _) =
                metrics::segments(&with, &strings(gt.get("without")), &pred.body);
            (tp, fp, fnn)
        });
        let title = non_empty(gt, "title")
            .map(|t| metrics::norm_text(t) == metrics::norm_text(&pred.title));
        let authors = gt
            .get("authors")
            .filter(|v| {
                !metrics::author_set(v).is_empty() || v.as_str().is_some_and(|s| !s.is_empty())
            })
            .map(|t| {
                let mut truth = metrics::author_set(t);
                let mut got = metrics::author_set(&json!(pred.authors));
                truth.sort();
                got.sort();
                truth == got
            });
        let (mut date_day, mut date_minute) = (None, None);
        if let Some(t) = non_empty(gt, "date") {
            match metrics::parse_when(t) {
                Some(truth) => {
                    let got = pred.date.as_deref().and_then(metrics::parse_when);
                    let (day, minute) = metrics::date_match(&truth, got.as_ref());
                    date_day = Some(day);
                    date_minute = minute;
                }
                None => date_day = Some(false),
            }
        }
        Self {
            site: site.to_string(),
            body,
            segments,
            title,
            authors,
            date_day,
            date_minute,
            hub: pred.hub,
            empty: pred.body.trim().is_empty(),
        }
    }
}

/// Figures over a set of pages.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// Pages counted.
    pub pages: usize,
    /// Pages with no record (classed as hubs or not text).
    pub hubs: usize,
    /// Pages with an empty body.
    pub empty_bodies: usize,
    /// Body `(precision, recall, f1, pages)` over full-text truth.
    pub body: Option<(f64, f64, f64, usize)>,
    /// Body `(precision, recall, f1, pages)` over segment truth.
    pub segments: Option<(f64, f64, f64, usize)>,
    /// Title exact match.
    pub title: Rate,
    /// Author set exact match.
    pub authors: Rate,
    /// Publication date right to the day.
    pub date_day: Rate,
    /// Right to the minute, over truths with a time of day.
    pub date_minute: Rate,
}

/// A row of the report.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Row {
    BodyF1,
    BodyP,
    BodyR,
    SegmentF1,
    Title,
    Authors,
    DateDay,
    DateMinute,
    NoRecord,
}

/// The rows in report order.
pub(crate) const ROWS: [Row; 9] = [
    Row::BodyF1,
    Row::BodyP,
    Row::BodyR,
    Row::SegmentF1,
    Row::Title,
    Row::Authors,
    Row::DateDay,
    Row::DateMinute,
    Row::NoRecord,
];

impl Row {
    /// Label in the report.
    pub fn name(self) -> &'static str {
        match self {
            Row::BodyF1 => "body F1",
            Row::BodyP => "body precision",
            Row::BodyR => "body recall",
            Row::SegmentF1 => "segments F1",
            Row::Title => "title exact",
            Row::Authors => "authors exact",
            Row::DateDay => "date day",
            Row::DateMinute => "date minute",
            Row::NoRecord => "no record (share)",
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl Figures {
    /// Sums page scores.
    pub(crate) fn over<'a>(pages: impl Iterator<Item = &'a PageScore>) -> Self {
        let mut f = Figures::default();
        let mut body = Vec::new();
        let (mut tp, mut fp, mut fnn, mut seg_pages) = (0, 0, 0, 0);
        for s in pages {
            f.pages += 1;
            f.hubs += usize::from(s.hub);
            f.empty_bodies += usize::from(s.empty);
            body.extend(s.body);
            if let Some((a, b, c)) = s.segments {
                (tp, fp, fnn, seg_pages) = (tp + a, fp + b, fnn + c, seg_pages + 1);
            }
            f.title.add(s.title);
            f.authors.add(s.authors);
            f.date_day.add(s.date_day);
            f.date_minute.add(s.date_minute);
        }
        if !body.is_empty() {
            let (p, r, f1) = metrics::aggregate(&body);
            f.body = Some((p, r, f1, body.len()));
        }
        if seg_pages > 0 {
            let (p, r) = (ratio(tp, tp + fp), ratio(tp, tp + fnn));
            let f1 = if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            };
            f.segments = Some((p, r, f1, seg_pages));
        }
        f
    }

    /// Like [`Figures::value`], with segment F1 standing in for body F1 on a set whose truth
    /// is segments.
    pub(crate) fn value_or_segments(&self, row: Row) -> Option<f64> {
        match row {
            Row::BodyF1 => self.value(Row::BodyF1).or(self.value(Row::SegmentF1)),
            _ => self.value(row),
        }
    }

    /// The value of one report row (`None` when the part has no truth for it).
    pub(crate) fn value(&self, row: Row) -> Option<f64> {
        match row {
            Row::BodyF1 => self.body.map(|b| b.2),
            Row::BodyP => self.body.map(|b| b.0),
            Row::BodyR => self.body.map(|b| b.1),
            Row::SegmentF1 => self.segments.map(|b| b.2),
            Row::Title => self.title.value(),
            Row::Authors => self.authors.value(),
            Row::DateDay => self.date_day.value(),
            Row::DateMinute => self.date_minute.value(),
            Row::NoRecord => (self.pages > 0).then(|| ratio(self.hubs, self.pages)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_sums_its_pages_only() {
        let gt = json!({"url": "https://a.example/x", "body": "one two three four five",
            "title": "T", "authors": ["Ann Lee"], "date": "2024-01-02T03:04:00+00:00"});
        let right = Prediction {
            body: "one two three four five".into(),
            title: "T".into(),
            authors: vec!["Ann Lee".into()],
            date: Some("2024-01-02T03:04:30+00:00".into()),
            hub: false,
        };
        let a = PageScore::new("a.example", &gt, &right, 4);
        let b = PageScore::new("b.example", &gt, &Prediction::missing(), 4);
        let both = Figures::over([&a, &b].into_iter());
        assert_eq!(both.pages, 2);
        assert_eq!(both.hubs, 1);
        assert_eq!(both.title, Rate { hits: 1, n: 2 });
        assert_eq!(both.date_minute, Rate { hits: 1, n: 2 });
        let only_a = Figures::over([&a].into_iter());
        assert_eq!(only_a.value(Row::BodyF1), Some(1.0));
        assert_eq!(only_a.value(Row::NoRecord), Some(0.0));
        assert_eq!(only_a.value(Row::SegmentF1), None);
    }
}
