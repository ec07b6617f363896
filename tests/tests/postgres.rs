//! End-to-end: `newshound run --once` writing to the real PostgreSQL on
//! 127.0.0.1:5432 (override with NEWSHOUND_TEST_POSTGRES_URL), each test in
//! its own schema, dropped at the end. When PostgreSQL is not running the
//! tests fail naming it (`bash deploy/local-services.sh` starts it).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use newshound_e2e::cluster::{Cluster, LIMIT};
use newshound_e2e::{Crawl, FixtureSite, kill_hard};
use tokio_postgres::NoTls;

fn postgres_url() -> String {
    std::env::var("NEWSHOUND_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A schema of its own for one test, dropped when the value is.
struct TestSchema {
    name: String,
    runtime: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
}

impl TestSchema {
    fn new() -> anyhow::Result<TestSchema> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let name = format!(
            "newshound_e2e_{}_{nanos}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let client = runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&postgres_url(), NoTls)
                .await
                .map_err(|e| {
                    anyhow::anyhow!(
                        "PostgreSQL is required for this test (bash deploy/local-services.sh starts it): {e}"
                    )
                })?;
            tokio::spawn(connection);
            anyhow::Ok(client)
        })?;
        Ok(TestSchema {
            name,
            runtime,
            client,
        })
    }

    /// The `[output]` section writing to this schema.
    fn output(&self, jsonl: bool) -> String {
        format!(
            "\n[output]\njsonl = {jsonl}\npostgres_url = \"{}\"\npostgres_schema = \"{}\"\n",
            postgres_url(),
            self.name
        )
    }

    /// Runs a query (`{schema}`: the quoted schema, `{name}`: its name);
    /// the first column of each row as text.
    fn texts(&self, query: &str) -> anyhow::Result<Vec<String>> {
        let query = query
            .replace("{schema}", &format!("\"{}\"", self.name))
            .replace("{name}", &self.name);
        let rows = self.runtime.block_on(self.client.query(&query, &[]))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let drop_schema = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name);
        if let Err(e) = self
            .runtime
            .block_on(self.client.batch_execute(&drop_schema))
        {
            eprintln!("could not drop schema {}: {e}", self.name);
        }
    }
}

/// The fields of the rows, as JSON comparable with a JSONL record.
const ROWS_AS_RECORDS: &str = "SELECT json_build_object(
        'url', url, 'redirected_from', redirected_from, 'canonical_url', canonical_url,
        'title', title, 'subtitle', subtitle, 'authors', authors,
        'published', published, 'published_utc_offset', published_utc_offset,
        'updated', updated, 'updated_utc_offset', updated_utc_offset,
        'section', section, 'tags', tags, 'body', body, 'images', images, 'related', related,
        'language', language, 'fetched_at', fetched_at,
        'content_hash', content_hash, 'revision', revision, 'kind_unsure', kind_unsure)::text
    FROM {schema}.article_revisions";

/// The rows by (canonical_url, content_hash), as JSON records: the times
/// as RFC 3339 with the offset they were written with.
fn rows(schema: &TestSchema) -> anyhow::Result<BTreeMap<(String, String), serde_json::Value>> {
    let mut rows = BTreeMap::new();
    for text in schema.texts(ROWS_AS_RECORDS)? {
        let mut row: serde_json::Value = serde_json::from_str(&text)?;
        for field in ["published", "updated"] {
            let offset = row[format!("{field}_utc_offset")].as_i64();
            let time = row[field].as_str().map(str::to_string);
            if let (Some(time), Some(offset)) = (time, offset) {
                let utc = chrono::DateTime::parse_from_rfc3339(&time)?;
                let zone = chrono::FixedOffset::east_opt(i32::try_from(offset)?)
                    .ok_or_else(|| anyhow::anyhow!("bad offset {offset}"))?;
                row[field] = utc.with_timezone(&zone).to_rfc3339().into();
            }
            if let Some(map) = row.as_object_mut() {
                map.remove(&format!("{field}_utc_offset"));
            }
        }
        let fetched = row["fetched_at"].as_str().unwrap_or_default().to_string();
        row["fetched_at"] = chrono::DateTime::parse_from_rfc3339(&fetched)?
            .with_timezone(&chrono::Utc)
            .to_rfc3339()
            .into();
        let key = (
            row["canonical_url"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            row["content_hash"].as_str().unwrap_or_default().to_string(),
        );
        anyhow::ensure!(rows.insert(key, row).is_none(), "a row twice");
    }
    Ok(rows)
}

/// A JSONL record in the same shape: times normalized (RFC 3339, fetch
/// time in UTC to the microsecond, as timestamptz keeps it).
fn normalized(mut record: serde_json::Value) -> anyhow::Result<serde_json::Value> {
    for field in ["published", "updated"] {
        if let Some(time) = record[field].as_str().map(str::to_string) {
            record[field] = chrono::DateTime::parse_from_rfc3339(&time)?
                .to_rfc3339()
                .into();
        }
    }
    let fetched = record["fetched_at"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let fetched = chrono::DateTime::parse_from_rfc3339(&fetched)?.with_timezone(&chrono::Utc);
    let micros = chrono::DateTime::from_timestamp_micros(fetched.timestamp_micros())
        .ok_or_else(|| anyhow::anyhow!("bad fetch time"))?;
    record["fetched_at"] = micros.to_rfc3339().into();
    Ok(record)
}

/// Every JSONL record has its row, equal field for field.
fn assert_rows_are_records(
    rows: &BTreeMap<(String, String), serde_json::Value>,
    records: Vec<serde_json::Value>,
) -> anyhow::Result<()> {
    for record in records {
        let key = (
            record["canonical_url"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            record["content_hash"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        let row = rows
            .get(&key)
            .ok_or_else(|| anyhow::anyhow!("no row for {key:?}"))?;
        assert_eq!(row, &normalized(record)?, "{key:?}");
    }
    Ok(())
}

/// One crawl writing both outputs: the rows equal the JSONL records, field
/// for field; a second run over the finished crawl adds nothing to either.
#[test]
fn crawl_rows_equal_the_jsonl_records() -> anyhow::Result<()> {
    let schema = TestSchema::new()?;
    let site = FixtureSite::start(60)?;
    let crawl = Crawl::new(&(site.config(1000.0) + &schema.output(true)))?;
    let stderr = crawl.run_to_end(1, Duration::from_secs(300))?;
    assert!(stderr.contains("articles written  60 ("), "{stderr}");
    let records = crawl.records()?;
    assert_eq!(records.len(), 60);
    let rows = rows(&schema)?;
    assert_eq!(rows.len(), 60);
    assert_rows_are_records(&rows, records)?;
    let stories = schema.texts(
        "SELECT count(*)::text FROM {schema}.stories WHERE latest_revision = 1 AND first_seen <= last_seen",
    )?;
    assert_eq!(stories, vec!["60".to_string()]);

    let stderr = crawl.run_to_end(2, Duration::from_secs(300))?;
    assert!(stderr.contains("articles written  0 ("), "{stderr}");
    assert_eq!(crawl.records_written(), 60);
    assert_eq!(self::rows(&schema)?, rows, "the rerun changed no row");
    Ok(())
}

/// PostgreSQL only (`jsonl = false`): `kill -9` mid-crawl, then the same
/// command again: every article is in the table once.
#[test]
fn postgres_only_crawl_survives_sigkill() -> anyhow::Result<()> {
    let schema = TestSchema::new()?;
    let site = FixtureSite::start(300)?;
    // Slow enough that the kill lands mid-crawl.
    let crawl = Crawl::new(&(site.config(60.0) + &schema.output(false)))?;
    let count = || -> anyhow::Result<usize> {
        // The table appears with the first run's migration.
        let n = schema
            .texts(
                "SELECT count(*)::text FROM pg_tables WHERE schemaname = '{name}' \
                 AND tablename = 'article_revisions'",
            )
            .map(|v| v == ["1"])?;
        if !n {
            return Ok(0);
        }
        Ok(schema
            .texts("SELECT count(*)::text FROM {schema}.article_revisions")?
            .first()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    };
    let mut child = crawl.spawn(1)?;
    crawl.wait_while_running(&mut child, 1, Duration::from_secs(300), || {
        Ok(count()? >= 60)
    })?;
    kill_hard(&mut child)?;
    let before = count()?;
    assert!(before < 300, "the kill came too late to test anything");
    crawl.run_to_end(2, Duration::from_secs(600))?;
    assert!(
        !crawl.out.join("articles.jsonl").exists(),
        "jsonl = false wrote the file"
    );
    let urls = schema.texts(
        "SELECT canonical_url || ' ' || revision FROM {schema}.article_revisions ORDER BY 1",
    )?;
    let mut expected: Vec<String> = site
        .truth()
        .into_iter()
        .map(|t| format!("{} 1", t.url))
        .collect();
    expected.sort();
    println!("killed after {before} rows");
    assert_eq!(urls, expected);
    Ok(())
}

/// Distributed mode (frontier, fetchers, parsers and the sink role as separate processes on
/// RabbitMQ and Redis), the sink writing both outputs: every article is in the table once,
/// equal field for field to its JSONL record.
#[test]
fn distributed_sink_writes_every_article_once() -> anyhow::Result<()> {
    let schema = TestSchema::new()?;
    let site = FixtureSite::start(200)?;
    let config = site.config(400.0) + &schema.output(true);
    let mut cluster = Cluster::new(&config, "pg")?;
    cluster.start_roles(2)?;
    cluster.wait_for_records(200, LIMIT)?;
    // Let in-flight duplicates (if any) reach the sink before judging.
    std::thread::sleep(Duration::from_secs(2));
    cluster.stop()?;
    let records = cluster.records()?;
    assert_eq!(records.len(), 200);
    let rows = rows(&schema)?;
    assert_eq!(rows.len(), 200);
    assert_rows_are_records(&rows, records)?;
    Ok(())
}
