//! Hostile sites for the open-web tests: small loopback servers that
//! misbehave the way real servers and pages do, each with an access log, and
//! a `newshound run --once` measured for time and peak memory.
//!
//! Every server binds a loopback address (`127.0.0.x`) on an ephemeral port.

use anyhow::{Context, bail};
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::Crawl;

/// One loopback HTTP server and the paths it was asked for.
pub struct Server {
    /// `http://127.0.0.x:PORT`.
    pub base: String,
    /// Its address.
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    /// Serves `app` on `ip` (a loopback address), logging every request's
    /// path and query.
    pub fn start(ip: Ipv4Addr, app: Router) -> anyhow::Result<Server> {
        if !ip.is_loopback() {
            bail!("{ip} is not a loopback address: tests use loopback only");
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind((ip, 0)))
            .with_context(|| format!("binding {ip}"))?;
        let addr = listener.local_addr()?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let logged = log.clone();
        let app = app.layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let logged = logged.clone();
                async move {
                    let path = req
                        .uri()
                        .path_and_query()
                        .map_or_else(|| req.uri().path().to_string(), ToString::to_string);
                    logged
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(path);
                    next.run(req).await
                }
            },
        ));
        runtime.spawn(async move { axum::serve(listener, app).await });
        Ok(Server {
            base: format!("http://{addr}"),
            addr,
            log,
            _runtime: runtime,
        })
    }

    /// The paths requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// `host:port`, as `allowed_hosts` takes it.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }
}

/// A response with `status`, headers and body.
pub fn reply(status: u16, headers: &[(&str, &str)], body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(*name), HeaderValue::try_from(*value))
        {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// An HTML response.
pub fn html(body: impl Into<Body>) -> Response {
    reply(200, &[("content-type", "text/html; charset=utf-8")], body)
}

/// A plain article page whose headline is `title`, with `links` to follow.
pub fn article_page(title: &str, links: &[String]) -> String {
    let links: String = links
        .iter()
        .map(|l| format!("<li><a href=\"{l}\">{l}</a></li>"))
        .collect();
    let para = "The council met on Tuesday to discuss the new budget for the coming year, \
                and members argued at length about the cost of road repairs and schools. ";
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta property=\"og:type\" content=\"article\"></head><body><article><h1>{title}</h1>\
         <p>{p}</p><p>{p}</p><p>{p}</p><p>{p}</p></article><ul>{links}</ul></body></html>",
        p = para.repeat(3)
    )
}

/// A site config: `seeds`, `allowed` hosts, loopback networks `private`
/// allowed, and extra lines for `[fetch]`.
pub fn config(seeds: &[String], allowed: &[String], private: &[&str], fetch: &str) -> String {
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| format!("\"{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let private: Vec<String> = private.iter().map(ToString::to_string).collect();
    // `fetch` lines replace the defaults of the same keys.
    let key = |line: &str| line.split('=').next().unwrap_or("").trim().to_string();
    let extra: Vec<&str> = fetch.lines().filter(|l| !l.trim().is_empty()).collect();
    let defaults = [
        "timeout_secs = 5",
        "connect_timeout_secs = 2",
        "max_attempts = 2",
        "retry_base_delay_ms = 100",
    ];
    let mut fetch_lines: Vec<String> = defaults
        .iter()
        .filter(|d| !extra.iter().any(|e| key(e) == key(d)))
        .map(ToString::to_string)
        .collect();
    fetch_lines.extend(extra.iter().map(ToString::to_string));
    format!(
        "[site]\nname = \"hostile\"\nseeds = [{}]\nallowed_hosts = [{}]\nmax_depth = 5\n\n\
         [politeness]\nrequests_per_second = 200.0\nburst = 10\nmax_concurrent_per_host = 4\n\n\
         [fetch]\nallow_private_networks = [{}]\n{}\n",
        list(seeds),
        list(allowed),
        list(&private),
        fetch_lines.join("\n"),
    )
}

/// How a measured run ended.
pub struct Measured {
    /// What it printed on stderr.
    pub stderr: String,
    /// Peak resident memory of the process, bytes.
    pub peak_rss: u64,
    /// Wall time from start to exit.
    pub elapsed: Duration,
}

impl Crawl {
    /// Runs `newshound run --once` to its end within `limit`, measuring its
    /// peak memory: the high-water mark of its resident set (`VmHWM` in
    /// `/proc/PID/status`, read every 10 ms; it starts at `exec`, so it
    /// counts nothing of this test process, whatever `fork` shared).
    pub fn run_measured(&self, run: usize, limit: Duration) -> anyhow::Result<Measured> {
        let mut child = self.spawn(run)?;
        let status_file = format!("/proc/{}/status", child.id());
        let started = Instant::now();
        let mut peak_rss = 0;
        loop {
            if let Some(hwm) = std::fs::read_to_string(&status_file)
                .ok()
                .as_deref()
                .and_then(high_water_mark)
            {
                peak_rss = peak_rss.max(hwm);
            }
            if let Some(status) = child.try_wait()? {
                let stderr = self.stderr(run);
                if !status.success() {
                    bail!("newshound run exited with {status}:\n{stderr}");
                }
                return Ok(Measured {
                    stderr,
                    peak_rss,
                    elapsed: started.elapsed(),
                });
            }
            if started.elapsed() > limit {
                child.kill().ok();
                bail!(
                    "newshound run took longer than {limit:?}:\n{}",
                    self.stderr(run)
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// `VmHWM` (the peak resident set) of a `/proc/PID/status` text, in bytes.
pub fn high_water_mark(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
