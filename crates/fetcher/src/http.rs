//! The HTTP client, and one fetch with a bounded body.

use futures::StreamExt;
use reqwest::{Client, StatusCode, redirect};
use url::Url;

use newshound_core::config::{FetchSettings, Politeness};

/// Builds the shared client: User-Agent, timeouts, redirect limit, compression.
pub(crate) fn client(p: &Politeness, f: &FetchSettings) -> reqwest::Result<Client> {
    Client::builder()
        .user_agent(p.user_agent.clone())
        .timeout(f.timeout)
        .connect_timeout(f.connect_timeout)
        .redirect(redirect::Policy::limited(f.max_redirects))
        .pool_max_idle_per_host(p.max_concurrent_per_host)
        .build()
}

/// A response read in full.
pub(crate) struct Response {
    pub status: StatusCode,
    pub final_url: Url,
    pub content_type: Option<String>,
    pub retry_after: Option<std::time::Duration>,
    pub body: Vec<u8>,
}

/// Why a fetch produced no response.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    /// Timeout, connection refused or reset, DNS: worth retrying.
    #[error("transport: {0}")]
    Transport(String),
    /// Redirect loop or too many redirects: retrying gives the same.
    #[error("redirects: {0}")]
    Redirect(String),
    /// The body is larger than allowed.
    #[error("body larger than {0} bytes")]
    TooLarge(u64),
}

/// What to do with a body longer than allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Oversize {
    /// Fail with [`FetchError::TooLarge`] (pages).
    Fail,
    /// Keep the first `max_body` bytes and drop the rest (robots.txt, which
    /// RFC 9309 has parsed up to a limit).
    Truncate,
}

/// GETs `url`, reading at most `max_body` bytes of body; what happens past
/// that is `oversize`'s call.
pub(crate) async fn get(
    client: &Client,
    url: &Url,
    max_body: u64,
    oversize: Oversize,
) -> Result<Response, FetchError> {
    let classify = |e: reqwest::Error| {
        if e.is_redirect() {
            FetchError::Redirect(e.to_string())
        } else {
            FetchError::Transport(e.without_url().to_string())
        }
    };
    let response = client.get(url.clone()).send().await.map_err(classify)?;
    let status = response.status();
    let final_url = response.url().clone();
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let retry_after = header(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(std::time::Duration::from_secs);
    if oversize == Oversize::Fail && response.content_length().is_some_and(|len| len > max_body) {
        return Err(FetchError::TooLarge(max_body));
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(classify)?;
        let room = usize::try_from(max_body)
            .unwrap_or(usize::MAX)
            .saturating_sub(body.len());
        if chunk.len() > room {
            if oversize == Oversize::Fail {
                return Err(FetchError::TooLarge(max_body));
            }
            // The rest of the body is not read: the connection is dropped.
            body.extend_from_slice(&chunk[..room]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response {
        status,
        final_url,
        content_type,
        retry_after,
        body,
    })
}
