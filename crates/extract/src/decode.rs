//! Charset detection and decoding: BOM, HTTP charset, `<meta charset>`, then chardetng when the
//! declarations are missing or wrong.

use std::borrow::Cow;

use chardetng::EncodingDetector;
use encoding_rs::{Encoding, UTF_8};

/// How many leading bytes the `<meta charset>` prescan looks at.
const PRESCAN: usize = 4096;

/// Counts of a byte string read as UTF-8.
struct Utf8Counts {
    /// Well-formed multi-byte sequences (non-ASCII characters).
    multibyte: usize,
    /// Ill-formed sequences (each becomes one U+FFFD).
    invalid: usize,
}

fn utf8_counts(bytes: &[u8]) -> Utf8Counts {
    let mut c = Utf8Counts {
        multibyte: 0,
        invalid: 0,
    };
    for chunk in bytes.utf8_chunks() {
        c.multibyte += chunk.valid().bytes().filter(|&b| b >= 0xC0).count();
        c.invalid += usize::from(!chunk.invalid().is_empty());
    }
    c
}

impl Utf8Counts {
    /// A page declared UTF-8 stays UTF-8 unless most of it is invalid: more ill-formed
    /// sequences than well-formed multi-byte ones (a legacy page mislabelled as UTF-8 has
    /// hardly any of the latter).
    fn mostly_valid(&self) -> bool {
        self.invalid <= self.multibyte
    }

    /// An undeclared (or legacy-declared) page is UTF-8 when it is almost valid: at least
    /// [`MIN_MULTIBYTE`] non-ASCII characters and one ill-formed sequence per
    /// [`ALMOST_VALID`] of them at most. Legacy text practically never forms so many
    /// well-formed UTF-8 sequences by chance.
    fn almost_valid(&self) -> bool {
        self.multibyte >= MIN_MULTIBYTE
            && self.invalid.saturating_mul(ALMOST_VALID) <= self.multibyte
    }
}

/// See [`Utf8Counts::almost_valid`].
const MIN_MULTIBYTE: usize = 16;
/// See [`Utf8Counts::almost_valid`].
const ALMOST_VALID: usize = 20;

/// Decodes an HTML document to UTF-8 and returns the encoding used.
///
/// Order: byte-order mark; valid or almost valid UTF-8 stays UTF-8 whatever is declared
/// (ill-formed bytes become U+FFFD); a page declared UTF-8 (the `charset` of `content_type`,
/// else a `<meta charset>` / `http-equiv` prescan) stays UTF-8 unless most of it is invalid;
/// another declared encoding is used when the bytes decode cleanly in it; else a chardetng
/// guess.
pub fn decode_html<'a>(
    bytes: &'a [u8],
    content_type: Option<&str>,
) -> (Cow<'a, str>, &'static Encoding) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return (text, enc);
    }
    // Valid UTF-8 with non-ASCII text is practically never a legacy encoding by accident,
    // whatever the page declares.
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (Cow::Borrowed(text), UTF_8);
    }
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| meta_charset(bytes));
    let counts = utf8_counts(bytes);
    if counts.almost_valid() || (declared == Some(UTF_8) && counts.mostly_valid()) {
        return (String::from_utf8_lossy(bytes), UTF_8);
    }
    if let Some(enc) = declared.filter(|e| *e != UTF_8)
        && let Some(text) = enc.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return (text, enc);
    }
    let mut detector = EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let enc = detector.guess(None, chardetng::Utf8Detection::Allow);
    let (text, _) = enc.decode_without_bom_handling(bytes);
    (text, enc)
}

/// How many leading bytes of the decoded text the binary check reads first (4 KiB).
const HEAD_BYTES: usize = 4096;

/// Share of binary characters (controls other than tab, newline, carriage return and form
/// feed, NUL and C1 controls included, and U+FFFD replacement characters), in per mille of the
/// characters, above which decoded bytes are not text: in the first [`HEAD_BYTES`] or overall.
/// Random bytes give 120 or more (decoded as a legacy encoding, one byte in eight is a
/// control) to over 900 (as UTF-8); HTML, even with a few broken bytes, gives close to 0.
const BINARY_PER_MILLE: usize = 30;

/// Binary characters and characters in UTF-8 text, counted on its bytes (simple counts the
/// compiler vectorizes: this runs on every page).
fn binary_counts(s: &[u8]) -> (usize, usize) {
    let (mut chars, mut c0) = (0usize, 0usize);
    // Byte counters per chunk of 255 cannot overflow; no branches, so the loop vectorizes.
    for chunk in s.chunks(255) {
        let (mut lead, mut control) = (0u8, 0u8);
        for &b in chunk {
            lead += u8::from((b as i8) >= -0x40);
            control += u8::from(
                ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r') & (b != 0x0c))
                    | (b == 0x7f),
            );
        }
        chars += usize::from(lead);
        c0 += usize::from(control);
    }
    // U+0080..U+009F are C2 80..C2 9F.
    let c1 = memchr::memchr_iter(0xc2, s)
        .filter(|&i| s.get(i + 1).is_some_and(|b| (0x80..0xa0).contains(b)))
        .count();
    let replacement = memchr::memmem::find_iter(s, "\u{fffd}".as_bytes()).count();
    (c0 + c1 + replacement, chars)
}

/// Why decoded bytes are not text, or `None` when they are.
pub(crate) fn not_text(text: &str) -> Option<String> {
    let mut head = HEAD_BYTES.min(text.len());
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let over = |(bad, of): (usize, usize)| of > 0 && bad * 1000 > of * BINARY_PER_MILLE;
    let (head_bad, head_chars) = binary_counts(&text.as_bytes()[..head]);
    if over((head_bad, head_chars)) {
        return Some(format!(
            "{head_bad} of the {head_chars} characters in the first 4 KiB are control or replacement characters"
        ));
    }
    let (bad, chars) = binary_counts(text.as_bytes());
    over((bad, chars))
        .then(|| format!("{bad} of its {chars} characters are control or replacement characters"))
}

/// The encoding named by a `charset=` parameter, if encoding_rs knows it.
fn charset_param(value: &str) -> Option<&'static Encoding> {
    let lower = value.to_ascii_lowercase();
    let start = lower.find("charset")? + "charset".len();
    let rest = lower[start..].trim_start().strip_prefix('=')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| {
            c == '"' || c == '\'' || c == ';' || c == '>' || c == '/' || c.is_whitespace()
        })
        .unwrap_or(rest.len());
    label(&rest[..end])
}

fn label(name: &str) -> Option<&'static Encoding> {
    let enc = Encoding::for_label(name.trim().as_bytes())?;
    // A page that declares UTF-16 in ASCII-compatible bytes is really UTF-8 (WHATWG rule).
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        Some(UTF_8)
    } else {
        Some(enc)
    }
}

/// Finds `<meta charset=...>` or `<meta http-equiv=content-type content="...charset=...">`.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = head[from..].find("<meta") {
        let start = from + pos;
        let end = head[start..].find('>').map_or(head.len(), |e| start + e);
        if let Some(enc) = charset_param(&head[start..end]) {
            return Some(enc);
        }
        from = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_charset_wins() {
        let (bytes, _, _) = encoding_rs::EUC_KR.encode("<p>한국어 기사</p>");
        let (text, enc) = decode_html(&bytes, Some("text/html; charset=EUC-KR"));
        assert_eq!(enc, encoding_rs::EUC_KR);
        assert!(text.contains("한국어 기사"));
    }

    #[test]
    fn meta_charset_is_read() {
        let mut page = b"<html><head><meta charset=\"shift_jis\"></head><body>".to_vec();
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("日本語のニュース記事です");
        page.extend_from_slice(&bytes);
        let (text, enc) = decode_html(&page, None);
        assert_eq!(enc, encoding_rs::SHIFT_JIS);
        assert!(text.contains("日本語のニュース記事です"));
    }

    #[test]
    fn lying_utf8_declaration_falls_back_to_detection() {
        let mut page = b"<meta charset=utf-8><p>".to_vec();
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(
            "Caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e, d\u{e9}j\u{e0} vu et na\u{ef}vet\u{e9}.",
        );
        page.extend_from_slice(&bytes);
        let (text, _) = decode_html(&page, Some("text/html; charset=utf-8"));
        assert!(text.contains("Café crème"));
    }

    #[test]
    fn bom_and_plain_utf8() {
        let (text, enc) = decode_html(
            "\u{feff}<p>Grüße</p>".as_bytes(),
            Some("text/html; charset=latin1"),
        );
        assert_eq!(enc, UTF_8);
        assert_eq!(text, "<p>Grüße</p>");
        let (text, _) = decode_html("<p>Grüße</p>".as_bytes(), None);
        assert_eq!(text, "<p>Grüße</p>");
    }

    /// A Korean news page with one stray byte (a truncated character) in its body.
    fn korean_page_with_one_bad_byte(head: &str) -> Vec<u8> {
        let mut page = format!(
            "<html><head>{head}<title>정부, 내년 예산안 국회 제출</title></head><body>\
             <h1>정부, 내년 예산안 국회 제출</h1><p>기획재정부는 오늘 내년도 예산안을 확정했다고 밝혔다."
        )
        .into_bytes();
        page.push(0xEC); // The first byte of a three-byte character, alone.
        page.extend_from_slice("<p>예산 규모는 올해보다 늘었다.</p></body></html>".as_bytes());
        page
    }

    #[test]
    fn declared_utf8_with_one_bad_byte_stays_utf8() {
        let header = korean_page_with_one_bad_byte("");
        let meta = korean_page_with_one_bad_byte("<meta charset=\"utf-8\">");
        for (page, ct) in [
            (&header, Some("text/html; charset=UTF-8")),
            (&meta, Some("text/html")),
            (&meta, None),
            // Undeclared but almost valid.
            (&header, None),
        ] {
            let (text, enc) = decode_html(page, ct);
            assert_eq!(enc, UTF_8, "{ct:?}");
            assert!(
                text.contains("정부, 내년 예산안 국회 제출"),
                "{ct:?}: {text}"
            );
            assert!(text.contains("예산 규모는 올해보다 늘었다."));
            assert_eq!(text.matches('\u{fffd}').count(), 1);
        }
    }

    #[test]
    fn legacy_pages_mislabelled_utf8_get_their_encoding() {
        let (body, _, _) = encoding_rs::EUC_KR.encode(
            "<h1>정부, 내년 예산안 국회 제출</h1><p>기획재정부는 오늘 내년도 예산안을 확정했다고 밝혔다. 예산 규모는 올해보다 늘었다.</p>",
        );
        for ct in [Some("text/html; charset=utf-8"), None] {
            let mut page = b"<html><head><meta charset=\"utf-8\"></head><body>".to_vec();
            page.extend_from_slice(&body);
            let (text, enc) = decode_html(&page, ct);
            assert_eq!(enc, encoding_rs::EUC_KR, "{ct:?}");
            assert!(text.contains("정부, 내년 예산안 국회 제출"));
        }
        let (body, _, _) = encoding_rs::WINDOWS_1252
            .encode("<p>Caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e, na\u{ef}vet\u{e9} et \u{e7}a.</p>");
        let mut page = b"<meta charset=utf-8>".to_vec();
        page.extend_from_slice(&body);
        let (text, enc) = decode_html(&page, Some("text/html; charset=utf-8"));
        assert_eq!(enc, encoding_rs::WINDOWS_1252);
        assert!(text.contains("Café crème brûlée, naïveté et ça."));
    }

    #[test]
    fn random_bytes_are_not_text_and_pages_are() {
        // A fixed xorshift stream stands in for random bytes.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let bytes: Vec<u8> = (0..1 << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        for ct in [Some("text/html"), Some("text/html; charset=utf-8"), None] {
            let (text, _) = decode_html(&bytes, ct);
            assert!(not_text(&text).is_some(), "{ct:?}");
        }
        // Binary after a clean first 4 KiB is caught overall.
        let mut page = "<p>clean text</p>".repeat(400).into_bytes();
        page.extend_from_slice(&bytes[..64 << 10]);
        let (text, _) = decode_html(&page, None);
        assert!(not_text(&text).is_some_and(|r| r.contains("of its")));
        let korean = korean_page_with_one_bad_byte("");
        let (text, _) = decode_html(&korean, None);
        assert_eq!(not_text(&text), None);
        assert_eq!(not_text("<p>tabs\tand\r\nbreaks\x0c</p>"), None);
        assert_eq!(not_text(""), None);
        assert!(not_text("\0\0\0<p>x</p>").is_some());
    }

    #[test]
    fn undeclared_gb18030_is_detected() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("<html><body><p>这是一篇关于经济发展的新闻报道，记者在北京采访了多位专家。</p></body></html>");
        let (text, _) = decode_html(&bytes, None);
        assert!(text.contains("经济发展"));
    }
}
