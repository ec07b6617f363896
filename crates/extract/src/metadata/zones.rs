//! Time zones of country-code top-level domains, for pages that give times without an offset
//! when the site config names no zone.

use chrono_tz::Tz;

/// The time zone of a country-code top-level domain whose country has a single zone.
pub(crate) fn tz_for_host(host: &str) -> Option<Tz> {
    use chrono_tz::{Africa, Asia, Europe};
    let tld = host
        .trim_end_matches('.')
        .rsplit('.')
        .next()?
        .to_ascii_lowercase();
    Some(match tld.as_str() {
        "de" => Europe::Berlin,
        "at" => Europe::Vienna,
        "ch" | "li" => Europe::Zurich,
        "fr" => Europe::Paris,
        "it" => Europe::Rome,
        "es" => Europe::Madrid,
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
        "lt" => Europe::Vilnius,
        "lv" => Europe::Riga,
        "ee" => Europe::Tallinn,
        "gr" => Europe::Athens,
        "ie" => Europe::Dublin,
        "uk" => Europe::London,
        "tr" => Europe::Istanbul,
        "ua" => Europe::Kyiv,
        "ro" => Europe::Bucharest,
        "bg" => Europe::Sofia,
        "hr" => Europe::Zagreb,
        "si" => Europe::Ljubljana,
        "rs" => Europe::Belgrade,
        "kr" => Asia::Seoul,
        "jp" => Asia::Tokyo,
        "cn" => Asia::Shanghai,
        "tw" => Asia::Taipei,
        "hk" => Asia::Hong_Kong,
        "in" => Asia::Kolkata,
        "sg" => Asia::Singapore,
        "il" => Asia::Jerusalem,
        "za" => Africa::Johannesburg,
        "ng" => Africa::Lagos,
        "ke" => Africa::Nairobi,
        _ => return None,
    })
}
