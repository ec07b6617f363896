//! `--explain`: the rule behind each field of each page, and a tally of the rules with the
//! number of sites each fired on and how often it was right, so that a rule that only one
//! site exercises stands out.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use newshound_extract::Explain;

use crate::parts::PageScore;

/// One rule's record: pages, sites, and right answers where the truth has the field.
#[derive(Default)]
struct RuleCount {
    pages: usize,
    sites: BTreeSet<String>,
    right: usize,
    judged: usize,
}

/// The per-page lines and the rule tally.
#[derive(Default)]
pub(crate) struct Tally {
    lines: String,
    rules: BTreeMap<(&'static str, String), RuleCount>,
}

fn mark(hit: Option<bool>) -> &'static str {
    match hit {
        Some(true) => "ok",
        Some(false) => "WRONG",
        None => "-",
    }
}

impl Tally {
    /// Records one page.
    pub(crate) fn add(
        &mut self,
        id: &str,
        site: &str,
        fold: u32,
        score: &PageScore,
        outcome: &str,
        why: Option<&Explain>,
    ) {
        let body_f1 = score.body.map(|(tp, fp, fnn)| {
            let d = 2.0 * tp + fp + fnn;
            if d > 0.0 { 2.0 * tp / d } else { 1.0 }
        });
        let body_hit = body_f1.map(|f| f >= 0.9);
        let Some(why) = why else {
            let _ = writeln!(self.lines, "{id} {site} (fold {fold}): {outcome}");
            self.count("kind", outcome, site, None);
            return;
        };
        let kind = why.kind.split(':').next().unwrap_or_default();
        let _ = writeln!(
            self.lines,
            "{id} {site} (fold {fold}): kind [{}]; title [{}] {}; authors [{}] {}; published [{}] {}; \
             body [{}] F1 {}",
            why.kind,
            why.title,
            mark(score.title),
            why.authors,
            mark(score.authors),
            why.published,
            mark(score.date_day),
            why.body,
            body_f1.map_or_else(|| "-".to_string(), |f| format!("{f:.2}")),
        );
        self.count("kind", kind, site, None);
        self.count("title", why.title, site, score.title);
        self.count("authors", why.authors, site, score.authors);
        self.count("published", why.published, site, score.date_day);
        self.count("body", why.body, site, body_hit);
    }

    fn count(&mut self, field: &'static str, rule: &str, site: &str, hit: Option<bool>) {
        let c = self.rules.entry((field, rule.to_string())).or_default();
        c.pages += 1;
        c.sites.insert(site.to_string());
        if let Some(hit) = hit {
            c.judged += 1;
            c.right += usize::from(hit);
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.lines)?;
        writeln!(
            f,
            "rules (field, rule: pages, sites, right/judged; body right = page F1 >= 0.9; \
             '<- one site' marks a rule only one site exercises):"
        )?;
        for ((field, rule), c) in &self.rules {
            let right = if c.judged > 0 {
                format!(
                    "{}/{} ({:.0}%)",
                    c.right,
                    c.judged,
                    100.0 * c.right as f64 / c.judged as f64
                )
            } else {
                "-".to_string()
            };
            let lone = if c.sites.len() == 1 && c.pages > 0 {
                "  <- one site"
            } else {
                ""
            };
            writeln!(
                f,
                "  {field:<9} {rule}: {} pages, {} sites, right {right}{lone}",
                c.pages,
                c.sites.len()
            )?;
        }
        Ok(())
    }
}
