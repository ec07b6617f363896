//! Time zones of country-code top-level domains and of languages spoken in a single zone, for
//! pages that give times without an offset (or in UTC) when the site config names no zone.

use chrono_tz::Tz;

/// The time zone of a country (ISO 3166 code or ccTLD, lower case) that has a single zone, or
/// whose people nearly all live in one.
fn tz_for_country(cc: &str) -> Option<Tz> {
    use chrono_tz::{Africa, America, Asia, Atlantic, Europe, Pacific};
    Some(match cc {
        "de" => Europe::Berlin,
        "at" => Europe::Vienna,
        "ch" | "li" => Europe::Zurich,
        "fr" => Europe::Paris,
        "it" => Europe::Rome,
        "es" => Europe::Madrid,
        "pt" => Europe::Lisbon,
        "nl" => Europe::Amsterdam,
        "be" => Europe::Brussels,
        "lu" => Europe::Luxembourg,
        "pl" => Europe::Warsaw,
        "cz" => Europe::Prague,
        "sk" => Europe::Bratislava,
        "hu" => Europe::Budapest,
        "se" => Europe::Stockholm,
        "no" => Europe::Oslo,
        "dk" => Europe::Copenhagen,
        "fi" => Europe::Helsinki,
        "is" => Atlantic::Reykjavik,
        "lt" => Europe::Vilnius,
        "lv" => Europe::Riga,
        "ee" => Europe::Tallinn,
        "gr" => Europe::Athens,
        "cy" => Asia::Nicosia,
        "mt" => Europe::Malta,
        "ie" => Europe::Dublin,
        "uk" | "gb" => Europe::London,
        "tr" => Europe::Istanbul,
        "ua" => Europe::Kyiv,
        "by" => Europe::Minsk,
        "ro" => Europe::Bucharest,
        "md" => Europe::Chisinau,
        "bg" => Europe::Sofia,
        "hr" => Europe::Zagreb,
        "si" => Europe::Ljubljana,
        "rs" => Europe::Belgrade,
        "ba" => Europe::Sarajevo,
        "mk" => Europe::Skopje,
        "al" => Europe::Tirane,
        "kr" => Asia::Seoul,
        "jp" => Asia::Tokyo,
        "cn" => Asia::Shanghai,
        "tw" => Asia::Taipei,
        "hk" => Asia::Hong_Kong,
        "in" => Asia::Kolkata,
        "pk" => Asia::Karachi,
        "bd" => Asia::Dhaka,
        "th" => Asia::Bangkok,
        "vn" => Asia::Ho_Chi_Minh,
        "my" => Asia::Kuala_Lumpur,
        "sg" => Asia::Singapore,
        "ph" => Asia::Manila,
        "il" => Asia::Jerusalem,
        "ae" => Asia::Dubai,
        "sa" => Asia::Riyadh,
        "qa" => Asia::Qatar,
        "ir" => Asia::Tehran,
        "eg" => Africa::Cairo,
        "ma" => Africa::Casablanca,
        "za" => Africa::Johannesburg,
        "ng" => Africa::Lagos,
        "gh" => Africa::Accra,
        "ke" => Africa::Nairobi,
        "nz" => Pacific::Auckland,
        "mx" => America::Mexico_City,
        "br" => America::Sao_Paulo,
        "ar" => America::Argentina::Buenos_Aires,
        "bo" => America::La_Paz,
        "cl" => America::Santiago,
        "pe" => America::Lima,
        "ve" => America::Caracas,
        "ec" => America::Guayaquil,
        "uy" => America::Montevideo,
        "py" => America::Asuncion,
        "cr" => America::Costa_Rica,
        "gt" => America::Guatemala,
        "hn" => America::Tegucigalpa,
        "sv" => America::El_Salvador,
        "ni" => America::Managua,
        "pa" => America::Panama,
        "do" => America::Santo_Domingo,
        "cu" => America::Havana,
        "pr" => America::Puerto_Rico,
        "jm" => America::Jamaica,
        _ => return None,
    })
}

/// The time zone of a host's country-code top-level domain (generic-use ccTLDs such as `.co`,
/// `.io`, `.me` or `.tv` are not in the table).
pub(crate) fn tz_for_host(host: &str) -> Option<Tz> {
    let tld = host.trim_end_matches('.').rsplit('.').next()?;
    tz_for_country(&tld.to_ascii_lowercase())
}

/// The time zone of a page language: the region of a declared tag ("es-AR", "fr-CA": none when
/// that country spans several zones), else a language spoken in one zone only ("de", "pl",
/// "ko"); none for languages of several continents (en, es, pt, ar, ru, zh, ...).
pub(crate) fn tz_for_language(tag: &str) -> Option<Tz> {
    use chrono_tz::{Asia, Europe};
    let mut parts = tag.trim().split(['-', '_']);
    let lang = parts.next()?.to_ascii_lowercase();
    if let Some(region) = parts.find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return tz_for_country(&region.to_ascii_lowercase());
    }
    Some(match lang.as_str() {
        "de" => Europe::Berlin,
        "it" => Europe::Rome,
        "fr" => Europe::Paris,
        "nl" => Europe::Amsterdam,
        "pl" => Europe::Warsaw,
        "cs" => Europe::Prague,
        "sk" => Europe::Bratislava,
        "hu" => Europe::Budapest,
        "da" => Europe::Copenhagen,
        "sv" => Europe::Stockholm,
        "nb" | "nn" | "no" => Europe::Oslo,
        "fi" => Europe::Helsinki,
        "et" => Europe::Tallinn,
        "lv" => Europe::Riga,
        "lt" => Europe::Vilnius,
        "el" => Europe::Athens,
        "ro" => Europe::Bucharest,
        "bg" => Europe::Sofia,
        "hr" => Europe::Zagreb,
        "sl" => Europe::Ljubljana,
        "uk" => Europe::Kyiv,
        "tr" => Europe::Istanbul,
        "he" => Asia::Jerusalem,
        "ko" => Asia::Seoul,
        "ja" => Asia::Tokyo,
        "th" => Asia::Bangkok,
        "vi" => Asia::Ho_Chi_Minh,
        _ => return None,
    })
}

/// Whether slash dates read month first (`04/05/2022` = April 5): English pages, unless the
/// declared region or the ccTLD names another country; also when the language is unknown.
pub(crate) fn month_first(
    declared: Option<&str>,
    language: Option<&str>,
    host: Option<&str>,
) -> bool {
    let mut parts = declared.unwrap_or_default().trim().split(['-', '_']);
    let declared_lang = parts.next().filter(|l| !l.is_empty());
    let region = parts.find(|p| p.len() == 2).map(str::to_ascii_lowercase);
    let Some(lang) = declared_lang.or(language) else {
        return true;
    };
    if !lang.eq_ignore_ascii_case("en") {
        return false;
    }
    match region.as_deref() {
        Some("us") | None => host.is_none_or(|h| tz_for_host(h).is_none()),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_languages() {
        assert_eq!(
            tz_for_host("www.example.com.bo"),
            Some(chrono_tz::America::La_Paz)
        );
        assert_eq!(tz_for_host("example.co"), None);
        assert_eq!(tz_for_language("de"), Some(chrono_tz::Europe::Berlin));
        assert_eq!(
            tz_for_language("es-AR"),
            Some(chrono_tz::America::Argentina::Buenos_Aires)
        );
        assert_eq!(tz_for_language("fr-CA"), None);
        assert_eq!(tz_for_language("en"), None);
        assert_eq!(tz_for_language("en-GB"), Some(chrono_tz::Europe::London));
        assert!(month_first(Some("en-US"), None, Some("example.com")));
        assert!(month_first(None, Some("en"), None));
        assert!(!month_first(Some("en"), None, Some("example.co.uk")));
        assert!(!month_first(Some("es"), None, Some("example.com")));
        assert!(!month_first(None, Some("de"), Some("example.com")));
    }
}
