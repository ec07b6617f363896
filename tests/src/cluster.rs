//! A distributed crawl: each role of `newshound` as its own process on the
//! local RabbitMQ and Redis, under a prefix of its own, removed afterwards.

use anyhow::{Context, bail};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::score::score;
use crate::{FixtureSite, newshound_binary};
use newshound_broker::{
    AmqpConfig, AmqpQueue, DistributedControl, RedisConfig, RedisHostBudget, RedisRevisitSchedule,
    RedisSeenSet,
};

/// Local RabbitMQ (guest/guest) as the tests and CI run it.
pub const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
/// Local Redis.
pub const REDIS_URL: &str = "redis://127.0.0.1:6379/";
/// Local RabbitMQ management API.
pub const MANAGEMENT_URL: &str = "http://127.0.0.1:15672";

/// One running role process.
pub struct RoleProcess {
    /// `frontier`, `fetcher`, `parser` or `sink`.
    pub role: String,
    /// The child process.
    pub child: Child,
    log: PathBuf,
}

/// The processes of one distributed crawl and their shared config.
pub struct Cluster {
    /// Queue/exchange/key prefix unique to this cluster.
    pub prefix: String,
    /// The sink's output directory.
    pub out: PathBuf,
    /// Role processes started so far (killed ones included).
    pub processes: Vec<RoleProcess>,
    config: PathBuf,
    dir: tempfile::TempDir,
    started: usize,
}

impl Cluster {
    /// Writes `site_config` plus a `[backend]` section with a fresh prefix.
    pub fn new(site_config: &str, name: &str) -> anyhow::Result<Cluster> {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        let prefix = format!("nh-e2e-{name}-{}-{nanos}", std::process::id());
        let dir = tempfile::tempdir()?;
        let config = dir.path().join("site.toml");
        std::fs::write(
            &config,
            format!(
                "{site_config}\n[backend]\namqp_url = \"{AMQP_URL}\"\nredis_url = \"{REDIS_URL}\"\n\
                 management_url = \"{MANAGEMENT_URL}\"\nprefix = \"{prefix}\"\nfetch_partitions = 4\n"
            ),
        )?;
        Ok(Cluster {
            prefix,
            out: dir.path().join("out"),
            processes: Vec::new(),
            config,
            dir,
            started: 0,
        })
    }

    /// Starts one role process; returns its index in `processes`.
    pub fn start(&mut self, role: &str) -> anyhow::Result<usize> {
        self.start_with_env(role, &[])
    }

    /// Starts one role process with these environment variables set (a
    /// metrics address of its own, say); returns its index in `processes`.
    pub fn start_with_env(&mut self, role: &str, env: &[(&str, &str)]) -> anyhow::Result<usize> {
        self.spawn(role, env, false)
    }

    /// Starts one role process at the lowest CPU priority (`nice -n 19`);
    /// returns its index in `processes`.
    pub fn start_niced(&mut self, role: &str) -> anyhow::Result<usize> {
        self.spawn(role, &[], true)
    }

    fn spawn(&mut self, role: &str, env: &[(&str, &str)], niced: bool) -> anyhow::Result<usize> {
        self.started += 1;
        let log = self.dir.path().join(format!("{role}-{}.log", self.started));
        let binary = newshound_binary()?;
        // `nice` execs the binary: the child's pid is the role's.
        let mut command = if niced {
            let mut c = Command::new("nice");
            c.args(["-n", "19"]).arg(binary);
            c
        } else {
            Command::new(binary)
        };
        command.args([role, "--config"]).arg(&self.config);
        if role == "sink" {
            command.arg("--out").arg(&self.out);
        }
        let child = command
            .env_remove("NEWSHOUND_METRICS_LISTEN")
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .env_remove("NEWSHOUND_AMQP_URL")
            .env_remove("NEWSHOUND_REDIS_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .with_context(|| format!("starting newshound {role}"))?;
        self.processes.push(RoleProcess {
            role: role.to_string(),
            child,
            log,
        });
        Ok(self.processes.len() - 1)
    }

    /// The config file every role reads.
    pub fn config_path(&self) -> &std::path::Path {
        &self.config
    }

    /// Starts one process of each role: a sink, a frontier, `fetchers`
    /// fetchers and two parsers.
    pub fn start_roles(&mut self, fetchers: usize) -> anyhow::Result<()> {
        let mut roles = vec!["sink", "frontier"];
        roles.extend(std::iter::repeat_n("fetcher", fetchers));
        roles.extend(["parser", "parser"]);
        for role in roles {
            self.start(role)?;
        }
        Ok(())
    }

    /// Waits until every process has exited on its own, each successfully.
    pub fn wait_for_exit(&mut self, limit: Duration) -> anyhow::Result<()> {
        let started = Instant::now();
        for i in 0..self.processes.len() {
            loop {
                if let Some(status) = self.processes[i].child.try_wait()? {
                    if !status.success() {
                        bail!(
                            "{} exited with {status}:\n{}",
                            self.processes[i].role,
                            self.logs()
                        );
                    }
                    break;
                }
                if started.elapsed() > limit {
                    bail!(
                        "{} still running after {limit:?}:\n{}",
                        self.processes[i].role,
                        self.logs()
                    );
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(())
    }

    /// Lines in the sink's `articles.jsonl`.
    pub fn records_written(&self) -> usize {
        crate::records_written(&self.out)
    }

    /// The records written, parsed.
    pub fn records(&self) -> anyhow::Result<Vec<serde_json::Value>> {
        crate::records(&self.out)
    }

    /// Waits until `records_written() >= n`, failing if a live process exits
    /// or `limit` passes.
    pub fn wait_for_records(&mut self, n: usize, limit: Duration) -> anyhow::Result<()> {
        let started = Instant::now();
        while self.records_written() < n {
            for p in &mut self.processes {
                // A role that exits on its own is a failure; the ones the
                // test killed end by a signal and have no exit code.
                if let Some(status) = p.child.try_wait()?
                    && status.code().is_some()
                {
                    let log = std::fs::read_to_string(&p.log).unwrap_or_default();
                    bail!("{} exited with {status}:\n{log}", p.role);
                }
            }
            if started.elapsed() > limit {
                bail!(
                    "{} records after {limit:?}, wanted {n}:\n{}",
                    self.records_written(),
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }

    fn log_of(&self, p: &RoleProcess) -> String {
        std::fs::read_to_string(&p.log).unwrap_or_default()
    }

    /// Every process's stderr, for failure messages.
    pub fn logs(&self) -> String {
        self.processes
            .iter()
            .map(|p| format!("--- {} ---\n{}", p.role, self.log_of(p)))
            .collect()
    }

    /// Stops every live process with SIGTERM and waits for them to drain.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        for p in &mut self.processes {
            if p.child.try_wait()?.is_none() {
                let pid = i32::try_from(p.child.id())?;
                // SAFETY: kill(2) on our own child's pid.
                unsafe { libc::kill(pid, libc::SIGTERM) };
            }
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        for p in &mut self.processes {
            while p.child.try_wait()?.is_none() {
                if Instant::now() > deadline {
                    p.child.kill().ok();
                    bail!("{} did not stop on SIGTERM", p.role);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(())
    }

    /// Removes the cluster's queues, exchanges and Redis keys (seen-set,
    /// revisit schedule, host page budget, control state and status).
    pub fn remove_backend_state(&self) -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let mut amqp = AmqpConfig::new(AMQP_URL);
            amqp.prefix = self.prefix.clone();
            amqp.fetch_partitions = 4;
            let queue = AmqpQueue::connect(amqp).await?;
            let mut redis = RedisConfig::new(REDIS_URL);
            redis.prefix = self.prefix.clone();
            DistributedControl::connect(queue.clone(), &redis)
                .await?
                .delete_all()
                .await?;
            queue.delete_topology().await?;
            queue.close().await;
            RedisRevisitSchedule::connect(&redis)
                .await?
                .delete_all()
                .await?;
            RedisHostBudget::connect(&redis).await?.delete_all().await?;
            RedisSeenSet::connect(redis).await?.delete_all().await?;
            anyhow::Ok(())
        })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for p in &mut self.processes {
            p.child.kill().ok();
            p.child.wait().ok();
        }
        if let Err(e) = self.remove_backend_state() {
            eprintln!(
                "cluster {}: could not remove backend state: {e:#}",
                self.prefix
            );
        }
    }
}

/// Articles of the fixture site the distributed tests crawl.
pub const ARTICLES: usize = 1000;
/// Longest a distributed test crawl may take.
pub const LIMIT: Duration = Duration::from_secs(900);

/// Starts one frontier, three fetchers, two parsers and a sink.
pub fn start_cluster(site: &FixtureSite, rate: f64, name: &str) -> anyhow::Result<Cluster> {
    let mut cluster = Cluster::new(&site.config(rate), name)?;
    cluster.start_roles(3)?;
    Ok(cluster)
}

/// Waits for every article of `site`, stops the cluster and checks every article is in the output exactly
/// once.
pub fn finish(mut cluster: Cluster, site: &FixtureSite) -> anyhow::Result<()> {
    let truth = site.truth();
    cluster.wait_for_records(truth.len(), LIMIT)?;
    // Let in-flight duplicates (if any) reach the sink before judging.
    std::thread::sleep(Duration::from_secs(2));
    cluster.stop()?;
    let s = score(&cluster.records()?, &truth);
    println!("{s}");
    assert!(s.missing.is_empty(), "missing: {:?}", s.missing);
    assert!(s.duplicated.is_empty(), "duplicated: {:?}", s.duplicated);
    assert!(s.unexpected.is_empty(), "unexpected: {:?}", s.unexpected);
    assert_eq!(s.found_once, truth.len());
    Ok(())
}
