//! WARC/1.1 records: building them (headers, SHA-1 digests in base32 as
//! warcio and Heritrix write them) and encoding each as a gzip member of
//! its own; reading them back (bounded).

use chrono::{DateTime, SecondsFormat, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use sha1::{Digest, Sha1};
use std::io::{self, BufRead, Read, Write};

/// The WARC version written.
pub const WARC_VERSION: &str = "WARC/1.1";

/// Longest header section read back (a record's WARC headers).
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// One WARC record: named fields and a content block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Header fields in order, without `Content-Length` (written from the block).
    pub headers: Vec<(String, String)>,
    /// The content block.
    pub block: Vec<u8>,
}

impl Record {
    /// A record of `kind` (`WARC-Type`) with its ID and date.
    pub fn new(kind: &str, id: uuid::Uuid, date: DateTime<Utc>) -> Record {
        Record {
            headers: vec![
                ("WARC-Type".into(), kind.into()),
                ("WARC-Record-ID".into(), record_id(id)),
                ("WARC-Date".into(), warc_date(date)),
            ],
            block: Vec::new(),
        }
    }

    /// Adds a header field.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Record {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the block, its `Content-Type` and its `WARC-Block-Digest`.
    pub fn block(mut self, content_type: &str, block: Vec<u8>) -> Record {
        self.headers
            .push(("Content-Type".into(), content_type.into()));
        self.headers
            .push(("WARC-Block-Digest".into(), sha1_digest(&block)));
        self.block = block;
        self
    }

    /// The value of the first header field `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The record as WARC bytes, uncompressed.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.block.len() + 512);
        out.extend_from_slice(WARC_VERSION.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            // A field value never holds a line break.
            out.extend(
                value
                    .bytes()
                    .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
            );
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", self.block.len()).as_bytes());
        out.extend_from_slice(&self.block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }

    /// The record as one gzip member (a `.warc.gz` is a series of these).
    pub fn to_gzip_member(&self) -> io::Result<Vec<u8>> {
        let bytes = self.to_bytes();
        let mut encoder = GzEncoder::new(
            Vec::with_capacity(bytes.len() / 3 + 64),
            Compression::new(6),
        );
        encoder.write_all(&bytes)?;
        encoder.finish()
    }
}

/// `<urn:uuid:...>`.
pub fn record_id(id: uuid::Uuid) -> String {
    format!("<{}>", id.urn())
}

/// The UUID of a `<urn:uuid:...>` record ID (`None` for IDs of another form).
pub fn parse_record_id(id: &str) -> Option<uuid::Uuid> {
    let inner = id.trim().strip_prefix('<')?.strip_suffix('>')?;
    uuid::Uuid::parse_str(inner.strip_prefix("urn:uuid:")?).ok()
}

/// A WARC date: UTC, to the microsecond (WARC 1.1 allows fractions).
pub fn warc_date(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `sha1:` and the base32 of the SHA-1 of `bytes` (what warcio checks).
pub fn sha1_digest(bytes: &[u8]) -> String {
    format!(
        "sha1:{}",
        data_encoding::BASE32.encode(&Sha1::digest(bytes))
    )
}

/// Reads one record from an uncompressed WARC stream; `None` at a clean end.
/// The block is kept when `keep_block` (and must be at most `max_block`
/// bytes), else skipped.
///
/// # Errors
/// `InvalidData` for what is not a WARC record (or a block past
/// `max_block`), `UnexpectedEof` for a record cut short.
pub fn read_record<R: BufRead>(
    reader: &mut R,
    max_block: u64,
    keep_block: bool,
) -> io::Result<Option<Record>> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let mut line = Vec::new();
    // Blank lines between records are tolerated.
    loop {
        line.clear();
        if reader
            .by_ref()
            .take(MAX_HEADER_BYTES as u64)
            .read_until(b'\n', &mut line)?
            == 0
        {
            return Ok(None);
        }
        if line.iter().any(|b| !b.is_ascii_whitespace()) {
            break;
        }
    }
    let version = String::from_utf8_lossy(&line).trim().to_string();
    if !version.starts_with("WARC/") {
        return Err(invalid(format!(
            "not a WARC record (starts with {version:?})"
        )));
    }
    let mut headers = Vec::new();
    let mut read = line.len();
    let mut length: Option<u64> = None;
    loop {
        line.clear();
        let n = reader
            .by_ref()
            .take((MAX_HEADER_BYTES - read.min(MAX_HEADER_BYTES)) as u64)
            .read_until(b'\n', &mut line)?;
        read += n;
        if n == 0 || line.last() != Some(&b'\n') {
            if read >= MAX_HEADER_BYTES {
                return Err(invalid(format!(
                    "WARC headers longer than {MAX_HEADER_BYTES} bytes"
                )));
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "record cut short in its headers",
            ));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(invalid(format!(
                "a WARC header line without a colon: {text:?}"
            )));
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("Content-Length") {
            length = Some(
                value
                    .parse()
                    .map_err(|_| invalid(format!("Content-Length {value:?} is not a number")))?,
            );
        } else {
            headers.push((name.to_string(), value.to_string()));
        }
    }
    let length = length.ok_or_else(|| invalid("a WARC record without Content-Length".into()))?;
    let mut block = Vec::new();
    if keep_block {
        if length > max_block {
            return Err(invalid(format!(
                "a record block of {length} bytes, past the {max_block} allowed"
            )));
        }
        block.reserve(usize::try_from(length).unwrap_or(0));
        let got = reader.by_ref().take(length).read_to_end(&mut block)?;
        if (got as u64) < length {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "record cut short in its block",
            ));
        }
    } else {
        let got = io::copy(&mut reader.by_ref().take(length), &mut io::sink())?;
        if got < length {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "record cut short in its block",
            ));
        }
    }
    let mut end = [0u8; 4];
    reader.read_exact(&mut end)?;
    if &end != b"\r\n\r\n" {
        return Err(invalid("a record not ended by CRLF CRLF".into()));
    }
    Ok(Some(Record { headers, block }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_sha1_base32() {
        // RFC 3174's "abc" example, base32-encoded.
        assert_eq!(sha1_digest(b"abc"), "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"x");
        let date = DateTime::parse_from_rfc3339("2026-12-02T05:47:07.123456Z")
            .map(|d| d.with_timezone(&Utc))
            .expect("date");
        let record = Record::new("resource", id, date)
            .header("WARC-Target-URI", "http://127.0.0.1:1/a")
            .block("text/plain", b"hello\r\n".to_vec());
        let bytes = record.to_bytes();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.starts_with("WARC/1.1\r\nWARC-Type: resource\r\n"),
            "{text}"
        );
        assert!(
            text.contains("WARC-Date: 2026-12-02T05:47:07.123456Z\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Content-Length: 7\r\n\r\nhello\r\n\r\n\r\n"),
            "{text}"
        );
        let back = read_record(&mut bytes.as_slice(), 100, true)
            .expect("reads")
            .expect("a record");
        assert_eq!(back, record);
        assert_eq!(
            parse_record_id(back.get("warc-record-id").unwrap_or("")),
            Some(id)
        );
        // Cut anywhere, it is an error, never a record.
        for cut in [5, 40, bytes.len() - 3] {
            assert!(
                read_record(&mut &bytes[..cut], 100, true).is_err(),
                "cut at {cut}"
            );
        }
        assert!(
            read_record(&mut bytes.as_slice(), 3, true).is_err(),
            "block past the bound"
        );
    }
}
