//! Author names: cleaning "By ..." strings, splitting several names, and spotting visible
//! byline lines ("By A and B", "Von A", "Reporter A", "A 기자").

/// Prefixes (lower-case) that introduce names.
const PREFIXES: &[&str] = &[
    "written by",
    "reported by",
    "posted by",
    "words by",
    "story by",
    "text by",
    "by",
    "von",
    "par",
    "por",
    "di",
    "door",
    "text:",
    "texte:",
    "autor:",
    "author:",
    "autorin:",
    "reporter",
    "기자",
    "글",
    "취재",
];

/// Words that are roles, not names.
const ROLES: &[&str] = &[
    "author",
    "authors",
    "autor",
    "autorin",
    "auteur",
    "about the author",
    "この記事を書いた人",
    "reporter",
    "correspondent",
    "editor",
    "staff",
    "writer",
    "contributor",
    "columnist",
    "redaktion",
    "redakteur",
    "redakteurin",
    "journalist",
    "journalistin",
    "photographer",
    "senior",
    "chief",
    "news",
    "desk",
    "team",
    "updated",
    "published",
    "posted",
    "min",
    "read",
    "기자",
    "특파원",
    "편집",
    "인턴기자",
    "선임기자",
    "논설위원",
    "앵커",
];

/// Trailing Korean titles stripped from names.
const KO_SUFFIXES: &[&str] = &[
    "인턴기자",
    "선임기자",
    "수습기자",
    "객원기자",
    "특파원",
    "기자",
    "논설위원",
    "위원",
    "앵커",
];

fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = &s[prefix.len()..];
    let boundary =
        prefix.ends_with(':') || rest.starts_with(|c: char| c.is_whitespace() || c == ':');
    boundary.then(|| rest.trim_start_matches([' ', ':', '\u{a0}']))
}

/// Strips a leading "By"/"Von"/... prefix; `None` when there is none.
pub(crate) fn strip_by(s: &str) -> Option<&str> {
    let s = s.trim();
    PREFIXES.iter().find_map(|p| strip_prefix_ci(s, p))
}

/// "chuck-ross" (an author slug) becomes "Chuck Ross".
fn unslug(s: &str) -> Option<String> {
    let slug =
        s.contains('-') && !s.contains(' ') && s.chars().all(|c| c.is_lowercase() || c == '-');
    slug.then(|| {
        s.split('-')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn clean_name(raw: &str) -> Option<String> {
    let unslugged = unslug(raw.trim());
    let mut s = unslugged.as_deref().unwrap_or(raw).trim();
    if let Some(rest) = strip_by(s) {
        s = rest;
    }
    let mut words: Vec<&str> = s
        .split_whitespace()
        .filter(|w| !w.contains('@') && !w.starts_with("http") && !w.starts_with('#'))
        .collect();
    while let Some(last) = words.last() {
        let stripped = KO_SUFFIXES.iter().find_map(|k| last.strip_suffix(k));
        match stripped {
            Some("") => {
                words.pop();
            }
            Some(rest) if words.len() == 1 => {
                words[0] = rest;
                break;
            }
            _ => break,
        }
    }
    let name = words.join(" ");
    let name = name
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != ')')
        .trim();
    let name = name.trim_end_matches('.').trim();
    if name.chars().count() < 2 || name.chars().count() > 60 {
        return None;
    }
    let wc = name.split_whitespace().count();
    if wc > 5 || name.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let lower = name.to_lowercase();
    if PREFIXES.contains(&lower.as_str()) {
        return None;
    }
    if lower.split_whitespace().all(|w| ROLES.contains(&w)) || ROLES.contains(&lower.as_str()) {
        return None;
    }
    // Latin names are capitalised; a sentence fragment is not.
    let latin = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if latin
        && wc >= 2
        && name
            .split_whitespace()
            .filter(|w| w.chars().next().is_some_and(char::is_lowercase))
            .count()
            * 2
            > wc
    {
        return None;
    }
    Some(name.to_string())
}

/// Splits and cleans an author string: "By A and B", "A, B", "A | Reporter", "홍길동 기자".
pub(crate) fn clean_authors(raw: &str) -> Vec<String> {
    let raw = crate::text::collapse(raw);
    let mut s = raw.as_str();
    if let Some(rest) = strip_by(s) {
        s = rest;
    }
    // "Name | Role" and "Name - Site": keep the part before the bar.
    if let Some((head, _)) = s.split_once(" | ") {
        s = head;
    }
    let mut out: Vec<String> = Vec::new();
    let mut parts = vec![s.to_string()];
    for sep in [
        " and ", " und ", " & ", " et ", " y ", " e ", " en ", ",", ";", "·", "/", "、",
    ] {
        parts = parts
            .iter()
            .flat_map(|p| {
                let lower = p.to_lowercase();
                if sep.trim().chars().all(char::is_alphabetic) && lower.contains(sep) {
                    let mut v = Vec::new();
                    let mut last = 0;
                    for (i, _) in lower.match_indices(sep) {
                        v.push(p.get(last..i).unwrap_or("").to_string());
                        last = i + sep.len();
                    }
                    v.push(p.get(last..).unwrap_or("").to_string());
                    v
                } else {
                    p.split(sep).map(str::to_string).collect()
                }
            })
            .collect();
    }
    for p in parts {
        if let Some(name) = clean_name(&p)
            && !out.iter().any(|o| o.eq_ignore_ascii_case(&name))
        {
            out.push(name);
        }
    }
    out
}

/// Names from a visible byline line, or `None` when the line is no byline.
pub(crate) fn byline_line(text: &str) -> Option<Vec<String>> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 120 {
        return None;
    }
    let korean = t.contains("기자") || t.contains("특파원");
    let prefixed = strip_by(t).is_some();
    if !prefixed && !korean {
        return None;
    }
    let names = if korean && !prefixed {
        // "홍길동 기자 (hong@x.com)" / "[서울=뉴스] 홍길동 기자 = "
        let before = t.split("기자").next().unwrap_or("");
        let before = before.rsplit([']', ')', '=', '|']).next().unwrap_or(before);
        clean_authors(before.split_whitespace().last().unwrap_or(""))
    } else {
        clean_authors(t)
    };
    (!names.is_empty()).then_some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_cleans() {
        assert_eq!(
            clean_authors("By Jane Doe and John Roe"),
            ["Jane Doe", "John Roe"]
        );
        assert_eq!(
            clean_authors("Jane Doe, John Roe"),
            ["Jane Doe", "John Roe"]
        );
        assert_eq!(clean_authors("By Jane Doe, Senior Reporter"), ["Jane Doe"]);
        assert_eq!(clean_authors("jane.doe@example.com Jane Doe"), ["Jane Doe"]);
        assert_eq!(clean_authors("홍길동 기자"), ["홍길동"]);
        assert_eq!(
            clean_authors("Von Anna Müller und Max Mustermann"),
            ["Anna Müller", "Max Mustermann"]
        );
    }

    #[test]
    fn byline_lines() {
        assert_eq!(
            byline_line("By Ann Lee and Bo Kim"),
            Some(vec!["Ann Lee".to_string(), "Bo Kim".to_string()])
        );
        assert_eq!(
            byline_line("Reporter Kim Min-ji"),
            Some(vec!["Kim Min-ji".to_string()])
        );
        assert_eq!(
            byline_line("[서울=뉴시스] 홍길동 기자 = 오늘"),
            Some(vec!["홍길동".to_string()])
        );
        assert_eq!(
            byline_line("Byzantine history is long and complicated."),
            None
        );
        assert_eq!(byline_line("The minister said on Monday that"), None);
    }
}
