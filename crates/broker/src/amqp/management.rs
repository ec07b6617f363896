//! The unacked (in-flight) message count from the RabbitMQ management HTTP
//! API, which AMQP itself does not expose.
//!
//! A minimal HTTP/1.0 GET over a tokio socket (one request per `depth()`
//! call): `GET /api/queues/<vhost>?columns=name,messages_unacknowledged`.
//! The API's counts are sampled every `collect_statistics_interval` (5 s by
//! default), so `in_flight` can lag by that much.

use lapin::uri::AMQPUri;
use std::collections::HashSet;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::BrokerError;

/// Longest a management request may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Where and how to ask.
pub(crate) struct Management {
    /// `host:port`.
    authority: String,
    /// `Basic <base64>`.
    authorization: String,
    /// The percent-encoded vhost.
    vhost: String,
}

impl Management {
    /// From the management base URL (by default `http://<AMQP host>:15672`)
    /// and the AMQP URL (credentials, vhost).
    pub(crate) fn new(base_url: Option<&str>, amqp_url: &str) -> Result<Management, BrokerError> {
        let uri: AMQPUri = amqp_url
            .parse()
            .map_err(|e| BrokerError::Config(format!("cannot parse the AMQP url: {e}")))?;
        let derived = format!("http://{}:15672", uri.authority.host);
        let rest = base_url
            .unwrap_or(&derived)
            .strip_prefix("http://")
            .ok_or_else(|| BrokerError::Config("management_url must start with http://".into()))?;
        let authority = rest.split('/').next().unwrap_or_default().to_string();
        if authority.is_empty() {
            return Err(BrokerError::Config("management_url has no host".into()));
        }
        let user = &uri.authority.userinfo;
        let credentials = format!("{}:{}", user.username, user.password);
        Ok(Management {
            authority,
            authorization: format!("Basic {}", base64(credentials.as_bytes())),
            vhost: percent_encode(&uri.vhost),
        })
    }

    /// The summed `messages_unacknowledged` of the queues named in `names`.
    pub(crate) async fn unacked(&self, names: &[String]) -> Result<u64, BrokerError> {
        let body = tokio::time::timeout(TIMEOUT, self.get_queues())
            .await
            .map_err(|_| BrokerError::Management("request timed out".into()))??;
        let queues: Vec<QueueStats> = serde_json::from_slice(&body)
            .map_err(|e| BrokerError::Management(format!("unexpected answer: {e}")))?;
        let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
        Ok(queues
            .iter()
            .filter(|q| wanted.contains(q.name.as_str()))
            .map(|q| q.messages_unacknowledged)
            .sum())
    }

    async fn get_queues(&self) -> Result<Vec<u8>, BrokerError> {
        let io = |e: std::io::Error| BrokerError::Management(format!("{}: {e}", self.authority));
        let mut socket = TcpStream::connect(&self.authority).await.map_err(io)?;
        let request = format!(
            "GET /api/queues/{}?columns=name,messages_unacknowledged HTTP/1.0\r\n\
             Host: {}\r\nAuthorization: {}\r\nAccept: application/json\r\n\r\n",
            self.vhost, self.authority, self.authorization
        );
        socket.write_all(request.as_bytes()).await.map_err(io)?;
        let mut response = Vec::new();
        socket.read_to_end(&mut response).await.map_err(io)?;
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| BrokerError::Management("truncated HTTP response".into()))?;
        let head = String::from_utf8_lossy(&response[..split]);
        let status = head.split_whitespace().nth(1).unwrap_or_default();
        if status != "200" {
            return Err(BrokerError::Management(format!("HTTP status {status}")));
        }
        Ok(response[split + 4..].to_vec())
    }
}

/// One row of `/api/queues`.
#[derive(serde::Deserialize)]
struct QueueStats {
    name: String,
    #[serde(default)]
    messages_unacknowledged: u64,
}

/// Standard base64 with padding.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encodes everything but unreserved characters (a vhost in a path).
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes() {
        assert_eq!(base64(b"guest:guest"), "Z3Vlc3Q6Z3Vlc3Q=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(percent_encode("/"), "%2F");
    }

    #[test]
    fn takes_credentials_and_vhost_from_the_amqp_url() {
        let m = Management::new(
            Some("http://127.0.0.1:15673/"),
            "amqp://u:p@127.0.0.1:5672/%2f",
        )
        .expect("valid");
        assert_eq!(m.authority, "127.0.0.1:15673");
        assert_eq!(m.vhost, "%2F");
        assert_eq!(m.authorization, format!("Basic {}", base64(b"u:p")));
        let m = Management::new(None, "amqp://rabbit.internal/crawl").expect("valid");
        assert_eq!(m.authority, "rabbit.internal:15672");
        assert_eq!(m.vhost, "crawl");
        assert_eq!(m.authorization, format!("Basic {}", base64(b"guest:guest")));
    }
}
