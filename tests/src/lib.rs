//! Harness for newshound's end-to-end tests: a fixture site served in this
//! process, a config pointing at it, the `newshound` binary run as a child
//! process, and the comparison of its output with the site's ground truth.
//!
//! Layout:
//! - [`FixtureSite`]: the fixture news site on a loopback port;
//! - [`Crawl`]: a `newshound run` child process and its output directory;
//! - [`score`]: output records against the truth;
//! - [`cluster`]: the roles as separate processes on RabbitMQ and Redis;
//! - [`operator`]: `newshound ctl` against a running crawl;
//! - [`scrape`]: reading a process's `/metrics`.
//! - [`hostile`]: misbehaving loopback servers and measured runs.
#![deny(missing_docs)]

pub mod cluster;
pub mod hostile;
pub mod operator;
pub mod score;
pub mod scrape;

use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use newshound_testsite::{Origin, ServeOptions, Site, SiteOptions, TruthArticle};

/// The fixture news site, served on loopback ephemeral ports until dropped: on `127.0.0.1`, or spread over
/// several hosts `127.0.0.11`, `127.0.0.12`, ...
pub struct FixtureSite {
    /// `http://127.0.0.1:PORT` (the first host's base URL on a site spread over several hosts).
    pub base: String,
    /// Every host's base URL, in host order.
    pub bases: Vec<String>,
    /// The access log file (all hosts).
    pub access_log: PathBuf,
    site: Arc<Site>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

impl FixtureSite {
    /// Generates a site of `articles` articles and serves it on `127.0.0.1`.
    pub fn start(articles: usize) -> anyhow::Result<FixtureSite> {
        FixtureSite::start_on_hosts(articles, 1)
    }

    /// Generates a site of `articles` articles spread over `hosts` hosts and serves it: on `127.0.0.1` for
    /// one host, else on `127.0.0.11` upwards.
    pub fn start_on_hosts(articles: usize, hosts: u8) -> anyhow::Result<FixtureSite> {
        FixtureSite::serve(articles, hosts, None, None)
    }

    /// Like [`FixtureSite::start_on_hosts`], and while serving, publishes a new article every `publish_every`
    /// and updates a recently published one every `update_every` (`None`: never); [`FixtureSite::truth`] then
    /// tells the site's current state.
    pub fn start_publishing(
        articles: usize,
        hosts: u8,
        publish_every: Duration,
        update_every: Option<Duration>,
    ) -> anyhow::Result<FixtureSite> {
        FixtureSite::serve(articles, hosts, Some(publish_every), update_every)
    }

    fn serve(
        articles: usize,
        hosts: u8,
        publish_every: Option<Duration>,
        update_every: Option<Duration>,
    ) -> anyhow::Result<FixtureSite> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let dir = tempfile::tempdir()?;
        let access_log = dir.path().join("access.log");
        let site = Arc::new(Site::generate(SiteOptions {
            articles,
            seed: 1,
            hosts: usize::from(hosts),
        }));
        let addresses: Vec<Ipv4Addr> = match hosts {
            0 | 1 => vec![Ipv4Addr::LOCALHOST],
            n => (0..n).map(|k| Ipv4Addr::new(127, 0, 0, 11 + k)).collect(),
        };
        let mut listeners = Vec::new();
        let mut bases = Vec::new();
        for address in addresses {
            let listener = runtime
                .block_on(tokio::net::TcpListener::bind((address, 0)))
                .with_context(|| format!("binding {address}"))?;
            bases.push(format!("http://{}", listener.local_addr()?));
            listeners.push(listener);
        }
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let options = ServeOptions {
            access_log: Some(access_log.clone()),
            publish_every,
            update_every,
        };
        runtime.spawn(newshound_testsite::serve(
            listeners,
            site.clone(),
            options,
            async {
                stopped.await.ok();
            },
        ));
        Ok(FixtureSite {
            base: bases[0].clone(),
            bases,
            access_log,
            site,
            stop: Some(stop),
            _dir: dir,
            _runtime: runtime,
        })
    }

    /// The ground truth, with URLs under this server's addresses (of every article published so far).
    pub fn truth(&self) -> Vec<TruthArticle> {
        self.site.truth_from(&Origin::host(&self.bases, 0))
    }

    /// A site config for this server, with the given politeness rate: seeded with the first host's home page,
    /// every host in scope.
    pub fn config(&self, requests_per_second: f64) -> String {
        let hosts: Vec<String> = self
            .bases
            .iter()
            .map(|b| format!("\"{}\"", b.trim_start_matches("http://")))
            .collect();
        format!(
            "[site]\nname = \"fixture\"\nseeds = [\"{base}/\"]\nallowed_hosts = [{hosts}]\ntimezone = \"Asia/Seoul\"\nmax_depth = 20\n\n\
             [politeness]\nrequests_per_second = {requests_per_second:.1}\nburst = 10\nmax_concurrent_per_host = 16\n\n\
             [fetch]\nconcurrency = 32\ntimeout_secs = 10\nmax_attempts = 3\nretry_base_delay_ms = 200\nallow_private_networks = [\"127.0.0.0/8\"]\n",
            base = self.base,
            hosts = hosts.join(", ")
        )
    }

    /// Request paths in the access log (`path?query`), in order.
    pub fn requested_paths(&self) -> anyhow::Result<Vec<String>> {
        let text = std::fs::read_to_string(&self.access_log)?;
        Ok(text
            .lines()
            .filter_map(|line| line.split(' ').nth(2).map(str::to_string))
            .collect())
    }
}

impl Drop for FixtureSite {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
    }
}

/// A `[recrawl]` section for fast continuous tests: hubs (sub-sections too,
/// by pattern) start at 1 s and adapt between 0.5 s and 4 s; articles are
/// re-fetched every 2 s for half a minute.
pub const FAST_RECRAWL: &str = "\n[recrawl]\nhub_interval_secs = 1\nmin_interval_secs = 0.5\n\
    max_interval_secs = 4\nhub_max_depth = 1\n\
    article_ages_secs = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]\nlease_secs = 30\n\
    [[recrawl.hubs]]\nurl = '/section/[a-z-]+/[a-z-]+$'\ninterval_secs = 1\n";

/// The `newshound` binary built beside this executable: a test's
/// (`target/<profile>/deps/<test>`) or a tool's (`target/<profile>/<tool>`).
/// `make test` builds it first.
pub fn newshound_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let beside = exe.parent().context("executable has no directory")?;
    let candidates = [Some(beside), beside.parent()];
    let found = candidates
        .into_iter()
        .flatten()
        .map(|dir| dir.join("newshound"))
        .find(|binary| binary.exists());
    match found {
        Some(binary) => Ok(binary),
        None => bail!(
            "no newshound binary beside {}: run `cargo build -p newshound` first (make test does)",
            exe.display()
        ),
    }
}

impl FixtureSite {
    /// The requests served so far per path (with query), in order: (unix ms, status).
    pub fn requests_by_path(&self) -> anyhow::Result<BTreeMap<String, Vec<(u64, String)>>> {
        let log = std::fs::read_to_string(&self.access_log)?;
        let mut by_path: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
        for line in log.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            if let [millis, _host, path, status] = fields[..]
                && let Ok(millis) = millis.parse()
            {
                by_path
                    .entry(path.to_string())
                    .or_default()
                    .push((millis, status.to_string()));
            }
        }
        for visits in by_path.values_mut() {
            visits.sort();
        }
        Ok(by_path)
    }

    /// Requests served so far, from the access log.
    pub fn requests_served(&self) -> usize {
        std::fs::read_to_string(&self.access_log)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }
}

/// A `newshound run --once` of a config, in its own output directory.
pub struct Crawl {
    /// The output directory (articles.jsonl, state/).
    pub out: PathBuf,
    config: PathBuf,
    _dir: tempfile::TempDir,
}

impl Crawl {
    /// Writes `config` to a temp dir that will also hold the output.
    pub fn new(config: &str) -> anyhow::Result<Crawl> {
        let dir = tempfile::tempdir()?;
        let config_path = dir.path().join("site.toml");
        std::fs::write(&config_path, config)?;
        Ok(Crawl {
            out: dir.path().join("out"),
            config: config_path,
            _dir: dir,
        })
    }

    /// Starts `newshound run --once` (stderr captured to `out/../stderr-N.log`).
    pub fn spawn(&self, run: usize) -> anyhow::Result<Child> {
        self.start(run, true)
    }

    /// Starts a continuous `newshound run` (it revisits until stopped).
    pub fn spawn_continuous(&self, run: usize) -> anyhow::Result<Child> {
        self.start(run, false)
    }

    fn start(&self, run: usize, once: bool) -> anyhow::Result<Child> {
        let log = std::fs::File::create(self.out.with_file_name(format!("stderr-{run}.log")))?;
        let mut command = Command::new(newshound_binary()?);
        command.arg("run");
        if once {
            command.arg("--once");
        }
        Ok(command
            .arg("--config")
            .arg(&self.config)
            .arg("--out")
            .arg(&self.out)
            .env("RUST_LOG", "warn")
            .env_remove("NEWSHOUND_METRICS_LISTEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?)
    }

    /// Runs to completion within `limit`; fails with its stderr otherwise.
    pub fn run_to_end(&self, run: usize, limit: Duration) -> anyhow::Result<String> {
        let mut child = self.spawn(run)?;
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                let stderr = self.stderr(run);
                if !status.success() {
                    bail!("newshound run exited with {status}:\n{stderr}");
                }
                return Ok(stderr);
            }
            if started.elapsed() > limit {
                child.kill().ok();
                bail!(
                    "newshound run took longer than {limit:?}:\n{}",
                    self.stderr(run)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `reached` says so while run `run` (`child`) is still going: fails when the
    /// run ends first (it was meant to be stopped mid-crawl) or `limit` passes.
    pub fn wait_while_running(
        &self,
        child: &mut Child,
        run: usize,
        limit: Duration,
        mut reached: impl FnMut() -> anyhow::Result<bool>,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        while !reached()? {
            if let Some(status) = child.try_wait()? {
                bail!("crawl ended ({status}) too early:\n{}", self.stderr(run));
            }
            if started.elapsed() > limit {
                bail!("crawl too slow:\n{}", self.stderr(run));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// The config file.
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// What run number `run` printed on stderr.
    pub fn stderr(&self, run: usize) -> String {
        std::fs::read_to_string(self.out.with_file_name(format!("stderr-{run}.log")))
            .unwrap_or_default()
    }

    /// Lines in `articles.jsonl` so far.
    pub fn records_written(&self) -> usize {
        records_written(&self.out)
    }

    /// The records written, parsed.
    pub fn records(&self) -> anyhow::Result<Vec<serde_json::Value>> {
        records(&self.out)
    }
}

/// Lines in `OUT/articles.jsonl` so far (0 before it exists).
pub fn records_written(out: &Path) -> usize {
    std::fs::read_to_string(out.join("articles.jsonl"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// The records in `OUT/articles.jsonl`, parsed.
pub fn records(out: &Path) -> anyhow::Result<Vec<serde_json::Value>> {
    let text = std::fs::read_to_string(out.join("articles.jsonl"))?;
    text.lines()
        .map(|l| serde_json::from_str(l).with_context(|| format!("bad record line: {l}")))
        .collect()
}

/// Sends SIGKILL to a child process and reaps it.
pub fn kill_hard(child: &mut Child) -> anyhow::Result<()> {
    let pid = i32::try_from(child.id())?;
    // SAFETY: kill(2) on our own child's pid has no memory-safety concerns.
    let rc = unsafe { libc::kill(pid, libc::SIGKILL) };
    if rc != 0 {
        bail!("kill -9 {pid} failed: {}", std::io::Error::last_os_error());
    }
    child.wait()?;
    Ok(())
}

/// The `warcio` command (PyPI's WARC library and checker) the WARC tests
/// read the output back with: `NEWSHOUND_WARCIO`, else the virtualenv
/// `make test-tools` installs it into (`.venv-warcio/` in the workspace),
/// else `warcio` on the `PATH`. Missing, it is an error (never a skipped
/// check): `make test` installs it first.
pub fn warcio() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("NEWSHOUND_WARCIO") {
        return Ok(PathBuf::from(path));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-warcio/bin/warcio");
    if venv.exists() {
        return Ok(venv);
    }
    let on_path = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("warcio"))
        .find(|p| p.exists());
    on_path.context(
        "warcio not found: run `make test-tools` (pip install warcio into .venv-warcio/), \
         put warcio on the PATH or set NEWSHOUND_WARCIO",
    )
}

/// Runs `warcio ARGS`; fails with its output unless it exits 0. Returns its
/// standard output.
pub fn run_warcio(args: &[&std::ffi::OsStr]) -> anyhow::Result<String> {
    let warcio = warcio()?;
    let output = Command::new(&warcio)
        .args(args)
        .output()
        .with_context(|| format!("running {}", warcio.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "warcio {:?} exited with {}:\n{stdout}\n{}",
            args,
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(stdout)
}
