//! Date parsing: ISO 8601 / RFC 3339 / RFC 2822, numeric dates in the usual orders, month names
//! in several languages, Korean `년월일` and `오전/오후`, named zones; the site's zone fills in a
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
    ];
    if word.chars().count() < 3 {
        return None;
    }
    // Longest prefix wins ("juil" before "jul", "juin" before "jun").
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

/// Finds a calendar date; returns it and the index of the token after it.
fn find_date(t: &[Tok]) -> Option<(NaiveDate, usize)> {
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
        // DD.MM.YYYY or MM/DD/YYYY
        if (1..=2).contains(&first.1)
            && is_date_sep(get(1))
            && is_date_sep(get(3))
            && let (Some((b, bl)), Some((y, 4))) = (num(2), num(4))
            && bl <= 2
        {
            let us = matches!(get(1), Some(Tok::Sym('/'))) && first.0 <= 12 || b > 12;
            let (m, d) = if us { (first.0, b) } else { (b, first.0) };
            if let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d) {
                return Some((date, i + 5));
            }
        }
        // Month DD, YYYY
        if first.1 == 0 {
            let mut k = 1;
            if matches!(get(k), Some(Tok::Sym('.'))) {
                k += 1;
            }
            if let Some((d, dl)) = num(k).filter(|(_, l)| *l <= 2) {
                let mut j = k + 1;
                while matches!(get(j), Some(Tok::Sym(',' | '.')) | Some(Tok::Word(_))) && j < k + 3
                {
                    j += 1;
                }
                if let (Some((y, 4)), true) = (num(j), dl <= 2)
                    && let Some(date) = NaiveDate::from_ymd_opt(y as i32, first.0, d)
                {
                    return Some((date, i + j + 1));
                }
            }
        }
        // DD. Month YYYY / DD Month YYYY
        if (1..=2).contains(&first.1) {
            let mut k = 1;
            if matches!(get(k), Some(Tok::Sym('.'))) {
                k += 1;
            }
            if let Some(Tok::Word(w)) = get(k)
                && let Some(m) = month(w)
            {
                let mut j = k + 1;
                if matches!(get(j), Some(Tok::Sym('.' | ','))) {
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

/// Parses a date string from metadata or page text. `has_time` tells whether a time of day
/// was found (date-only values become local midnight).
pub(crate) fn parse(s: &str, tz: Option<Tz>) -> Option<(DateTime<FixedOffset>, bool)> {
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
    let (date, next) = find_date(&toks)?;
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
        Some((time, None)) => localize(date.and_time(time), tz).map(|d| (d, true)),
        None => localize(date.and_time(NaiveTime::MIN), tz).map(|d| (d, false)),
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
}
