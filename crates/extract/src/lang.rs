//! Language tag: `<html lang>`, JSON-LD `inLanguage`, else whatlang on the body.

/// ISO 639-3 to 639-1 for the languages whatlang detects that have a two-letter code.
const TWO_LETTER: &[(&str, &str)] = &[
    ("eng", "en"),
    ("deu", "de"),
    ("fra", "fr"),
    ("spa", "es"),
    ("ita", "it"),
    ("por", "pt"),
    ("nld", "nl"),
    ("swe", "sv"),
    ("dan", "da"),
    ("nob", "nb"),
    ("fin", "fi"),
    ("pol", "pl"),
    ("ces", "cs"),
    ("slk", "sk"),
    ("slv", "sl"),
    ("hrv", "hr"),
    ("srp", "sr"),
    ("ron", "ro"),
    ("hun", "hu"),
    ("ell", "el"),
    ("tur", "tr"),
    ("rus", "ru"),
    ("ukr", "uk"),
    ("bul", "bg"),
    ("bel", "be"),
    ("kor", "ko"),
    ("jpn", "ja"),
    ("cmn", "zh"),
    ("ara", "ar"),
    ("heb", "he"),
    ("pes", "fa"),
    ("hin", "hi"),
    ("ben", "bn"),
    ("tha", "th"),
    ("vie", "vi"),
    ("ind", "id"),
    ("lit", "lt"),
    ("lav", "lv"),
    ("est", "et"),
    ("cat", "ca"),
    ("epo", "eo"),
    ("urd", "ur"),
    ("tam", "ta"),
    ("tel", "te"),
    ("mar", "mr"),
    ("afr", "af"),
    ("tgl", "tl"),
    ("zul", "zu"),
];

/// Normalises a declared tag to its lower-case primary subtag ("en-US" -> "en").
fn primary(tag: &str) -> Option<String> {
    let p = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    (p.len() >= 2 && p.len() <= 3 && p.chars().all(|c| c.is_ascii_alphabetic())).then_some(p)
}

/// The page language.
pub(crate) fn detect(declared: Option<&str>, ld: Option<&str>, body: &str) -> Option<String> {
    if let Some(p) = declared.and_then(primary).or_else(|| ld.and_then(primary)) {
        return Some(p);
    }
    let sample: String = body.chars().take(2000).collect();
    let info = whatlang::detect(&sample)?;
    let code = info.lang().code();
    Some(
        TWO_LETTER
            .iter()
            .find(|(three, _)| *three == code)
            .map_or(code, |(_, two)| two)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn declared_and_detected() {
        assert_eq!(
            super::detect(Some("en-US"), None, "").as_deref(),
            Some("en")
        );
        let de = "Die Bundesregierung hat am Montag beschlossen, die Steuern für kleine Unternehmen zu senken.";
        assert_eq!(super::detect(None, None, de).as_deref(), Some("de"));
    }
}
