//! Wire encoding of the messages that travel through queues (postcard: compact,
//! self-describing enough for our own types, and fast), except the article
//! records: they travel as the JSON the outputs write ([`encode_article`]), since
//! their fields are flattened into them, which postcard cannot represent.

use serde::{Serialize, de::DeserializeOwned};

/// A message could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// A postcard message.
    #[error("message codec: {0}")]
    Postcard(#[from] postcard::Error),
    /// An article record (JSON).
    #[error("article record: {0}")]
    Json(#[from] serde_json::Error),
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
