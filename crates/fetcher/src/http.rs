//! The HTTP client, and one request with a bounded body.
//!
//! The client follows no redirects: each hop is a request of its own, checked
//! by the caller like a discovered link (see `handle`). It connects only to
//! addresses the [`AddressPolicy`] allows (through its resolver, and
//! [`get`]'s check of IP literals) and uses no proxy, so that what is checked
//! is what is connected to.

use futures::StreamExt;
use reqwest::{Client, StatusCode, redirect};
use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

use crate::addr::{AddressPolicy, AddressRefused, GuardedResolver};
use newshound_core::coding::{self, CodingError, Decoded};
use newshound_core::config::{FetchSettings, Politeness};
use newshound_core::message::{Exchange, PageVersion, compress};

/// Builds the shared client: User-Agent, timeouts, no redirects, no proxy,
/// the guarded resolver, compression. When the exchanges are `captured`
/// (for the WARC output) the client decodes no `Content-Encoding` itself:
/// [`get`] asks for gzip and deflate and decodes them, keeping the bytes as
/// received.
pub(crate) fn client(
    p: &Politeness,
    f: &FetchSettings,
    policy: Arc<AddressPolicy>,
    captured: bool,
) -> reqwest::Result<Client> {
    let builder = if captured {
        Client::builder()
            .no_gzip()
            .no_deflate()
            .no_brotli()
            .no_zstd()
    } else {
        Client::builder()
    };
    builder
        .user_agent(p.user_agent.clone())
        .timeout(f.timeout)
        .connect_timeout(f.connect_timeout)
        .redirect(redirect::Policy::none())
        .no_proxy()
        .dns_resolver(GuardedResolver::new(policy))
        .pool_max_idle_per_host(p.max_concurrent_per_host)
        .build()
}

/// A response read in full.
pub(crate) struct Response {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub retry_after: Option<Duration>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
    /// The body, decoded.
    pub body: Vec<u8>,
    /// The exchange as sent and received, when captured.
    pub exchange: Option<Exchange>,
}

/// The codings [`get`] asks for (and decodes) when it captures.
const CAPTURE_ACCEPT_ENCODING: &str = "gzip, deflate";

/// Why a request produced no response. Each message names the cause in
/// words; the caller adds the URL.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    /// Timeout, refused or reset connection, DNS failure, a broken answer:
    /// worth retrying.
    #[error("{0}")]
    Transport(String),
    /// The address is not one the crawl may connect to: never retried.
    #[error("{0}")]
    Refused(String),
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

/// The client's timeouts, as it was built with them (for error messages).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeouts {
    /// The whole request.
    pub request: Duration,
    /// Connecting.
    pub connect: Duration,
}

impl Timeouts {
    /// The timeouts of `f`.
    pub(crate) fn of(f: &FetchSettings) -> Self {
        Timeouts {
            request: f.timeout,
            connect: f.connect_timeout,
        }
    }
}

/// Where a request was when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Response,
    Body,
}

/// What a request asks beyond the URL.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ask<'a> {
    /// The version already held: its validators make the request
    /// conditional (a `304` answer has no body).
    pub held: Option<&'a PageVersion>,
    /// Keep the exchange as sent and received ([`Response::exchange`]),
    /// sending this User-Agent.
    pub capture_agent: Option<&'a str>,
}

/// GETs `url` (one hop: a redirect is returned, not followed), reading at
/// most `max_body` bytes of body; what happens past that is `oversize`'s
/// call.
pub(crate) async fn get(
    client: &Client,
    policy: &AddressPolicy,
    url: &Url,
    max_body: u64,
    oversize: Oversize,
    ask: Ask<'_>,
    timeouts: Timeouts,
) -> Result<Response, FetchError> {
    let Ask {
        held,
        capture_agent: capture,
    } = ask;
    policy
        .check_url(url)
        .map_err(|e| FetchError::Refused(e.to_string()))?;
    let mut request = client.get(url.clone());
    if let Some(user_agent) = capture {
        // Every header set here, so the request record says what was sent
        // (hyper adds only `host`).
        request = request
            .header(reqwest::header::USER_AGENT, user_agent)
            .header(reqwest::header::ACCEPT, "*/*")
            .header(reqwest::header::ACCEPT_ENCODING, CAPTURE_ACCEPT_ENCODING);
    }
    if let Some(held) = held {
        if let Some(etag) = &held.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &held.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
        }
    }
    let request = request
        .build()
        .map_err(|e| classify(&e, Phase::Response, timeouts))?;
    let request_head = capture.map(|_| request_head(&request));
    let response = client
        .execute(request)
        .await
        .map_err(|e| classify(&e, Phase::Response, timeouts))?;
    // To the microsecond, as the WARC date holds it.
    let fetched_at = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let status = response.status();
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
    let location = header(reqwest::header::LOCATION);
    let retry_after = header(reqwest::header::RETRY_AFTER).and_then(|v| retry_after(&v));
    let Some(request_head) = request_head else {
        // The body of a redirect is not read.
        let body = if status.is_redirection() && location.is_some() {
            Vec::new()
        } else {
            read_body(response, max_body, oversize, timeouts).await?
        };
        return Ok(Response {
            status,
            content_type,
            retry_after,
            etag,
            last_modified,
            location,
            body,
            exchange: None,
        });
    };
    let (response_head, mut notes) = response_head(&response);
    let ip = response.remote_addr().map(|a| a.ip());
    let encoding = header(reqwest::header::CONTENT_ENCODING);
    let (body, body_on_wire) = if status.is_redirection() && location.is_some() {
        notes.push("the body of the redirect was not read".into());
        (Vec::new(), None)
    } else {
        let raw = read_body(response, max_body, oversize, timeouts).await?;
        let decoded = coding::decode(encoding.as_deref(), &raw, max_body).map_err(|e| match e {
            CodingError::TooLarge { max, .. } => FetchError::TooLarge(max),
            CodingError::Corrupt { .. } => FetchError::Transport(format!(
                "{}: {} (reading the body)",
                e,
                e.source().map(ToString::to_string).unwrap_or_default()
            )),
        })?;
        match decoded {
            Decoded::Identity => (raw, None),
            Decoded::Decoded(body) => (body, Some(raw)),
            Decoded::Unknown(coding) => {
                notes.push(format!("Content-Encoding {coding} not decoded"));
                (raw, None)
            }
        }
    };
    let body_on_wire_zstd = body_on_wire
        .map(|raw| compress(&raw))
        .transpose()
        .map_err(|e| FetchError::Transport(format!("compressing the captured body: {e}")))?;
    Ok(Response {
        status,
        content_type,
        retry_after,
        etag,
        last_modified,
        location,
        body,
        exchange: Some(Exchange {
            url: url.clone(),
            fetched_at,
            ip,
            request: request_head,
            response_head,
            body_on_wire_zstd,
            notes,
        }),
    })
}

/// The request line and headers a request is sent with (HTTP/1.1, as
/// hyper sends it: `host` first).
fn request_head(request: &reqwest::Request) -> Vec<u8> {
    let url = request.url();
    let mut target = url.path().to_string();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let mut head = format!("{} {target} HTTP/1.1\r\n", request.method()).into_bytes();
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    head.extend_from_slice(format!("host: {host}\r\n").as_bytes());
    for (name, value) in request.headers() {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// The status line and headers of a response as received (hyper gives the
/// names lower-cased), without `Transfer-Encoding`: the body is kept
/// dechunked. Returns the notes on what differs from the wire.
fn response_head(response: &reqwest::Response) -> (Vec<u8>, Vec<String>) {
    let status = response.status();
    let version = match response.version() {
        reqwest::Version::HTTP_09 => "HTTP/0.9",
        reqwest::Version::HTTP_10 => "HTTP/1.0",
        reqwest::Version::HTTP_2 => "HTTP/2",
        reqwest::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    };
    let mut head = format!(
        "{version} {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    let mut notes = Vec::new();
    for (name, value) in response.headers() {
        if name == reqwest::header::TRANSFER_ENCODING {
            notes.push(format!(
                "Transfer-Encoding {} removed: the body is stored decoded from it",
                String::from_utf8_lossy(value.as_bytes())
            ));
            continue;
        }
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    (head, notes)
}

/// Reads a body of at most `max_body` bytes; past that, `oversize` decides.
async fn read_body(
    response: reqwest::Response,
    max_body: u64,
    oversize: Oversize,
    timeouts: Timeouts,
) -> Result<Vec<u8>, FetchError> {
    if oversize == Oversize::Fail && response.content_length().is_some_and(|len| len > max_body) {
        return Err(FetchError::TooLarge(max_body));
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| classify(&e, Phase::Body, timeouts))?;
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
    Ok(body)
}

/// GETs a robots.txt, following up to `max_hops` redirects to any http(s)
/// URL the address policy allows (RFC 9309 2.3.1.2: the rules found apply
/// to the original origin). The body past `max_body` is cut. A response that
/// is still a redirect after `max_hops` is returned as it is.
pub(crate) async fn get_following(
    client: &Client,
    policy: &AddressPolicy,
    url: &Url,
    max_body: u64,
    timeouts: Timeouts,
    max_hops: usize,
) -> Result<Response, FetchError> {
    let mut url = url.clone();
    let mut hops = 0;
    loop {
        let response = get(
            client,
            policy,
            &url,
            max_body,
            Oversize::Truncate,
            Ask::default(),
            timeouts,
        )
        .await?;
        let next = response
            .location
            .as_deref()
            .filter(|_| response.status.is_redirection() && hops < max_hops)
            .and_then(|location| url.join(location).ok())
            .filter(|next| matches!(next.scheme(), "http" | "https"));
        match next {
            Some(next) => {
                url = next;
                hops += 1;
            }
            None => return Ok(response),
        }
    }
}

/// `Retry-After` as seconds or an HTTP date (RFC 9110 10.2.3).
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or_default())
}

/// Turns a client error into a [`FetchError`] whose message says what went
/// wrong in words, from the error's source chain.
fn classify(e: &reqwest::Error, phase: Phase, timeouts: Timeouts) -> FetchError {
    let mut sources = Vec::new();
    let mut next = e.source();
    while let Some(source) = next {
        if let Some(refused) = source.downcast_ref::<AddressRefused>() {
            return FetchError::Refused(refused.to_string());
        }
        sources.push(source);
        next = source.source();
    }
    let secs = |d: Duration| d.as_secs_f64();
    if e.is_timeout() {
        return FetchError::Transport(match (e.is_connect(), phase) {
            (true, _) => format!("timed out after {:.0} s connecting", secs(timeouts.connect)),
            (false, Phase::Response) => format!(
                "timed out after {:.0} s waiting for the response",
                secs(timeouts.request)
            ),
            (false, Phase::Body) => format!(
                "timed out after {:.0} s (the whole-request limit) reading the body",
                secs(timeouts.request)
            ),
        });
    }
    let io_kind = sources
        .iter()
        .find_map(|s| s.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    use std::io::ErrorKind;
    let cause = match io_kind {
        Some(ErrorKind::ConnectionRefused) => Some("connection refused".to_string()),
        Some(ErrorKind::ConnectionReset) => Some("connection reset by the server".to_string()),
        Some(ErrorKind::ConnectionAborted) => Some("connection aborted".to_string()),
        Some(ErrorKind::TimedOut) => Some("timed out".to_string()),
        Some(ErrorKind::UnexpectedEof) => Some("connection closed early".to_string()),
        _ => None,
    };
    // The innermost message is the most specific (hyper's parse errors,
    // the resolver's, the decompressor's).
    let innermost = sources
        .last()
        .map(ToString::to_string)
        .unwrap_or_else(|| e.to_string());
    let cause = cause.unwrap_or_else(|| plain(&innermost));
    let during = match phase {
        Phase::Response if e.is_connect() => "connecting",
        Phase::Response => "waiting for the response",
        Phase::Body => "reading the body",
    };
    FetchError::Transport(format!("{cause} ({during})"))
}

/// hyper's and the resolver's messages, in the words the logs use.
fn plain(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    let said = if lower.contains("message head is too large") || lower.contains("too many headers")
    {
        "response headers too large"
    } else if lower.starts_with("invalid http") || lower.contains("invalid http version") {
        "not HTTP (the server's answer does not parse as an HTTP response)"
    } else if lower.contains("connection closed before message completed") {
        "connection closed before the response was complete"
    } else if lower.contains("end of file before message length reached") {
        "body shorter than its Content-Length (connection closed early)"
    } else if lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
    {
        "host name does not resolve"
    } else {
        return message.to_string();
    };
    format!("{said}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(retry_after(" 120 "), Some(Duration::from_secs(120)));
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(90)).to_rfc2822();
        let wait = retry_after(&soon).expect("date");
        assert!(wait > Duration::from_secs(80) && wait <= Duration::from_secs(90));
        let past = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(retry_after(past), Some(Duration::ZERO));
        assert_eq!(retry_after("soon"), None);
    }
}
