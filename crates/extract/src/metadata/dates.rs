//! Date parsing: ISO 8601 / RFC 3339 / RFC 2822, asctime, numeric dates in the usual orders
//! (slash dates month first only for US-style English pages, see [`Locale`]), month names in
//! several languages, Korean `년월일` and `오전/오후`, named zones; the site's zone fills in a
//! missing offset.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(u32, usize),
    Word(String),
    Sym(char),
}

fn tokenize(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut v: u32 = 0;
            let mut len = 0;
            while let Some(&d) = chars.peek() {
                let Some(n) = d.to_digit(10).filter(|_| d.is_ascii_digit()) else {
                    break;
                };
                v = v.saturating_mul(10).saturating_add(n);
                len += 1;
                chars.next();
            }
            out.push(Tok::Num(v, len));
        } else if c.is_alphabetic()
            && !matches!(c, '년' | '월' | '일' | '年' | '月' | '日' | '시' | '분')
        {
            let mut w = String::new();
            while let Some(&d) = chars.peek() {
                if !d.is_alphabetic()
                    || matches!(d, '년' | '월' | '일' | '年' | '月' | '日' | '시' | '분')
                {
                    break;
                }
                w.extend(d.to_lowercase());
                chars.next();
            }
            out.push(Tok::Word(w));
        } else {
            if !c.is_whitespace() {
                out.push(Tok::Sym(c));
            }
            chars.next();
        }
        if out.len() > 64 {
            break;
        }
    }
    out
}

fn month(word: &str) -> Option<u32> {
    const NAMES: &[(&str, u32)] = &[
        ("jan", 1),
        ("jän", 1),
        ("ene", 1),
        ("gen", 1),
        ("feb", 2),
        ("fév", 2),
        ("fev", 2),
        ("mar", 3),
        ("mär", 3),
        ("apr", 4),
        ("avr", 4),
        ("abr", 4),
        ("may", 5),
        ("mai", 5),
        ("mag", 5),
        ("jun", 6),
        ("juin", 6),
        ("giu", 6),
        ("jul", 7),
        ("juil", 7),
        ("lug", 7),
        ("aug", 8),
        ("aoû", 8),
        ("ago", 8),
        ("sep", 9),
        ("set", 9),
        ("oct", 10),
        ("okt", 10),
        ("ott", 10),
        ("out", 10),
        ("nov", 11),
        ("dec", 12),
        ("dez", 12),
        ("déc", 12),
        ("dic", 12),
        // Dutch, Scandinavian, Polish, Turkish.
        ("maart", 3),
        ("mei", 5),
        ("maj", 5),
        ("stycz", 1),
        ("lutego", 2),
        ("kwie", 4),
        ("czerw", 6),
        ("lipc", 7),
        ("sierp", 8),
        ("wrzes", 9),
        ("paźdz", 10),
        ("listop", 11),
        ("grud", 12),
        ("ocak", 1),
        ("şubat", 2),
        ("nisan", 4),
        ("haziran", 6),
        ("temmuz", 7),
        ("ağustos", 8),
        ("eylül", 9),
        ("ekim", 10),
        ("kasım", 11),
        // Czech, Slovak, Hungarian, Romanian.
        ("led", 1),
        ("úno", 2),
        ("bře", 3),
        ("dub", 4),
        ("kvě", 5),
        ("červn", 6),
        ("červen", 6),
        ("červenc", 7),
        ("srp", 8),
        ("zář", 9),
        ("říj", 10),
        ("prosin", 12),
        ("már", 3),
        ("ápr", 4),
        ("máj", 5),
        ("jún", 6),
        ("júl", 7),
        ("szept", 9),
        ("ian", 1),
        ("iun", 6),
        ("iul", 7),
        ("noiem", 11),
        // Russian (genitive and nominative stems).
        ("янв", 1),
        ("фев", 2),
        ("мар", 3),
        ("апр", 4),
        ("мая", 5),
        ("май", 5),
        ("июн", 6),
        ("июл", 7),
        ("авг", 8),
        ("сен", 9),
        ("окт", 10),
        ("ноя", 11),
        ("дек", 12),
        // Ukrainian.
        ("січ", 1),
        ("лют", 2),
        ("берез", 3),
        ("квіт", 4),
        ("трав", 5),
        ("черв", 6),
        ("лип", 7),
        ("серп", 8),
        ("верес", 9),
        ("жовт", 10),
        ("листоп", 11),
        ("груд", 12),
    ];
    if word.chars().count() < 3 {
        return None;
    }
    // Longest prefix wins ("juil" before "jul", "juin" before "jun"); a prefix is a whole
    // abbreviation or the start of a longer word.
    NAMES
        .iter()
        .filter(|(p, _)| word.starts_with(p))
        .max_by_key(|(p, _)| p.len())
        .map(|&(_, m)| m)
}

fn is_date_sep(t: Option<&Tok>) -> bool {
    matches!(
        t,
        Some(Tok::Sym('-' | '.' | '/' | '년' | '年' | '月' | '월'))
    )
}

/// Words between a day and its month or year: ordinal suffixes and "of" ("3rd of May",
/// "1er mai", "3 de mayo de 2022").
fn is_filler(t: Option<&Tok>) -> bool {
    matches!(t, Some(Tok::Word(w)) if matches!(w.as_str(), "st" | "nd" | "rd" | "th" | "er" | "of" | "de" | "del"))
}

/// Finds a calendar date; returns it and the index of the token after it (or of its time of
/// day, when that comes before the year). `month_first` reads `04/05/2022` as April 5.
fn find_date(t: &[Tok], month_first: bool) -> Option<(NaiveDate, usize)> {
    for i in 0..t.len() {
        let get = |k: usize| t.get(i + k);
        let num = |k: usize| match t.get(i + k) {
            Some(Tok::Num(v, l)) => Some((*v, *l)),
            _ => None,
        };
        let Some(first) = num(0).or_else(|| match get(0) {
            Some(Tok::Word(w)) => month(w).map(|m| (m, 0)),
            _ => None,
        }) else {
            continue;
        };
        // 20230130
        if first.1 == 8
            && let Some(d) = NaiveDate::from_ymd_opt(
                (first.0 / 10000) as i32,
                first.0 / 100 % 100,
                first.0 % 100,
            )
        {
            return Some((d, i + 1));
        }
        // YYYY-MM-DD, YYYY.MM.DD, YYYY년 MM월 DD일
        if first.1 == 4
            && is_date_sep(get(1))
            && is_date_sep(get(3))
            && let (Some((m, _)), Some((d, _))) = (num(2), num(4))
            && let Some(date) = NaiveDate::from_ymd_opt(first.0 as i32, m, d)
        {
            return Some((date, i + 5));
        }
        // YYYY. Month DD (Hungarian "2022. május 3.")
        if first.1 == 4
            && matches!(get(1), Some(Tok::Sym('.')))
            && let Some(Tok::Word(w)) = get(2)
            && let Some(m) = month(w)
            && let Some((d, 1..=2)) = num(3)
            && let Some(date) = NaiveDate::from_ymd_opt(first.0 as i32, m, d)
        {
            let next = if matches!(get(4), Some(Tok::Sym('.'))) {
                i + 5
            } else {
                i + 4
            };
            return Some((date, next));
        }
        // DD.MM.YYYY or MM/DD/YYYY
        if (1..=2).contains(&first.1)
            && is_date_sep(get(1))
            && is_date_sep(get(3))
            && let (Some((b, bl)), Some((y, 4))) = (num(2), num(4))
            && bl <= 2
        {
            let us =
                month_first && matches!(get(1), Some(Tok::Sym('/'))) && first.0 <= 12 || b > 12;
            let (m, d) = if us { (first.0, b) } else { (b, first.0) };
            if let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d) {
                return Some((date, i + 5));
            }
        }
        // DD.MM.YY, only as the whole string or before a time ("23.09.22", "26.01.22, 00:00")
        if i == 0
            && (1..=2).contains(&first.1)
            && matches!(get(1), Some(Tok::Sym('.')))
            && matches!(get(3), Some(Tok::Sym('.')))
            && let (Some((m, 1..=2)), Some((y, 2))) = (num(2), num(4))
            && (t.len() == 5
                || matches!(get(5), Some(Tok::Sym(',')))
                || matches!(get(6), Some(Tok::Sym(':'))))
            && let Some(date) = NaiveDate::from_ymd_opt(2000 + y as i32, m, first.0)
        {
            return Some((date, i + 5));
        }
        // Month DD, YYYY
        if first.1 == 0 {
            let mut k = 1;
            if matches!(get(k), Some(Tok::Sym('.'))) {
                k += 1;
            }
            if let Some((d, dl)) = num(k).filter(|(_, l)| *l <= 2) {
                let mut j = k + 1;
                while (matches!(get(j), Some(Tok::Sym(',' | '.'))) || is_filler(get(j)))
                    && j < k + 3
                {
                    j += 1;
                }
                if let (Some((y, 4)), true) = (num(j), dl <= 2)
                    && let Some(date) = NaiveDate::from_ymd_opt(y as i32, first.0, d)
                {
                    return Some((date, i + j + 1));
                }
                // asctime: "Jan 04 09:34 2021", "Mon Jan  4 09:34:00 2021"
                if let (Some((_, 1..=2)), Some(Tok::Sym(':')), Some((_, 2))) =
                    (num(k + 1), get(k + 2), num(k + 3))
                {
                    let y = if matches!(get(k + 4), Some(Tok::Sym(':'))) {
                        k + 6
                    } else {
                        k + 4
                    };
                    if let Some((y, 4)) = num(y)
                        && let Some(date) = NaiveDate::from_ymd_opt(y as i32, first.0, d)
                    {
                        return Some((date, i + k + 1));
                    }
                }
            }
        }
        // DD. Month YYYY / DD Month YYYY
        if (1..=2).contains(&first.1) {
            let mut k = 1;
            if matches!(get(k), Some(Tok::Sym('.'))) {
                k += 1;
            }
            while is_filler(get(k)) && k < 4 {
                k += 1;
            }
            if let Some(Tok::Word(w)) = get(k)
                && let Some(m) = month(w)
            {
                let mut j = k + 1;
                if matches!(get(j), Some(Tok::Sym('.' | ','))) {
                    j += 1;
                }
                if is_filler(get(j)) {
                    j += 1;
                }
                if let Some((y, 4)) = num(j)
                    && let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, first.0)
                {
                    return Some((date, i + j + 1));
                }
            }
        }
    }
    None
}

fn zone_offset(word: &str) -> Option<i32> {
    let h = match word {
        "z" | "utc" | "gmt" | "ut" => 0,
        "kst" | "jst" => 9,
        "cet" | "mez" | "bst" | "wat" => 1,
        "cest" | "mesz" | "eet" | "sast" => 2,
        "eest" | "msk" => 3,
        "est" => -5,
        "edt" | "cdt" => {
            if word == "edt" {
                -4
            } else {
                -5
            }
        }
        "cst" => -6,
        "mst" | "pdt" => -7,
        "mdt" => -6,
        "pst" => -8,
        "aest" => 10,
        "aedt" => 11,
        _ => return None,
    };
    Some(h * 3600)
}

/// Finds a time of day and an optional UTC offset (seconds) from token `start`.
fn find_time(t: &[Tok], start: usize) -> Option<(NaiveTime, Option<i32>)> {
    let mut pm: Option<bool> = None;
    let end = (start + 8).min(t.len());
    for i in start..end {
        match &t[i] {
            Tok::Word(w) if w == "오후" || w == "pm" || w == "午後" => pm = Some(true),
            Tok::Word(w) if w == "오전" || w == "am" || w == "午前" => pm = Some(false),
            Tok::Num(h, hl)
                if *hl <= 2 && matches!(t.get(i + 1), Some(Tok::Sym(':' | '시' | 'h')))
                    || matches!(t.get(i + 1), Some(Tok::Word(w)) if w == "h") =>
            {
                let Some(Tok::Num(m, 2)) = t.get(i + 2) else {
                    continue;
                };
                let mut j = i + 3;
                let mut sec = 0;
                if let (Some(Tok::Sym(':')), Some(Tok::Num(s, 2))) = (t.get(j), t.get(j + 1)) {
                    sec = *s;
                    j += 2;
                    if let (Some(Tok::Sym('.' | ',')), Some(Tok::Num(..))) =
                        (t.get(j), t.get(j + 1))
                    {
                        j += 2;
                    }
                }
                let mut hour = *h;
                for tok in t.iter().skip(j).take(2) {
                    match tok {
                        Tok::Word(w) if w == "pm" || w == "p" => pm = Some(true),
                        Tok::Word(w) if w == "am" || w == "a" => pm = Some(false),
                        _ => {}
                    }
                }
                match pm {
                    Some(true) if hour < 12 => hour += 12,
                    Some(false) if hour == 12 => hour = 0,
                    _ => {}
                }
                let time = NaiveTime::from_hms_opt(hour, *m, sec)?;
                return Some((time, offset_at(t, j)));
            }
            _ => {}
        }
    }
    None
}

fn offset_at(t: &[Tok], mut j: usize) -> Option<i32> {
    loop {
        match t.get(j) {
            Some(Tok::Word(w)) => {
                if let Some(o) = zone_offset(w) {
                    // "GMT+2" / "UTC+09:00"
                    return Some(o + signed_offset(t, j + 1).unwrap_or(0));
                }
                if !matches!(w.as_str(), "am" | "pm" | "a" | "p" | "m" | "uhr" | "h") {
                    return None;
                }
            }
            Some(Tok::Sym('.' | ',')) => {}
            _ => return signed_offset(t, j),
        }
        j += 1;
    }
}

fn signed_offset(t: &[Tok], j: usize) -> Option<i32> {
    let sign = match t.get(j) {
        Some(Tok::Sym('+')) => 1,
        Some(Tok::Sym('-' | '−')) => -1,
        _ => return None,
    };
    let secs = match (t.get(j + 1), t.get(j + 2), t.get(j + 3)) {
        (Some(Tok::Num(h, 2)), Some(Tok::Sym(':')), Some(Tok::Num(m, 2))) => h * 3600 + m * 60,
        (Some(Tok::Num(hm, 4)), ..) => hm / 100 * 3600 + hm % 100 * 60,
        (Some(Tok::Num(h, 1..=2)), ..) => h * 3600,
        _ => return None,
    };
    (secs <= 14 * 3600).then_some(sign * secs as i32)
}

/// Resolves a wall-clock time in `tz` (UTC when unset).
pub(crate) fn localize(naive: NaiveDateTime, tz: Option<Tz>) -> Option<DateTime<FixedOffset>> {
    match tz {
        Some(tz) => tz
            .from_local_datetime(&naive)
            .earliest()
            .map(|d| d.fixed_offset()),
        None => Some(naive.and_utc().fixed_offset()),
    }
}

/// A wall-clock time in the page's zone, else at the offset its other dates establish, else
/// UTC.
fn localize_in(naive: NaiveDateTime, loc: Locale) -> Option<DateTime<FixedOffset>> {
    match (loc.tz, loc.offset) {
        (None, Some(off)) => off.from_local_datetime(&naive).single(),
        (tz, _) => localize(naive, tz),
    }
}

/// The offset a page's declared dates carry: the first of `declared` that parses with an
/// offset other than UTC (a value without one parses as UTC, so it never counts).
pub(crate) fn page_offset<'a>(declared: impl IntoIterator<Item = &'a str>) -> Option<FixedOffset> {
    declared
        .into_iter()
        .filter_map(|s| parse(s, None))
        .map(|(d, _)| *d.offset())
        .find(|o| o.local_minus_utc() != 0)
}

/// Texts longer than this are prose, not datelines: the date-order vote skips them.
const DATELINE_MAX: usize = 160;

/// Whether the page writes slash dates month first, from the dates it prints that can be
/// read one way only: `13/11/2025` and `3 October 2025` vote day first, `11/13/2025` and
/// `October 3, 2025` month first (a numeric date counts twice a spelled-out one). `default`
/// (from the page's language and host) stands when the votes tie: one page, one date order.
pub(crate) fn page_month_first<'a>(
    default: bool,
    texts: impl IntoIterator<Item = &'a str>,
) -> bool {
    let (mut day_first, mut month_first) = (0u32, 0u32);
    for text in texts {
        if text.len() > DATELINE_MAX || !text.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        let t = tokenize(text);
        for i in 0..t.len() {
            let num = |k: usize| match t.get(i + k) {
                Some(Tok::Num(v, l)) => Some((*v, *l)),
                _ => None,
            };
            let word_month = |k: usize| match t.get(i + k) {
                Some(Tok::Word(w)) if w.chars().count() >= 3 => month(w),
                _ => None,
            };
            // a/b/yyyy with one reading only
            if let (Some((a, 1..=2)), Some((b, 1..=2)), Some((_, 4))) = (num(0), num(2), num(4))
                && is_date_sep(t.get(i + 1))
                && t.get(i + 1) == t.get(i + 3)
            {
                match (a > 12, b > 12) {
                    (true, false) if (1..=31).contains(&a) && b >= 1 => day_first += 2,
                    (false, true) if (1..=31).contains(&b) && a >= 1 => month_first += 2,
                    _ => {}
                }
            }
            // "3 October 2025" / "3rd of October 2025"
            if let Some((d, 1..=2)) = num(0)
                && (1..=31).contains(&d)
            {
                let mut k = 1;
                while is_filler(t.get(i + k)) && k < 3 {
                    k += 1;
                }
                // The month name is looked up last: it is the costly test.
                if matches!(num(k + 1), Some((_, 4))) && word_month(k).is_some() {
                    day_first += 1;
                }
            }
            // "October 3, 2025"
            if let Some((d, 1..=2)) = num(1)
                && (1..=31).contains(&d)
            {
                let y = if matches!(t.get(i + 2), Some(Tok::Sym(','))) {
                    3
                } else {
                    2
                };
                if matches!(num(y), Some((_, 4))) && word_month(0).is_some() {
                    month_first += 1;
                }
            }
        }
    }
    match day_first.cmp(&month_first) {
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Equal => default,
    }
}

/// How a page writes dates: its zone, and whether `04/05/2022` is April 5 (US-style English).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Locale {
    /// The publisher's zone, for times given without an offset.
    pub tz: Option<Tz>,
    /// Numeric dates with slashes put the month first when both readings are valid.
    pub month_first: bool,
    /// The offset the page's own dates establish (a declared date with an offset), for times
    /// given without one when `tz` is unknown: one page, one zone.
    pub offset: Option<FixedOffset>,
}

impl Locale {
    /// A zone, US-style slash dates (the reading when nothing is known of the page).
    pub(crate) fn zone(tz: Option<Tz>) -> Self {
        Locale {
            tz,
            month_first: true,
            offset: None,
        }
    }
}

/// Parses a date string from metadata or page text, slash dates read month first.
pub(crate) fn parse(s: &str, tz: Option<Tz>) -> Option<(DateTime<FixedOffset>, bool)> {
    parse_in(s, Locale::zone(tz))
}

/// Parses a date string from metadata or page text. `has_time` tells whether a time of day
/// was found (date-only values become local midnight).
pub(crate) fn parse_in(s: &str, loc: Locale) -> Option<(DateTime<FixedOffset>, bool)> {
    let s = s.trim();
    if s.is_empty() || s.len() > 300 {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some((d, true));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some((d, true));
    }
    let toks = tokenize(s);
    let (date, next) = find_date(&toks, loc.month_first)?;
    if !(1990..=2100).contains(&chrono::Datelike::year(&date)) {
        return None;
    }
    match find_time(&toks, next) {
        Some((time, Some(off))) => {
            let off = FixedOffset::east_opt(off)?;
            off.from_local_datetime(&date.and_time(time))
                .single()
                .map(|d| (d, true))
        }
        Some((time, None)) => localize_in(date.and_time(time), loc).map(|d| (d, true)),
        None => localize_in(date.and_time(NaiveTime::MIN), loc).map(|d| (d, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str, tz: Option<Tz>) -> String {
        parse(s, tz)
            .map(|(d, _)| d.to_rfc3339())
            .unwrap_or_default()
    }

    #[test]
    fn page_date_order() {
        // A UK page's numeric dates and spelled-out day-first dates outvote the US default.
        assert!(!page_month_first(true, ["- 3 October 2025", "03/10/2023"]));
        assert!(!page_month_first(true, ["13/11/2025 09:21:40"]));
        // US-style dates keep (or set) month first.
        assert!(page_month_first(false, ["October 3, 2025", "10/13/2023"]));
        // Nothing readable one way only: the default stands; prose is not read.
        assert!(page_month_first(true, ["03/10/2023"]));
        assert!(!page_month_first(false, ["03/10/2023"]));
        let prose = format!("{} On 3 October 2025 it rained.", "word ".repeat(40));
        assert!(page_month_first(true, [prose.as_str()]));
    }

    #[test]
    fn iso_and_rfc() {
        assert_eq!(
            p("2023-01-30T16:30:00+09:00", None),
            "2023-01-30T16:30:00+09:00"
        );
        assert_eq!(
            p("2023-01-30T16:30:00.000+0900", None),
            "2023-01-30T16:30:00+09:00"
        );
        assert_eq!(
            p("Mon, 30 Jan 2023 16:30:00 GMT", None),
            "2023-01-30T16:30:00+00:00"
        );
        assert_eq!(
            p("2023-01-30 16:30", Some(chrono_tz::Asia::Seoul)),
            "2023-01-30T16:30:00+09:00"
        );
        assert_eq!(p("20230130", None), "2023-01-30T00:00:00+00:00");
    }

    #[test]
    fn visible_forms() {
        let seoul = Some(chrono_tz::Asia::Seoul);
        assert_eq!(
            p("Posted : 2023-01-30 16:30", seoul),
            "2023-01-30T16:30:00+09:00"
        );
        assert_eq!(
            p("입력 2023.01.30 오후 4:30", seoul),
            "2023-01-30T16:30:00+09:00"
        );
        assert_eq!(
            p("2023년 1월 30일 16시 30분", seoul),
            "2023-01-30T16:30:00+09:00"
        );
        assert_eq!(
            p("January 30, 2023 at 4:30 p.m. EST", None),
            "2023-01-30T16:30:00-05:00"
        );
        assert_eq!(
            p(
                "30. Januar 2023, 16:30 Uhr",
                Some(chrono_tz::Europe::Berlin)
            ),
            "2023-01-30T16:30:00+01:00"
        );
        assert_eq!(p("30.01.2023", None), "2023-01-30T00:00:00+00:00");
        assert_eq!(p("Updated Jul. 4, 2024", None), "2024-07-04T00:00:00+00:00");
        assert!(parse("no date here", None).is_none());
    }

    #[test]
    fn more_languages_and_fillers() {
        let kyiv = Some(chrono_tz::Europe::Kyiv);
        assert_eq!(
            p("15 августа 2016, 13:43", kyiv),
            "2016-08-15T13:43:00+03:00"
        );
        assert_eq!(p("3 de mayo de 2022", None), "2022-05-03T00:00:00+00:00");
        assert_eq!(p("3 maja 2022", None), "2022-05-03T00:00:00+00:00");
        assert_eq!(p("3. června 2022", None), "2022-06-03T00:00:00+00:00");
        assert_eq!(p("3. července 2022", None), "2022-07-03T00:00:00+00:00");
        assert_eq!(p("3 iulie 2022", None), "2022-07-03T00:00:00+00:00");
        assert_eq!(p("2022. május 3. 14:05", None), "2022-05-03T14:05:00+00:00");
        assert_eq!(p("May 3rd, 2022", None), "2022-05-03T00:00:00+00:00");
        assert_eq!(p("the 3rd of May 2022", None), "2022-05-03T00:00:00+00:00");
        // A word between day and year that is no filler is no date.
        assert!(parse("Sie 20 Jahre 2021", None).is_none());
    }

    #[test]
    fn asctime_and_short_years() {
        assert_eq!(p("Jan 04 09:34 2021", None), "2021-01-04T09:34:00+00:00");
        assert_eq!(
            p("Mon Jan  4 09:34:05 2021", None),
            "2021-01-04T09:34:05+00:00"
        );
        assert_eq!(p("23.09.22", None), "2022-09-23T00:00:00+00:00");
        assert_eq!(p("26.01.22, 14:30", None), "2022-01-26T14:30:00+00:00");
        assert!(parse("Version 1.2.22 released", None).is_none());
        assert!(parse("23.09.22 and more text", None).is_none());
    }

    #[test]
    fn slash_order_follows_the_locale() {
        let day_first = Locale {
            tz: None,
            month_first: false,
            offset: None,
        };
        let q = |s: &str| parse_in(s, day_first).map(|(d, _)| d.to_rfc3339());
        assert_eq!(
            q("11/05/2022").as_deref(),
            Some("2022-05-11T00:00:00+00:00")
        );
        assert_eq!(p("11/05/2022", None), "2022-11-05T00:00:00+00:00");
        // A first number above 12 is a day whatever the locale.
        assert_eq!(p("25/05/2022", None), "2022-05-25T00:00:00+00:00");
        // A second number above 12 is a day too.
        assert_eq!(
            q("05/25/2022").as_deref(),
            Some("2022-05-25T00:00:00+00:00")
        );
    }
}
