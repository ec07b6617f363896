//! End-to-end: the PostgreSQL server restarted in the middle of a crawl. So as not to disturb
//! the shared server on 127.0.0.1:5432, the test makes a throwaway cluster of its own (the
//! distribution's `initdb` and `pg_ctl`, run as the `postgres` user when the test runs as
//! root) on a free loopback port under a temporary directory, and removes it at the end.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use newshound_e2e::{Crawl, FixtureSite};
use tokio_postgres::NoTls;

/// The directory of the newest installed PostgreSQL's programs.
fn bindir() -> anyhow::Result<PathBuf> {
    if let Ok(dir) = std::env::var("NEWSHOUND_TEST_PG_BINDIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| {
            anyhow::anyhow!(
                "PostgreSQL's programs are required (/usr/lib/postgresql: {e}; \
                 bash deploy/local-services.sh installs them)"
            )
        })?
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort_by_key(|p| {
        p.parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
        .ok_or_else(|| anyhow::anyhow!("no initdb under /usr/lib/postgresql/*/bin"))
}

/// A PostgreSQL cluster of the test's own on 127.0.0.1, stopped and removed on drop.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn start() -> anyhow::Result<Cluster> {
        let bin = bindir()?;
        let dir = tempfile::tempdir()?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        if as_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()?;
            anyhow::ensure!(status.success(), "chown of the cluster directory failed");
        }
        let cluster = Cluster { bin, dir, port };
        cluster.pg(
            "initdb",
            &["-A", "trust", "-U", "postgres", "--no-sync", "-D"],
            true,
        )?;
        cluster.ctl("start")?;
        Ok(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs one of PostgreSQL's programs (as `postgres` when root), the data directory last
    /// when `data_last`.
    fn pg(&self, program: &str, args: &[&str], data_last: bool) -> anyhow::Result<()> {
        let path = self.bin.join(program);
        let mut command = if as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        command.args(args);
        if data_last {
            command.arg(self.data());
        }
        let out = command.output()?;
        anyhow::ensure!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }

    /// `pg_ctl start|stop|restart`, waiting for it, on the test's port and socket directory.
    fn ctl(&self, action: &str) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        let log = log.to_string_lossy();
        self.pg(
            "pg_ctl",
            &[action, "-w", "-m", "fast", "-l", &log, "-o", &options, "-D"],
            true,
        )
    }

    /// Rows in the schema's revisions table (0 before the migration made it).
    fn revisions(&self, schema: &str) -> anyhow::Result<Vec<(String, i32)>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&self.url(), NoTls).await?;
            tokio::spawn(connection);
            let exists: i64 = client
                .query_one(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = $1 \
                     AND tablename = 'article_revisions'",
                    &[&schema],
                )
                .await?
                .get(0);
            if exists == 0 {
                return Ok(Vec::new());
            }
            let rows = client
                .query(
                    &format!(
                        "SELECT canonical_url, revision FROM \"{schema}\".article_revisions \
                         ORDER BY 1"
                    ),
                    &[],
                )
                .await?;
            Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
        })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Err(e) = self.pg("pg_ctl", &["stop", "-w", "-m", "immediate", "-D"], true) {
            eprintln!("could not stop the test's PostgreSQL cluster: {e}");
        }
    }
}

fn as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The server goes down and comes back while a crawl writes to it: the sink waits and
/// reconnects, and every article ends up in the table exactly once, as in the JSONL file.
#[test]
fn crawl_survives_a_database_restart() -> anyhow::Result<()> {
    let cluster = Cluster::start()?;
    let schema = "newshound_restart";
    let site = FixtureSite::start(200)?;
    let config = site.config(60.0)
        + &format!(
            "\n[output]\njsonl = true\npostgres_url = \"{}\"\npostgres_schema = \"{schema}\"\n",
            cluster.url()
        );
    let crawl = Crawl::new(&config)?;
    let mut child = crawl.spawn(1)?;
    crawl.wait_while_running(&mut child, 1, Duration::from_secs(300), || {
        Ok(cluster.revisions(schema)?.len() >= 30)
    })?;
    cluster.ctl("stop")?;
    // Down for long enough that the sink has batches to hold and retry.
    std::thread::sleep(Duration::from_secs(3));
    cluster.ctl("start")?;
    let restarted = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        anyhow::ensure!(
            restarted.elapsed() < Duration::from_secs(600),
            "crawl did not finish after the restart:\n{}",
            crawl.stderr(1)
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = crawl.stderr(1);
    anyhow::ensure!(status.success(), "crawl failed ({status}):\n{stderr}");
    assert!(
        stderr.contains("PostgreSQL unavailable"),
        "the restart did not reach the sink mid-crawl:\n{stderr}"
    );
    let rows = cluster.revisions(schema)?;
    let mut urls: Vec<&str> = rows.iter().map(|(u, _)| u.as_str()).collect();
    urls.dedup();
    assert_eq!(urls.len(), rows.len(), "a story written twice");
    assert_eq!(rows.len(), 200, "{stderr}");
    assert!(rows.iter().all(|(_, revision)| *revision == 1));
    assert_eq!(crawl.records_written(), 200);
    Ok(())
}
