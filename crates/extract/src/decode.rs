//! Charset detection and decoding: BOM, HTTP charset, `<meta charset>`, then chardetng when the
//! declarations are missing or wrong.

use std::borrow::Cow;

use chardetng::EncodingDetector;
use encoding_rs::{Encoding, UTF_8};

/// How many leading bytes the `<meta charset>` prescan looks at.
const PRESCAN: usize = 4096;

/// Decodes an HTML document to UTF-8 and returns the encoding used.
///
/// Order: byte-order mark; valid UTF-8 stays UTF-8 whatever is declared; the `charset` of
/// `content_type`, then a `<meta charset>` / `http-equiv` prescan; then a chardetng guess.
/// A declared encoding the bytes do not decode cleanly in is replaced by the guess.
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

    #[test]
    fn undeclared_gb18030_is_detected() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("<html><body><p>这是一篇关于经济发展的新闻报道，记者在北京采访了多位专家。</p></body></html>");
        let (text, _) = decode_html(&bytes, None);
        assert!(text.contains("经济发展"));
    }
}
