//! Wire encoding of the messages that travel through queues (postcard: compact,
//! self-describing enough for our own types, and fast), except the article
//! records: they travel as the JSON the outputs write ([`encode_article`]), since
//! their fields are flattened into them, which postcard cannot represent.
//! Messages that carry page bodies (the pages and captures queues) are
//! zstd-compressed whole ([`encode_packed`]): only what crosses a queue is
//! compressed.

use serde::{Serialize, de::DeserializeOwned};
use std::io::Read;

/// A message could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// A postcard message.
    #[error("message codec: {0}")]
    Postcard(#[from] postcard::Error),
    /// An article record (JSON).
    #[error("article record: {0}")]
    Json(#[from] serde_json::Error),
    /// A compressed message that is corrupt or inflates past its bound.
    #[error("compressed message: {0}")]
    Zstd(#[source] std::io::Error),
}

/// Encodes a message for a queue.
///
/// # Errors
/// Fails only for values postcard cannot represent (none of ours).
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    Ok(postcard::to_stdvec(value)?)
}

/// Decodes a message taken from a queue.
///
/// # Errors
/// Fails when the bytes are not a valid encoding of `T` (a poison message).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    Ok(postcard::from_bytes(bytes)?)
}

/// Encodes a message that carries a page body: postcard, then zstd.
///
/// # Errors
/// Fails only for values postcard cannot represent (none of ours), or when
/// zstd cannot allocate its context.
pub fn encode_packed<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    let plain = postcard::to_stdvec(value)?;
    zstd::bulk::compress(&plain, 3).map_err(CodecError::Zstd)
}

/// Decodes a message of [`encode_packed`], refusing to inflate it past
/// `max_bytes` (a hostile or corrupt message cannot take more memory).
///
/// # Errors
/// Fails when the bytes are not zstd, inflate past `max_bytes`, or are not
/// a valid encoding of `T`.
pub fn decode_packed<T: DeserializeOwned>(bytes: &[u8], max_bytes: u64) -> Result<T, CodecError> {
    let mut plain = Vec::with_capacity(bytes.len().saturating_mul(4));
    zstd::stream::read::Decoder::new(bytes)
        .and_then(|d| d.take(max_bytes.saturating_add(1)).read_to_end(&mut plain))
        .map_err(CodecError::Zstd)?;
    if plain.len() as u64 > max_bytes {
        return Err(CodecError::Zstd(std::io::Error::other(format!(
            "inflates past {max_bytes} bytes"
        ))));
    }
    decode(&plain)
}

/// Encodes an article record for the articles queue: the record's JSON, as the
/// JSONL output writes it.
///
/// # Errors
/// Fails only for values JSON cannot represent (none of ours).
pub fn encode_article(article: &crate::message::Article) -> Result<Vec<u8>, CodecError> {
    Ok(serde_json::to_vec(article)?)
}

/// Decodes an article record taken from the articles queue.
///
/// # Errors
/// Fails when the bytes are not an article record's JSON (a poison message).
pub fn decode_article(bytes: &[u8]) -> Result<crate::message::Article, CodecError> {
    Ok(serde_json::from_slice(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_message_comes_back_and_cannot_inflate_past_its_bound() {
        let body = vec![b'a'; 100_000];
        let packed = encode_packed(&body).expect("encode");
        assert!(
            packed.len() < 1_000,
            "{} bytes: not compressed",
            packed.len()
        );
        let back: Vec<u8> = decode_packed(&packed, 200_000).expect("decode");
        assert_eq!(back, body);
        let e = decode_packed::<Vec<u8>>(&packed, 50_000).expect_err("past the bound");
        assert!(e.to_string().contains("inflates past 50000 bytes"), "{e}");
        let e = decode_packed::<Vec<u8>>(b"plain postcard", 1 << 20).expect_err("not zstd");
        assert!(matches!(e, CodecError::Zstd(_)), "{e}");
    }
}
