//! The unacked (in-flight) message count from the RabbitMQ management HTTP
//! API, which AMQP itself does not expose.
//!
//! One `GET <management_url>/api/queues/<vhost>?columns=name,messages_unacknowledged`
//! per `depth()` call, over reqwest (http or https; any path prefix of the
//! base URL is kept, for an API behind a reverse proxy at `/rabbitmq/`).
//! The request is bounded in time ([`TIMEOUT`]) and the answer in size
//! ([`MAX_BODY`]). The API's counts are sampled every
//! `collect_statistics_interval` (5 s by default), so `in_flight` can lag by
//! that much.

use futures::StreamExt;
use lapin::uri::AMQPUri;
use reqwest::Url;
use std::collections::HashSet;
use std::time::Duration;

use crate::error::{BrokerError, ManagementError, redact_url};

/// Longest a management request may take (connecting, answer and body).
pub(crate) const TIMEOUT: Duration = Duration::from_secs(5);

/// Largest answer read from the API: far above what `/api/queues` with two
/// columns gives for any real vhost (about 100 bytes per queue).
pub(crate) const MAX_BODY: u64 = 16 * 1024 * 1024;

/// Where and how to ask.
pub(crate) struct Management {
    client: reqwest::Client,
    /// The full request URL, without credentials.
    url: Url,
    /// `(user, password)`, sent as HTTP basic authentication.
    credentials: (String, String),
    /// Largest body accepted, in bytes.
    max_body: u64,
}

impl Management {
    /// From the management base URL (by default `http://<AMQP host>:15672`)
    /// and the AMQP URL (vhost; credentials unless the management URL has
    /// its own, `guest`/`guest` when neither has any).
    pub(crate) fn new(base_url: Option<&str>, amqp_url: &str) -> Result<Management, BrokerError> {
        let uri: AMQPUri = amqp_url
            .parse()
            .map_err(|e| BrokerError::Config(format!("cannot parse the AMQP url: {e}")))?;
        let base = match base_url {
            Some(base) => base.to_string(),
            None => format!("http://{}:15672", host_for_url(&uri.authority.host)),
        };
        let amqp_user = &uri.authority.userinfo;
        let (url, credentials) = request_url(
            &base,
            &uri.vhost,
            (&amqp_user.username, &amqp_user.password),
        )?;
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            // An internal service: no proxy from the environment, and no
            // redirect that would carry the credentials elsewhere.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                BrokerError::Config(format!("cannot build the management API client: {e}"))
            })?;
        Ok(Management {
            client,
            url,
            credentials,
            max_body: MAX_BODY,
        })
    }

    /// The summed `messages_unacknowledged` of the queues named in `names`.
    ///
    /// # Errors
    /// [`BrokerError::Management`], naming the URL (without credentials) and
    /// the cause: no answer (refused, timed out), an HTTP error status, an
    /// answer past [`MAX_BODY`], or one that is not the expected JSON.
    pub(crate) async fn unacked(&self, names: &[String]) -> Result<u64, BrokerError> {
        let body = self
            .get_queues()
            .await
            .map_err(|problem| self.error(problem))?;
        let queues: Vec<QueueStats> =
            serde_json::from_slice(&body).map_err(|e| self.error(ManagementError::Json(e)))?;
        let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
        Ok(queues
            .iter()
            .filter(|q| wanted.contains(q.name.as_str()))
            .map(|q| q.messages_unacknowledged)
            .sum())
    }

    fn error(&self, problem: ManagementError) -> BrokerError {
        BrokerError::Management {
            url: redact_url(self.url.as_str()),
            problem,
        }
    }

    async fn get_queues(&self) -> Result<Vec<u8>, ManagementError> {
        let response = self
            .client
            .get(self.url.clone())
            .basic_auth(&self.credentials.0, Some(&self.credentials.1))
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| ManagementError::Request(e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ManagementError::Status(status));
        }
        let limit = self.max_body;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(ManagementError::TooLarge { limit });
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ManagementError::Request(e.without_url()))?;
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(ManagementError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// The request URL for `vhost` under `base` (its path kept as a prefix) and
/// the credentials to send: those of `base` when it has any (then removed
/// from the URL), else `fallback`.
fn request_url(
    base: &str,
    vhost: &str,
    fallback: (&str, &str),
) -> Result<(Url, (String, String)), BrokerError> {
    let invalid =
        |why: String| BrokerError::Config(format!("management_url {}: {why}", redact_url(base)));
    let mut url = Url::parse(base).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must start with http:// or https://".into()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host".into()));
    }
    let credentials = if url.username().is_empty() {
        (fallback.0.to_string(), fallback.1.to_string())
    } else {
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| invalid("credentials are not valid UTF-8".into()))
        };
        (
            decode(url.username())?,
            decode(url.password().unwrap_or_default())?,
        )
    };
    // Infallible for http(s) URLs with a host; ignored all the same.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
    url.set_query(None);
    {
        let mut segments = url
            .path_segments_mut()
            .map_err(|()| invalid("cannot be a base URL".into()))?;
        // `http://h/rabbitmq/` and `http://h/rabbitmq` alike give
        // `/rabbitmq/api/queues/<vhost>`; the vhost is one segment (`/` is
        // sent as `%2F`).
        segments.pop_if_empty().extend(["api", "queues", vhost]);
    }
    url.set_query(Some("columns=name,messages_unacknowledged"));
    Ok((url, credentials))
}

/// An AMQP host as written in a URL (an IPv6 address in brackets).
fn host_for_url(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// Decodes `%XX` escapes; `None` when the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(&h), Some(&l)) = (bytes.get(i + 1), bytes.get(i + 2))
            && let (Some(h), Some(l)) = (hex(h), hex(l))
        {
            // Two hex digits: at most 255.
            out.push(u8::try_from(h * 16 + l).unwrap_or(0));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// One row of `/api/queues`.
#[derive(serde::Deserialize)]
struct QueueStats {
    name: String,
    #[serde(default)]
    messages_unacknowledged: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_of(base: &str, vhost: &str) -> String {
        request_url(base, vhost, ("guest", "guest"))
            .expect("valid")
            .0
            .to_string()
    }

    #[test]
    fn keeps_the_path_prefix_and_encodes_the_vhost() {
        let q = "?columns=name,messages_unacknowledged";
        assert_eq!(
            url_of("http://127.0.0.1:15672", "/"),
            format!("http://127.0.0.1:15672/api/queues/%2F{q}")
        );
        assert_eq!(
            url_of("http://127.0.0.1:15672/", "crawl"),
            format!("http://127.0.0.1:15672/api/queues/crawl{q}")
        );
        for base in [
            "http://127.0.0.1:15672/rabbitmq/",
            "http://127.0.0.1:15672/rabbitmq",
        ] {
            assert_eq!(
                url_of(base, "/"),
                format!("http://127.0.0.1:15672/rabbitmq/api/queues/%2F{q}")
            );
        }
        assert_eq!(
            url_of("https://mq.example:443/a/b/?x=1#f", "a b"),
            format!("https://mq.example/a/b/api/queues/a%20b{q}")
        );
    }

    #[test]
    fn takes_credentials_from_the_management_url_else_from_amqp() {
        let (url, creds) = request_url(
            "http://ad%40min:p%3Ass@127.0.0.1:15672/",
            "/",
            ("guest", "guest"),
        )
        .expect("valid");
        assert_eq!(creds, ("ad@min".to_string(), "p:ss".to_string()));
        assert!(!url.as_str().contains("min"), "{url}");
        let (_, creds) = request_url("http://127.0.0.1:15672", "/", ("u", "p")).expect("valid");
        assert_eq!(creds, ("u".to_string(), "p".to_string()));
    }

    #[test]
    fn rejects_what_is_not_an_http_url() {
        for bad in ["ftp://127.0.0.1/", "127.0.0.1:15672", "http://", "nonsense"] {
            let e = request_url(bad, "/", ("u", "p")).expect_err(bad);
            assert!(matches!(e, BrokerError::Config(_)), "{bad}: {e}");
        }
        let e = request_url("ftp://user:secret@h/", "/", ("u", "p")).expect_err("ftp");
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn takes_credentials_and_vhost_from_the_amqp_url() {
        let m = Management::new(
            Some("http://127.0.0.1:15673/"),
            "amqp://u:p@127.0.0.1:5672/%2f",
        )
        .expect("valid");
        assert_eq!(
            m.url.as_str(),
            "http://127.0.0.1:15673/api/queues/%2F?columns=name,messages_unacknowledged"
        );
        assert_eq!(m.credentials, ("u".to_string(), "p".to_string()));
        let m = Management::new(None, "amqp://rabbit.internal/crawl").expect("valid");
        assert_eq!(
            m.url.as_str(),
            "http://rabbit.internal:15672/api/queues/crawl?columns=name,messages_unacknowledged"
        );
        assert_eq!(m.credentials, ("guest".to_string(), "guest".to_string()));
    }

    /// Serves `router` on a loopback port; returns `http://127.0.0.1:<port>`.
    async fn serve(router: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{address}")
    }

    const BIG: usize = 20 * 1024 * 1024;

    #[tokio::test]
    async fn an_oversized_answer_is_rejected() {
        // With a Content-Length, and streamed (chunked) without one.
        let sized = axum::Router::new().fallback(|| async { vec![b' '; BIG] });
        let streamed = axum::Router::new().fallback(|| async {
            let chunks = (0..BIG / 65536).map(|_| Ok::<_, std::io::Error>(vec![b' '; 65536]));
            axum::body::Body::from_stream(futures::stream::iter(chunks))
        });
        for router in [sized, streamed] {
            let base = serve(router).await;
            let m = Management::new(Some(&base), "amqp://u:p@127.0.0.1/%2f").expect("valid");
            let e = m.unacked(&["q".into()]).await.expect_err("too large");
            assert!(
                matches!(
                    e,
                    BrokerError::Management {
                        problem: ManagementError::TooLarge { limit: MAX_BODY },
                        ..
                    }
                ),
                "{e}"
            );
            let text = e.to_string();
            assert!(text.contains(&format!("{base}/api/queues/%2F")), "{text}");
            assert!(text.contains("larger than 16777216 bytes"), "{text}");
        }
    }

    #[tokio::test]
    async fn an_unreachable_api_is_an_error_naming_it_and_the_cause() {
        // A port that was just free: nothing listens on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let base = format!("http://admin:secret@127.0.0.1:{port}/rabbitmq/");
        let m = Management::new(Some(&base), "amqp://127.0.0.1/%2f").expect("valid");
        let e = m.unacked(&["q".into()]).await.expect_err("unreachable");
        assert!(
            matches!(
                &e,
                BrokerError::Management {
                    problem: ManagementError::Request(_),
                    ..
                }
            ),
            "{e}"
        );
        let text = e.to_string();
        assert!(
            text.contains(&format!("127.0.0.1:{port}/rabbitmq/api/queues/%2F")),
            "{text}"
        );
        assert!(text.to_lowercase().contains("refused"), "{text}");
        assert!(
            !text.contains("secret") && !text.contains("admin"),
            "{text}"
        );
        assert!(std::error::Error::source(&e).is_some(), "{e:?}");
    }

    /// The message holds the request error's whole chain, and the report of
    /// the error gives it once.
    #[tokio::test]
    async fn an_unreachable_api_reports_its_cause_once() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let base = format!("http://127.0.0.1:{port}/");
        let m = Management::new(Some(&base), "amqp://127.0.0.1/%2f").expect("valid");
        let e = m.unacked(&["q".into()]).await.expect_err("unreachable");
        let report = newshound_core::report::error_chain(&e);
        assert_eq!(report, e.to_string());
        assert_eq!(
            report.to_lowercase().matches("refused").count(),
            1,
            "{report}"
        );
    }

    #[tokio::test]
    async fn an_error_status_and_bad_json_are_errors() {
        let base = serve(
            axum::Router::new().fallback(|| async { (axum::http::StatusCode::UNAUTHORIZED, "no") }),
        )
        .await;
        let m = Management::new(Some(&base), "amqp://127.0.0.1/%2f").expect("valid");
        let e = m.unacked(&[]).await.expect_err("401");
        assert!(e.to_string().contains("HTTP status 401"), "{e}");
        let base = serve(axum::Router::new().fallback(|| async { "{" })).await;
        let m = Management::new(Some(&base), "amqp://127.0.0.1/%2f").expect("valid");
        let e = m.unacked(&[]).await.expect_err("bad json");
        assert!(e.to_string().contains("unexpected answer"), "{e}");
    }
}
