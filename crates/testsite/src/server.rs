//! Serving the site over HTTP, with an optional access log.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, HOST, IF_MODIFIED_SINCE, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use tokio::net::TcpListener;

use futures::FutureExt as _;

use crate::Site;
use crate::render::Origin;

/// How to serve.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServeOptions {
    /// Append one line per request here: `<unix ms> <host:port> <path?query> <status>` (a conditional request
    /// answered `304 Not Modified` logs `304`).
    pub access_log: Option<PathBuf>,
    /// Publish the next article ([`Site::publish`]) this often while serving; `None` publishes nothing.
    pub publish_every: Option<Duration>,
    /// Update a recently published article ([`Site::update`]) this often while serving; `None` updates nothing.
    pub update_every: Option<Duration>,
}

/// The access log: lines go over a channel to a writer thread that flushes whenever the channel runs dry.
struct AccessLog {
    lines: mpsc::Sender<String>,
    writer: JoinHandle<()>,
}

impl AccessLog {
    fn open(path: &PathBuf) -> io::Result<AccessLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let (lines, received) = mpsc::channel::<String>();
        let writer = std::thread::spawn(move || write_lines(BufWriter::new(file), &received));
        Ok(AccessLog { lines, writer })
    }

    /// Waits until every line sent so far is written.
    async fn close(self) {
        drop(self.lines);
        let writer = self.writer;
        if tokio::task::spawn_blocking(move || writer.join())
            .await
            .is_err()
        {
            tracing::warn!("access log writer did not finish cleanly");
        }
    }
}

fn write_lines(mut out: BufWriter<File>, received: &mpsc::Receiver<String>) {
    while let Ok(line) = received.recv() {
        let mut result = out.write_all(line.as_bytes());
        while let Ok(more) = received.try_recv() {
            result = result.and_then(|()| out.write_all(more.as_bytes()));
        }
        if let Err(error) = result.and_then(|()| out.flush()) {
            tracing::warn!(%error, "cannot write the access log");
        }
    }
}

#[derive(Clone)]
struct AppState {
    site: Arc<Site>,
    log: Option<mpsc::Sender<String>>,
    local: SocketAddr,
    /// On a site spread over several hosts: every host's base URL, and which one this listener is.
    hosts: Option<(Arc<[String]>, usize)>,
}

/// The `host[:port]` the request was addressed to, if it is a plain host name or address.
fn request_host(headers: &HeaderMap) -> Option<&str> {
    let host = headers.get(HOST)?.to_str().ok()?;
    let plain = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    plain.then_some(host)
}

async fn handle(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> axum::response::Response {
    // Stamped on arrival, before rendering: the log measures the crawler.
    let arrived = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let local = state.local.to_string();
    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let (host, rendered) = match &state.hosts {
        Some((bases, current)) => (
            local.as_str(),
            state
                .site
                .render_from(&Origin::host(bases, *current), path_and_query),
        ),
        None => {
            let host = request_host(&headers).unwrap_or(&local);
            let base = format!("http://{host}");
            (host, state.site.render(&base, path_and_query))
        }
    };
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let rendered = rendered.conditional(header(IF_NONE_MATCH), header(IF_MODIFIED_SINCE));
    if let Some(log) = &state.log {
        // The writer thread outlives the server; a send error only means it already failed.
        let _ = log.send(format!(
            "{arrived} {host} {path_and_query} {}\n",
            rendered.status
        ));
    }
    let mut response = axum::response::Response::new(Body::from(rendered.body));
    *response.status_mut() =
        StatusCode::from_u16(rendered.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let out = response.headers_mut();
    if rendered.status != 304 {
        out.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(rendered.content_type),
        );
    }
    for (name, value) in rendered.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            out.insert(name, value);
        }
    }
    response
}

/// Calls `change` every `period`, the first time one period from now, until aborted.
async fn every(period: Duration, mut change: impl FnMut()) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        change();
    }
}

/// Serves the site until `shutdown` completes: a single-host site on one listener (its pages use the
/// request's `Host`), a site spread over N hosts on N listeners, one per host in host order (all writing to
/// the one access log). With [`ServeOptions::publish_every`] or [`ServeOptions::update_every`], the site
/// changes at that pace meanwhile. Requests with `If-None-Match` or `If-Modified-Since` that match get
/// `304 Not Modified` ([`crate::Response::conditional`]).
pub async fn serve(
    listeners: Vec<TcpListener>,
    site: Arc<Site>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let spread = site.hosts() > 1;
    if listeners.len() != site.hosts() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the site spans {} hosts but {} listeners were given",
                site.hosts(),
                listeners.len()
            ),
        ));
    }
    let locals = listeners
        .iter()
        .map(TcpListener::local_addr)
        .collect::<io::Result<Vec<_>>>()?;
    let bases: Arc<[String]> = locals.iter().map(|a| format!("http://{a}")).collect();
    let log = options
        .access_log
        .as_ref()
        .map(AccessLog::open)
        .transpose()?;
    let shutdown = shutdown.shared();
    let servers =
        listeners
            .into_iter()
            .zip(locals)
            .enumerate()
            .map(|(current, (listener, local))| {
                let state = AppState {
                    site: site.clone(),
                    log: log.as_ref().map(|l| l.lines.clone()),
                    local,
                    hosts: spread.then(|| (bases.clone(), current)),
                };
                let app = Router::new().fallback(handle).with_state(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown.clone())
                    .into_future()
            });
    let mut changers = Vec::new();
    if let Some(period) = options.publish_every.filter(|p| !p.is_zero()) {
        let site = site.clone();
        changers.push(tokio::spawn(every(period, move || {
            let path = site.publish();
            tracing::debug!(%path, "published");
        })));
    }
    if let Some(period) = options.update_every.filter(|p| !p.is_zero()) {
        let site = site.clone();
        changers.push(tokio::spawn(every(period, move || {
            if let Some(path) = site.update() {
                tracing::debug!(%path, "updated");
            }
        })));
    }
    let result = futures::future::try_join_all(servers).await.map(|_| ());
    for changer in changers {
        changer.abort();
    }
    if let Some(log) = log {
        log.close().await;
    }
    result
}
