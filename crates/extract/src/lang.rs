//! Language tag: `<html lang>`, JSON-LD `inLanguage`, else whatlang on the body. The result is
//! always an ISO 639-1 code (two lower-case letters) or nothing.

/// Every ISO 639-1 code (184, `bh` included), two letters each, sorted.
const ISO_639_1: &str = "aaabaeafakamanarasavayazbabebgbhbibmbnbobrbscacechcocrcscucvcydadedvdzeeeleneoeseteufafffifjfofrfygagdglgngugvhahehihohrhthuhyhziaidieigiiikioisitiujajvkakgkikjkkklkmknkokrkskukvkwkylalblglilnloltlulvmgmhmimkmlmnmrmsmtmynanbndnengnlnnnonrnvnyocojomorospapiplpsptqurmrnrorurwsascsdsesgsiskslsmsnsosqsrssstsusvswtatetgthtitktltntotrtstttwtyugukuruzvevivowawoxhyiyozazhzu";

/// ISO 639-3 to 639-1 for every language whatlang detects (all have a two-letter code; the
/// test below checks that the table stays complete when whatlang grows).
const TWO_LETTER: &[(&str, &str)] = &[
    ("afr", "af"),
    ("aka", "ak"),
    ("amh", "am"),
    ("ara", "ar"),
    ("aze", "az"),
    ("bel", "be"),
    ("ben", "bn"),
    ("bul", "bg"),
    ("cat", "ca"),
    ("ces", "cs"),
    ("cmn", "zh"),
    ("cym", "cy"),
    ("dan", "da"),
    ("deu", "de"),
    ("ell", "el"),
    ("eng", "en"),
    ("epo", "eo"),
    ("est", "et"),
    ("fin", "fi"),
    ("fra", "fr"),
    ("guj", "gu"),
    ("heb", "he"),
    ("hin", "hi"),
    ("hrv", "hr"),
    ("hun", "hu"),
    ("hye", "hy"),
    ("ind", "id"),
    ("ita", "it"),
    ("jav", "jv"),
    ("jpn", "ja"),
    ("kan", "kn"),
    ("kat", "ka"),
    ("khm", "km"),
    ("kor", "ko"),
    ("lat", "la"),
    ("lav", "lv"),
    ("lit", "lt"),
    ("mal", "ml"),
    ("mar", "mr"),
    ("mkd", "mk"),
    ("mya", "my"),
    ("nep", "ne"),
    ("nld", "nl"),
    ("nob", "nb"),
    ("ori", "or"),
    ("pan", "pa"),
    ("pes", "fa"),
    ("pol", "pl"),
    ("por", "pt"),
    ("ron", "ro"),
    ("rus", "ru"),
    ("sin", "si"),
    ("slk", "sk"),
    ("slv", "sl"),
    ("sna", "sn"),
    ("spa", "es"),
    ("srp", "sr"),
    ("swe", "sv"),
    ("tam", "ta"),
    ("tel", "te"),
    ("tgl", "tl"),
    ("tha", "th"),
    ("tuk", "tk"),
    ("tur", "tr"),
    ("ukr", "uk"),
    ("urd", "ur"),
    ("uzb", "uz"),
    ("vie", "vi"),
    ("yid", "yi"),
    ("zul", "zu"),
];

/// Whether `code` (two lower-case letters) is an ISO 639-1 code.
fn is_639_1(code: &str) -> bool {
    code.len() == 2
        && ISO_639_1
            .as_bytes()
            .chunks_exact(2)
            .any(|c| c == code.as_bytes())
}

/// The ISO 639-1 code of an ISO 639-3 (or 639-2/T) code whatlang knows.
fn from_three(code: &str) -> Option<&'static str> {
    TWO_LETTER
        .iter()
        .find(|(three, _)| *three == code)
        .map(|(_, two)| *two)
}

/// Normalises a declared tag to the ISO 639-1 code of its primary subtag ("en-US" -> "en",
/// "iw" -> "he", "eng" -> "en"); nothing when it names no ISO 639-1 language.
fn primary(tag: &str) -> Option<String> {
    let p = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    let p = match p.as_str() {
        // Withdrawn codes still seen on pages.
        "iw" => "he",
        "in" => "id",
        "ji" => "yi",
        "jw" => "jv",
        p if p.len() == 3 => from_three(p)?,
        p => p,
    };
    is_639_1(p).then(|| p.to_string())
}

/// The page language, as an ISO 639-1 code.
pub(crate) fn detect(declared: Option<&str>, ld: Option<&str>, body: &str) -> Option<String> {
    if let Some(p) = declared.and_then(primary).or_else(|| ld.and_then(primary)) {
        return Some(p);
    }
    let sample: String = body.chars().take(2000).collect();
    let info = whatlang::detect(&sample)?;
    from_three(info.lang().code()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_and_detected() {
        assert_eq!(detect(Some("en-US"), None, "").as_deref(), Some("en"));
        let de = "Die Bundesregierung hat am Montag beschlossen, die Steuern für kleine Unternehmen zu senken.";
        assert_eq!(detect(None, None, de).as_deref(), Some("de"));
        let cy = "Mae'r llywodraeth wedi cyhoeddi y bydd yr ysgolion yn ailagor yr wythnos nesaf ar ôl y gwyliau.";
        let got = detect(None, None, cy);
        assert!(got.as_deref().is_none_or(|c| c.len() == 2), "{got:?}");
    }

    #[test]
    fn declared_tags_are_normalised_and_validated() {
        for (tag, want) in [
            ("EN_gb", Some("en")),
            (" ko-KR ", Some("ko")),
            ("zh-Hant-TW", Some("zh")),
            ("iw", Some("he")),
            ("deu", Some("de")),
            ("cym", Some("cy")),
            ("xx", None),
            ("x-klingon", None),
            ("fil", None),
            ("e", None),
            ("", None),
            ("12", None),
            ("ąę", None),
        ] {
            assert_eq!(primary(tag).as_deref(), want, "{tag:?}");
        }
        // An invalid declaration falls through to JSON-LD, then to detection.
        assert_eq!(detect(Some("xx"), Some("fr-CA"), "").as_deref(), Some("fr"));
    }

    #[test]
    fn every_whatlang_language_maps_to_iso_639_1() {
        for lang in whatlang::Lang::all() {
            let two = from_three(lang.code());
            assert!(two.is_some_and(is_639_1), "{lang:?} ({})", lang.code());
        }
        assert_eq!(ISO_639_1.len() % 2, 0);
        let codes: Vec<&[u8]> = ISO_639_1.as_bytes().chunks_exact(2).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
    }
}
