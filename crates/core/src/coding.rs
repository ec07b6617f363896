//! HTTP content codings: decoding a body received with a
//! `Content-Encoding` (gzip, deflate, zstd), bounded in what it inflates to.

use std::io::Read;

/// A body after its `Content-Encoding`.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// No coding: the body is as received.
    Identity,
    /// Decoded from the coding.
    Decoded(Vec<u8>),
    /// A coding not decoded here (named, lower-cased).
    Unknown(String),
}

/// A body did not decode.
#[derive(Debug, thiserror::Error)]
pub enum CodingError {
    /// It inflates past the bound.
    #[error("the {coding} body inflates past {max} bytes")]
    TooLarge {
        /// The coding.
        coding: String,
        /// The bound.
        max: u64,
    },
    /// The bytes are not of the coding.
    #[error("the {coding} body does not decode")]
    Corrupt {
        /// The coding.
        coding: String,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
}

/// Decodes `raw`, received with `Content-Encoding` `coding`, refusing to
/// inflate past `max` bytes. `deflate` is read as zlib (RFC 9110 8.4.1.2),
/// or raw deflate as some servers send it.
///
/// # Errors
/// Fails when the body does not decode or inflates past `max`.
pub fn decode(coding: Option<&str>, raw: &[u8], max: u64) -> Result<Decoded, CodingError> {
    let coding = coding.map(|c| c.trim().to_ascii_lowercase());
    let inflate = |reader: &mut dyn Read| -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(raw.len().saturating_mul(4).min(1 << 24));
        reader.take(max + 1).read_to_end(&mut out)?;
        Ok(out)
    };
    let (name, decoded) = match coding.as_deref() {
        None | Some("" | "identity") => return Ok(Decoded::Identity),
        Some(c @ ("gzip" | "x-gzip")) => (c, inflate(&mut flate2::read::MultiGzDecoder::new(raw))),
        Some(c @ "deflate") => (
            c,
            inflate(&mut flate2::read::ZlibDecoder::new(raw))
                .or_else(|_| inflate(&mut flate2::read::DeflateDecoder::new(raw))),
        ),
        Some(c @ "zstd") => (
            c,
            zstd::stream::read::Decoder::new(raw).and_then(|mut d| inflate(&mut d)),
        ),
        Some(other) => return Ok(Decoded::Unknown(other.to_string())),
    };
    match decoded {
        Ok(body) if body.len() as u64 > max => Err(CodingError::TooLarge {
            coding: name.to_string(),
            max,
        }),
        Ok(body) => Ok(Decoded::Decoded(body)),
        Err(source) => Err(CodingError::Corrupt {
            coding: name.to_string(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).expect("gzip");
        e.finish().expect("gzip")
    }

    #[test]
    fn codings_decode_within_the_bound() {
        let body = b"<p>hello</p>".repeat(100);
        assert_eq!(decode(None, &body, 10).ok(), Some(Decoded::Identity));
        assert_eq!(
            decode(Some("GZIP"), &gzip(&body), 10_000).ok(),
            Some(Decoded::Decoded(body.clone()))
        );
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&body).expect("zlib");
        let zlib = z.finish().expect("zlib");
        assert_eq!(
            decode(Some("deflate"), &zlib, 10_000).ok(),
            Some(Decoded::Decoded(body.clone()))
        );
        let zstd = zstd::bulk::compress(&body, 3).expect("zstd");
        assert_eq!(
            decode(Some("zstd"), &zstd, 10_000).ok(),
            Some(Decoded::Decoded(body.clone()))
        );
        assert_eq!(
            decode(Some("br"), &body, 10).ok(),
            Some(Decoded::Unknown("br".into()))
        );
        // A bomb stops at the bound.
        let bomb = gzip(&vec![0u8; 1 << 20]);
        assert!(matches!(
            decode(Some("gzip"), &bomb, 1000),
            Err(CodingError::TooLarge { max: 1000, .. })
        ));
        assert!(matches!(
            decode(Some("gzip"), b"not gzip", 1000),
            Err(CodingError::Corrupt { .. })
        ));
    }
}
