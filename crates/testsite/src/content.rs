//! Deterministic text generation: one article from a seeded random generator.

use chrono::{Duration, NaiveDateTime};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{RngExt, SeedableRng};

use crate::model::{Article, Block, Photo, SECTIONS};
use crate::vocab::{SECTION_VOCAB, Vocab};
use crate::words;

/// How far back publication times reach from the site's base date.
const SPAN_MINUTES: i64 = 730 * 24 * 60;

/// Caption templates (same slots as sentences), followed by a credit.
const CAPTIONS: &[&str] = &[
    "{person} speaks during a press briefing in {place}, {day}.",
    "Visitors look around an exhibition on {topic} in {place}, {day}.",
    "Officials from {org} attend a meeting on {topic} in {place}, {day}.",
    "People walk past a banner about {topic} in {place} in this {month} file photo.",
];

/// Photo credits.
const CREDITS: &[&str] = &[
    "Yonhap",
    "Newsis",
    "AP-Yonhap",
    "Reuters-Yonhap",
    "Seoul Courier photo",
];

/// Generator state for one article: its random stream and its section's vocabulary.
struct Writer {
    rng: StdRng,
    vocab: &'static Vocab,
    /// Sentence templates not used yet in this article (refilled and reshuffled when empty).
    deck: Vec<&'static str>,
}

impl Writer {
    fn pick(&mut self, list: &'static [&'static str]) -> &'static str {
        list.choose(&mut self.rng).copied().unwrap_or("")
    }

    fn name(&mut self) -> String {
        format!(
            "{} {}",
            self.pick(words::SURNAMES),
            self.pick(words::GIVEN_NAMES)
        )
    }

    /// Fills every `{slot}` of `template`; the first letter is upper-cased.
    fn fill(&mut self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 64);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let slot = &rest[start + 1..start + len];
            self.slot(slot, &mut out);
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        capitalize(&out)
    }

    /// Fills a template picked from `list`.
    fn fill_from(&mut self, list: &'static [&'static str]) -> String {
        let template = self.pick(list);
        self.fill(template)
    }

    fn slot(&mut self, slot: &str, out: &mut String) {
        use std::fmt::Write as _;
        let vocab = self.vocab;
        let _ = match slot {
            "org" | "org2" => write!(out, "{}", self.pick(vocab.orgs)),
            "topic" => write!(out, "{}", self.pick(vocab.topics)),
            "action" => write!(out, "{}", self.pick(vocab.actions)),
            "person" => {
                let role = self.pick(words::ROLES);
                let name = self.name();
                write!(out, "{role} {name}")
            }
            "quote" | "quote2" => write!(out, "{}", self.pick(words::QUOTES)),
            "role" => write!(out, "{}", self.pick(words::ROLES)),
            "small2" => write!(out, "{}", self.rng.random_range(2..11)),
            "place" => write!(out, "{}", self.pick(words::PLACES)),
            "day" => write!(out, "{}", self.pick(words::DAYS)),
            "month" => write!(out, "{}", self.pick(words::MONTHS)),
            "said" => write!(out, "{}", self.pick(words::SAID)),
            "opener" => write!(out, "{}", self.pick(words::OPENERS)),
            "num" => write!(out, "{}", self.rng.random_range(2..96)),
            "small" => write!(out, "{}", self.rng.random_range(2..11)),
            "big" => write!(out, "{}", thousands(self.rng.random_range(120..48_000))),
            "year" => write!(out, "{}", self.rng.random_range(1998..2021)),
            _ => write!(out, "{{{slot}}}"),
        };
    }

    fn headline(&mut self) -> String {
        let mut best = String::new();
        for _ in 0..16 {
            let template = self.pick(words::HEADLINES);
            best = self.fill(template);
            if (6..=14).contains(&best.split_whitespace().count()) {
                break;
            }
        }
        best
    }

    /// The next sentence template: each is used once before any repeats.
    fn next_template(&mut self) -> &'static str {
        if self.deck.is_empty() {
            self.deck = words::SENTENCES.to_vec();
            self.deck.shuffle(&mut self.rng);
        }
        self.deck.pop().unwrap_or("")
    }

    fn paragraph(&mut self) -> String {
        let count = self.rng.random_range(2..=6);
        let sentences: Vec<String> = (0..count)
            .map(|_| {
                let template = self.next_template();
                self.fill(template)
            })
            .collect();
        sentences.join(" ")
    }

    fn photo(&mut self, stem: &str, n: usize) -> Photo {
        let caption = self.fill_from(CAPTIONS);
        let credit = self.pick(CREDITS);
        Photo {
            src: format!("/images/{stem}-{n}.jpg"),
            caption: format!("{caption} {credit}"),
        }
    }
}

/// Upper-cases the first character.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// 12345 → "12,345".
fn thousands(n: u32) -> String {
    if n >= 1000 {
        format!("{},{:03}", n / 1000, n % 1000)
    } else {
        n.to_string()
    }
}

/// URL slug from a headline: lower-case words, at most eight.
pub fn slugify(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .map(|w| w.replace('\'', "").to_ascii_lowercase())
        .filter(|w| !w.is_empty())
        .take(8)
        .collect();
    words.join("-")
}

/// The e-mail handle a byline name gets: "Nam Hyun-woo" → "namhw".
pub fn email_handle(name: &str) -> String {
    let mut parts = name.split([' ', '-']);
    let mut handle = parts.next().unwrap_or("").to_ascii_lowercase();
    handle.extend(
        parts
            .filter_map(|p| p.chars().next())
            .map(|c| c.to_ascii_lowercase()),
    );
    handle
}

/// Generates article `index` of the site for `seed`; `id` and `related` are filled in by the caller.
pub fn article(seed: u64, index: usize, base: NaiveDateTime) -> Article {
    let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index as u64);
    let section = rng.random_range(0..SECTIONS.len());
    let subs = SECTIONS[section].subs.len();
    let sub = (subs > 0 && rng.random_bool(0.8)).then(|| rng.random_range(0..subs));
    let mut w = Writer {
        rng,
        vocab: &SECTION_VOCAB[section],
        deck: Vec::new(),
    };

    let published = base - Duration::minutes(w.rng.random_range(0..SPAN_MINUTES));
    let updated = w
        .rng
        .random_bool(0.5)
        .then(|| published + Duration::minutes(w.rng.random_range(7..4 * 24 * 60)));
    let title = w.headline();
    let kicker = w.rng.random_bool(0.08).then(|| w.pick(words::KICKERS));
    let subtitle = w
        .rng
        .random_bool(0.7)
        .then(|| w.fill_from(words::SUBTITLES));
    let author_count = match w.rng.random_range(0..20) {
        0..13 => 1,
        13..18 => 2,
        _ => 3,
    };
    let mut authors: Vec<String> = Vec::with_capacity(author_count);
    while authors.len() < author_count {
        let name = w.name();
        if !authors.contains(&name) {
            authors.push(name);
        }
    }
    let slug = slugify(&title);
    let stem = format!(
        "{}/{}",
        published.format("%Y/%m/%d"),
        slug.split('-').take(3).collect::<Vec<_>>().join("-")
    );
    let lead = w.rng.random_bool(0.7).then(|| w.photo(&stem, 1));

    let paragraphs = w.rng.random_range(4..=15);
    let mut blocks: Vec<Block> = (0..paragraphs)
        .map(|_| Block::Para(w.paragraph()))
        .collect();
    if w.rng.random_bool(0.15) {
        let count = w.rng.random_range(3..=5);
        let items: Vec<&str> = words::LIST_ITEMS
            .sample(&mut w.rng, count)
            .copied()
            .collect();
        let items = items.into_iter().map(|t| w.fill(t)).collect();
        let at = w.rng.random_range(1..blocks.len());
        blocks.insert(at, Block::List(items));
    }
    if w.rng.random_bool(0.2) {
        let template = w.next_template();
        let quote = w.fill(template);
        let at = w.rng.random_range(2..blocks.len());
        blocks.insert(at, Block::Quote(quote));
    }
    if w.rng.random_bool(0.4) {
        let at = w.rng.random_range(2..blocks.len());
        blocks.insert(at, Block::Figure(w.photo(&stem, 2)));
    }
    let email = format!("{}@seoulcourier.example", email_handle(&authors[0]));
    Article {
        id: 0,
        section,
        sub,
        title,
        kicker,
        subtitle,
        authors,
        email,
        published,
        updated,
        filed: published.date(),
        revision: 1,
        published_ms: None,
        updated_ms: None,
        slug,
        lead,
        blocks,
        related: Vec::new(),
        jsonld_author: w.rng.random_bool(0.5),
        jsonld_modified: w.rng.random_bool(0.3),
        comments: w.rng.random_range(0..140),
    }
}

/// The paragraph that update `revision` (2 for the first update) of article `index` in `section` adds to its
/// body when the article is updated while the site is served.
pub fn follow_up(seed: u64, index: usize, revision: u32, section: usize) -> String {
    let stream =
        seed.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ ((index as u64) << 16) ^ u64::from(revision);
    let mut w = Writer {
        rng: StdRng::seed_from_u64(stream),
        vocab: &SECTION_VOCAB[section],
        deck: Vec::new(),
    };
    w.paragraph()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_handles_follow_the_seed_site() {
        assert_eq!(email_handle("Nam Hyun-woo"), "namhw");
        assert_eq!(email_handle("Kim Jae-won"), "kimjw");
    }

    #[test]
    fn slugs_are_lowercase_words() {
        assert_eq!(
            slugify("NK slams NATO chief's Seoul visit as 'prelude to war'"),
            "nk-slams-nato-chiefs-seoul-visit-as-prelude"
        );
    }
}
