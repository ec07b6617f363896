//! The HTTP client, and one fetch with a bounded body.

use futures::StreamExt;
use reqwest::{Client, StatusCode, redirect};
use url::Url;

use newshound_core::config::{FetchSettings, Politeness};
use newshound_core::message::PageVersion;

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
    pub etag: Option<String>,
    pub last_modified: Option<String>,
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
/// that is `oversize`'s call. With the validators of a version already held,
/// the request is conditional (a `304` answer has no body).
pub(crate) async fn get(
    client: &Client,
    url: &Url,
    max_body: u64,
    oversize: Oversize,
    held: Option<&PageVersion>,
) -> Result<Response, FetchError> {
    let classify = |e: reqwest::Error| {
        if e.is_redirect() {
            FetchError::Redirect(e.to_string())
        } else {
            FetchError::Transport(e.without_url().to_string())
        }
    };
    let mut request = client.get(url.clone());
    if let Some(held) = held {
        if let Some(etag) = &held.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &held.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
        }
    }
    let response = request.send().await.map_err(classify)?;
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
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
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
        etag,
        last_modified,
        body,
    })
}
