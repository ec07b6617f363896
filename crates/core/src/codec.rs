//! Wire encoding of the messages that travel through queues (postcard: compact,
//! self-describing enough for our own types, and fast).

use serde::{Serialize, de::DeserializeOwned};

/// A message could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[error("message codec: {0}")]
pub struct CodecError(#[from] postcard::Error);

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
