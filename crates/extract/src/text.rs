//! Small text helpers shared by the extraction passes.

/// Weight of one character for length thresholds: CJK and Hangul characters carry
/// roughly a word each, so they count more than Latin letters.
pub(crate) fn char_weight(c: char) -> u32 {
    if c >= '\u{2E80}' && !('\u{FF00}'..='\u{FFEF}').contains(&c) {
        3
    } else {
        1
    }
}

/// Weighted length of a string (see [`char_weight`]).
pub(crate) fn weight(s: &str) -> u32 {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(char_weight)
        .sum()
}

/// Collapses every whitespace run (including no-break spaces) into one space, drops soft
/// hyphens and trims.
pub(crate) fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{200b}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|&c| c != '\u{ad}'));
    }
    out
}

/// Lower-cased comparison key: alphanumeric characters only.
pub(crate) fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `s` ends like a sentence (Latin or CJK punctuation).
pub(crate) fn ends_sentence(s: &str) -> bool {
    let t = s.trim_end_matches(['"', '\'', '”', '’', '»', ')', ' ']);
    t.ends_with(['.', '!', '?', '。', '！', '？', ':', '…'])
        || t.ends_with("다")
        || t.ends_with("요")
}

/// Number of sentence ends in `s` (Latin or CJK punctuation followed by a space or the end,
/// and the Korean declarative endings).
pub(crate) fn sentences(s: &str) -> usize {
    let mut n = 0;
    let mut prev: Option<char> = None;
    for c in s.chars().chain(std::iter::once(' ')) {
        if c.is_whitespace()
            && prev.is_some_and(|p| matches!(p, '.' | '!' | '?' | '。' | '！' | '？' | '다' | '요'))
        {
            n += 1;
        }
        if matches!(c, '。' | '！' | '？') {
            n += 1;
            prev = None;
            continue;
        }
        prev = Some(c);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_whitespace() {
        assert_eq!(collapse("  a \u{a0} b\n\tc "), "a b c");
    }

    #[test]
    fn counts_sentences() {
        assert_eq!(sentences("One. Two! Three"), 2);
        assert_eq!(sentences("비가 왔다. 날씨가 좋다"), 2);
        assert_eq!(sentences("雨が降った。晴れた。"), 2);
        assert_eq!(sentences("e.g.x"), 0);
    }

    #[test]
    fn weighs_cjk_more() {
        assert_eq!(weight("ab c"), 3);
        assert_eq!(weight("기자"), 6);
    }
}
