//! The Redis seen-set and revisit schedule on a real Redis Cluster: three
//! local primaries on free loopback ports, started (and killed at the end,
//! also on panic) by each test. Without `redis-server` and `redis-cli` on the
//! `PATH` these tests fail, never pass unrun: `deploy/local-services.sh` (run by
//! `make services` and CI) installs them; where they cannot be, leave these tests
//! out by name (`cargo test -p newshound-broker -- --skip on_a_redis_cluster`).

mod common;

use common::{T0, hub, unique_prefix};
use newshound_broker::{RedisConfig, RedisRevisitSchedule, RedisSeenSet};
use newshound_core::{RevisitSchedule, SeenSet};
use redis::aio::MultiplexedConnection;
use std::collections::HashSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Three `redis-server --cluster-enabled yes` processes on loopback, joined
/// into one cluster; killed, and their directory removed, on drop.
struct LocalCluster {
    ports: Vec<u16>,
    children: Vec<Child>,
    dir: PathBuf,
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn installed(binary: &str) -> bool {
    Command::new(binary)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `n` ports `p` from 30000 up with `p` and its cluster bus port `p + 10000`
/// free on 127.0.0.1 (the start depends on the process id, so that parallel
/// runs rarely probe the same ports), and not handed out before in this
/// process (the tests start their clusters concurrently).
fn free_ports(n: usize) -> Vec<u16> {
    static TAKEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut taken = TAKEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let taken = taken.get_or_insert_with(HashSet::new);
    let free = |p: u16| TcpListener::bind(("127.0.0.1", p)).is_ok();
    let start = 30_000 + (std::process::id() % 500) as u16 * 20;
    let ports: Vec<u16> = (start..40_000)
        .chain(30_000..start)
        .filter(|p| !taken.contains(p))
        .filter(|&p| free(p) && free(p + 10_000))
        .take(n)
        .collect();
    assert_eq!(ports.len(), n, "no free ports for a local cluster");
    taken.extend(&ports);
    ports
}

fn url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}/")
}

async fn connect_node(port: u16) -> redis::RedisResult<MultiplexedConnection> {
    redis::Client::open(url(port))?
        .get_multiplexed_async_connection()
        .await
}

impl LocalCluster {
    /// Starts the cluster. Fails when `redis-server` or `redis-cli` is not
    /// installed: a green test must mean the cluster ran.
    async fn start() -> LocalCluster {
        for binary in ["redis-server", "redis-cli"] {
            assert!(
                installed(binary),
                "{binary} is not installed: these tests start a Redis Cluster of their own. \
                 Run `make services` (deploy/local-services.sh installs it), or leave them out \
                 by name: cargo test -p newshound-broker -- --skip on_a_redis_cluster"
            );
        }
        let dir = std::env::temp_dir()
            .join(unique_prefix().replace("newshound-test", "newshound-cluster"));
        std::fs::create_dir_all(&dir).expect("cluster directory");
        let mut cluster = LocalCluster {
            ports: free_ports(3),
            children: Vec::new(),
            dir,
        };
        for &port in &cluster.ports.clone() {
            let dir = &cluster.dir;
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string()])
                .args(["--bind", "127.0.0.1"])
                .args(["--cluster-enabled", "yes"])
                .arg("--cluster-config-file")
                .arg(dir.join(format!("nodes-{port}.conf")))
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .arg("--dir")
                .arg(dir)
                .arg("--logfile")
                .arg(dir.join(format!("redis-{port}.log")))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start redis-server");
            cluster.children.push(child);
        }
        for &port in &cluster.ports {
            let started = Instant::now();
            loop {
                if let Ok(mut con) = connect_node(port).await
                    && redis::cmd("PING")
                        .query_async::<String>(&mut con)
                        .await
                        .is_ok()
                {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "redis-server on port {port} did not start (log in {})",
                    cluster.dir.display()
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let mut create = tokio::process::Command::new("redis-cli");
        create.arg("--cluster").arg("create");
        for &port in &cluster.ports {
            create.arg(format!("127.0.0.1:{port}"));
        }
        let out = create
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .await
            .expect("run redis-cli --cluster create");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let started = Instant::now();
        for &port in &cluster.ports {
            let mut con = connect_node(port).await.expect("node connection");
            loop {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query_async(&mut con)
                    .await
                    .expect("cluster info");
                if info.lines().any(|l| l.trim() == "cluster_state:ok") {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "cluster not ok on port {port}: {info}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        cluster
    }

    fn urls(&self) -> Vec<String> {
        self.ports.iter().map(|&p| url(p)).collect()
    }
}

/// Keys of this node matching `pattern` (SCAN).
async fn node_keys(con: &mut MultiplexedConnection, pattern: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(con)
            .await
            .expect("scan");
        keys.extend(batch);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

async fn used_memory(ports: &[u16]) -> i64 {
    let mut total = 0;
    for &port in ports {
        let mut con = connect_node(port).await.expect("node connection");
        let info: String = redis::cmd("INFO")
            .arg("memory")
            .query_async(&mut con)
            .await
            .expect("info");
        total += info
            .lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .and_then(|v| v.trim().parse::<i64>().ok())
            .expect("used_memory in INFO");
    }
    total
}

/// `CLIENT KILL TYPE normal` on every node: every connection but the
/// admin's own is closed.
async fn kill_clients(ports: &[u16]) {
    for &port in ports {
        let mut admin = connect_node(port).await.expect("node connection");
        let _: i64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("normal")
            .query_async(&mut admin)
            .await
            .expect("client kill");
    }
}

#[tokio::test]
async fn seen_set_is_exact_on_a_redis_cluster() {
    let cluster = LocalCluster::start().await;
    let n = 100_000u64;
    let prefix = unique_prefix();
    let mut config = RedisConfig::cluster(cluster.urls());
    config.prefix = prefix.clone();
    config.expected_urls = n;
    let set = RedisSeenSet::connect(config)
        .await
        .expect("connect to the cluster");

    // Every fingerprint is new once.
    let fps: Vec<u64> = (0..n)
        .map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
        .collect();
    let before = used_memory(&cluster.ports).await;
    let started = Instant::now();
    let fresh = set.insert_new(&fps).await.expect("insert");
    let took = started.elapsed();
    let after = used_memory(&cluster.ports).await;
    assert_eq!(fresh.len() as u64, n);
    assert!(fresh.iter().all(|&b| b), "every fingerprint is new once");
    eprintln!(
        "cluster: {n} fingerprints in {took:?} ({:.0}/s); used_memory {before} -> {after} \
         over 3 primaries, {:.2} bytes/URL in {} buckets",
        n as f64 / took.as_secs_f64(),
        (after - before) as f64 / n as f64,
        set.buckets()
    );

    // Repeats are not new; a mixed batch (with a duplicate) is exact.
    let again = set.insert_new(&fps).await.expect("insert again");
    assert!(again.iter().all(|&b| !b), "repeats are not new");
    let extra: Vec<u64> = (n..n + 5_000)
        .map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
        .collect();
    let mut mixed: Vec<u64> = fps[..5_000].to_vec();
    mixed.extend(&extra);
    mixed.push(extra[0]);
    let answers = set.insert_new(&mixed).await.expect("insert mixed");
    assert!(answers[..5_000].iter().all(|&b| !b));
    assert!(answers[5_000..10_000].iter().all(|&b| b));
    assert!(!answers[10_000]);
    assert_eq!(set.count().await.expect("count"), n + 5_000);

    // Another process, given one node, discovers the rest and adopts the
    // bucket count.
    let mut config = RedisConfig::cluster([url(cluster.ports[2])]);
    config.prefix = prefix.clone();
    config.expected_urls = 50_000_000;
    let second = RedisSeenSet::connect(config)
        .await
        .expect("connect via one node");
    assert_eq!(second.buckets(), set.buckets());
    assert!(
        second
            .insert_new(&fps[..1_000])
            .await
            .expect("insert")
            .iter()
            .all(|&b| !b)
    );

    // The buckets spread over all three primaries, stay intsets, and hold
    // every fingerprint exactly once.
    let pattern = format!("{prefix}:seen:*");
    let mut members = 0u64;
    let mut bucket_keys = 0u64;
    for &port in &cluster.ports {
        let mut con = connect_node(port).await.expect("node connection");
        let keys: Vec<String> = node_keys(&mut con, &pattern)
            .await
            .into_iter()
            .filter(|k| {
                k.rsplit(':')
                    .next()
                    .is_some_and(|b| b.parse::<u64>().is_ok())
            })
            .collect();
        assert!(!keys.is_empty(), "no bucket on the node at port {port}");
        bucket_keys += keys.len() as u64;
        for key in keys {
            let size: u64 = redis::cmd("SCARD")
                .arg(&key)
                .query_async(&mut con)
                .await
                .expect("scard");
            members += size;
            let encoding: String = redis::cmd("OBJECT")
                .arg("ENCODING")
                .arg(&key)
                .query_async(&mut con)
                .await
                .expect("object encoding");
            assert_eq!(encoding, "intset", "{key}");
        }
    }
    assert_eq!(members, n + 5_000);
    assert!(bucket_keys <= set.buckets());

    // Every node drops the seen-set's connections (the cluster connection
    // has no retries of its own): the next insert reconnects and loses
    // nothing; a fingerprint whose SADD met a dead connection may be
    // reported new again (at least once), a new one is always new.
    kill_clients(&cluster.ports).await;
    let more: Vec<u64> = (n + 5_000..n + 10_000)
        .map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
        .collect();
    let mut after_kill: Vec<u64> = fps[..5_000].to_vec();
    after_kill.extend(&more);
    let started = Instant::now();
    let answers = tokio::time::timeout(Duration::from_secs(30), set.insert_new(&after_kill))
        .await
        .expect("insert after CLIENT KILL finishes")
        .expect("insert after CLIENT KILL");
    assert!(answers[5_000..].iter().all(|&b| b), "new ones are new");
    eprintln!(
        "after CLIENT KILL on every node: {} of 5000 known fingerprints reported new again, {:?}",
        answers[..5_000].iter().filter(|&&b| b).count(),
        started.elapsed()
    );
    let again = set.insert_new(&after_kill).await.expect("insert");
    assert!(again.iter().all(|&b| !b), "all stored");

    // delete_all scans every primary.
    set.delete_all().await.expect("delete_all");
    for &port in &cluster.ports {
        let mut con = connect_node(port).await.expect("node connection");
        let left = node_keys(&mut con, &format!("{prefix}:*")).await;
        assert!(left.is_empty(), "left on port {port}: {left:?}");
    }
    drop(cluster);
}

#[tokio::test]
async fn revisit_schedule_works_on_a_redis_cluster() {
    let cluster = LocalCluster::start().await;
    let prefix = unique_prefix();
    let mut config = RedisConfig::cluster(cluster.urls());
    config.prefix = prefix.clone();
    let schedule = RedisRevisitSchedule::connect(&config)
        .await
        .expect("connect to the cluster");
    let fps = |entries: &[(u64, newshound_core::Revisit)]| -> Vec<u64> {
        entries.iter().map(|(fp, _)| *fp).collect()
    };

    // 1000 entries (two put scripts), claimed earliest first.
    let entries: Vec<_> = (0..1_000u64)
        .map(|i| hub(&format!("section/{i}"), T0 + i))
        .collect();
    schedule.put(entries.clone()).await.expect("put");
    assert_eq!(schedule.count().await.expect("count"), 1_000);
    assert_eq!(
        schedule.get(entries[7].0).await.expect("get").as_ref(),
        Some(&entries[7].1)
    );
    let lease = 60_000;
    let first = schedule
        .claim_due(T0 + 499, lease, 10_000)
        .await
        .expect("claim");
    assert_eq!(fps(&first), fps(&entries[..500]));

    // Both keys share one slot, so they live on one primary.
    let mut holders = 0;
    for &port in &cluster.ports {
        let mut con = connect_node(port).await.expect("node connection");
        let keys = node_keys(&mut con, &format!("{{{prefix}}}:*")).await;
        match keys.len() {
            0 => {}
            2 => holders += 1,
            _ => panic!("port {port} holds {keys:?}"),
        }
    }
    assert_eq!(holders, 1, "the schedule's keys are on one primary");

    // Every node drops the schedule's connections: each operation gets
    // through once the connection is back (every one may be sent twice).
    kill_clients(&cluster.ports).await;
    let after_kill = async {
        assert_eq!(
            schedule.count().await.expect("count after CLIENT KILL"),
            1_000
        );
        let more: Vec<_> = (1_000..1_100u64)
            .map(|i| hub(&format!("section/{i}"), T0 + i))
            .collect();
        schedule.put(more).await.expect("put after CLIENT KILL");
        assert_eq!(schedule.count().await.expect("count"), 1_100);
        // The first 500 are leased until T0 + 499 + lease.
        let rest = schedule
            .claim_due(T0 + 10_000, lease, 10_000)
            .await
            .expect("claim after CLIENT KILL");
        assert_eq!(rest.len(), 600);
        assert_eq!(fps(&rest[..500]), fps(&entries[500..]));
    };
    tokio::time::timeout(Duration::from_secs(30), after_kill)
        .await
        .expect("the schedule answers after CLIENT KILL");

    schedule.delete_all().await.expect("delete_all");
    assert_eq!(schedule.count().await.expect("count"), 0);
    for &port in &cluster.ports {
        let mut con = connect_node(port).await.expect("node connection");
        let left = node_keys(&mut con, &format!("{{{prefix}}}:*")).await;
        assert!(left.is_empty(), "left on port {port}: {left:?}");
    }
    drop(cluster);
}

#[tokio::test]
async fn unreachable_cluster_is_named_without_credentials() {
    let config = RedisConfig::cluster(["redis://:secret@127.0.0.1:1/"]);
    let err = RedisSeenSet::connect(config)
        .await
        .err()
        .expect("must fail")
        .to_string();
    assert!(err.contains("Redis"), "{err}");
    assert!(!err.contains("secret"), "credentials leaked: {err}");
    let none: [&str; 0] = [];
    let err = RedisSeenSet::connect(RedisConfig::cluster(none))
        .await
        .err()
        .expect("must fail");
    assert!(
        matches!(err, newshound_broker::BrokerError::Config(_)),
        "{err}"
    );
}
