//! The PostgreSQL sink against the real server on 127.0.0.1:5432 (the CI
//! script starts it; when it is not running, tests fail naming it). Each
//! test works in its own schema, dropped at the end (even when the test
//! fails).

use chrono::{DateTime, FixedOffset, Utc};
use newshound_core::message::{Article, ArticleFields, Image};
use newshound_core::{ArticleSink, BackendError};
use newshound_sink::{FanOutSink, JsonlSink, PostgresError, PostgresSettings, PostgresSink};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio_postgres::NoTls;

/// PostgreSQL URL (override with NEWSHOUND_TEST_POSTGRES_URL).
fn postgres_url() -> String {
    std::env::var("NEWSHOUND_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `url` with `application_name=name` added.
fn with_application_name(url: &str, name: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}application_name={name}")
}

/// `newshound_test_<unique hex>`: a schema and application name.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let seed = format!(
        "{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    format!(
        "newshound_test_{:016x}",
        xxhash_rust::xxh3::xxh3_64(seed.as_bytes())
    )
}

/// A plain connection for looking at the tables behind the sink's back.
async fn raw() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&postgres_url(), NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is required for this test (bash deploy/local-services.sh starts it): {e}"
            )
        });
    tokio::spawn(connection);
    client
}

/// A test's schema: dropped when the value is (also when the test panics).
struct TestSchema {
    name: String,
}

impl TestSchema {
    fn new() -> TestSchema {
        TestSchema {
            name: unique_name(),
        }
    }

    fn settings(&self) -> PostgresSettings {
        let mut settings = PostgresSettings::new(
            with_application_name(&postgres_url(), &self.name),
            Some(self.name.clone()),
        );
        settings.max_wait = Duration::from_secs(30);
        settings
    }

    async fn sink(&self) -> PostgresSink {
        PostgresSink::connect(self.settings())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is required for this test (bash deploy/local-services.sh starts it): {e:?}"
                )
            })
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Its own thread and runtime: drop runs inside the test's runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let client = raw().await;
                client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                    .await
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop schema {}: {e}", self.name),
            Err(_) => eprintln!("could not drop schema {}", self.name),
        }
    }
}

fn time(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("a valid time")
}

fn article(url: &str, body: &str) -> Article {
    let mut a = Article {
        url: format!("{url}?from=home"),
        redirected_from: vec![format!("{url}-old")],
        canonical_url: url.into(),
        fields: ArticleFields {
            title: "Title".into(),
            subtitle: Some("Sub".into()),
            authors: vec!["Kim Jae-won".into(), "Lee Min-ji".into()],
            published: Some(time("2026-11-28T15:00:00+09:00")),
            updated: None,
            section: Some("world".into()),
            tags: vec!["economy".into(), "trade".into()],
            body: body.into(),
            images: vec![Image {
                url: format!("{url}.jpg"),
                caption: Some("A caption".into()),
            }],
            related: vec!["http://127.0.0.1/other".into()],
            kind_unsure: true,
        },
        language: Some("en".into()),
        fetched_at: Utc::now(),
        content_hash: String::new(),
        revision: 7,
    };
    a.content_hash = a.compute_content_hash();
    a
}

/// Every revision row: (canonical_url, content_hash) -> revision.
async fn revisions(client: &tokio_postgres::Client, schema: &str) -> Vec<(String, String, i32)> {
    client
        .query(
            &format!(
                "SELECT canonical_url, content_hash, revision FROM \"{schema}\".article_revisions \
                 ORDER BY canonical_url, revision"
            ),
            &[],
        )
        .await
        .expect("query revisions")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// The migration versions recorded in `schema`, in order.
async fn migrations(client: &tokio_postgres::Client, schema: &str) -> Vec<i32> {
    client
        .query(
            &format!("SELECT version FROM \"{schema}\".schema_migrations ORDER BY version"),
            &[],
        )
        .await
        .expect("migrations")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Per story: its revision numbers in order, and its latest revision.
async fn stories(
    client: &tokio_postgres::Client,
    schema: &str,
) -> BTreeMap<String, (Vec<i32>, i32)> {
    let rows = client
        .query(
            &format!(
                "SELECT s.canonical_url, array_agg(r.revision ORDER BY r.revision), s.latest_revision \
                 FROM \"{schema}\".stories s JOIN \"{schema}\".article_revisions r USING (canonical_url) \
                 GROUP BY s.canonical_url, s.latest_revision"
            ),
            &[],
        )
        .await
        .expect("query stories");
    rows.iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect()
}

#[tokio::test]
async fn records_land_once_and_a_redelivered_batch_writes_nothing() {
    let schema = TestSchema::new();
    let sink = schema.sink().await;
    let one = article("http://127.0.0.1/a/1", "one");
    let mut two = article("http://127.0.0.1/a/2", "two\0with a NUL");
    two.fields.published = Some(time("2026-11-28T06:30:00-05:00"));
    two.fields.updated = Some(time("2026-11-29T01:00:00+05:30"));
    two.fields.subtitle = None;
    two.fields.images.push(Image {
        url: "http://127.0.0.1/a/2b.jpg".into(),
        caption: None,
    });
    let batch = vec![one.clone(), one.clone(), two.clone()];
    assert_eq!(sink.write(batch.clone()).await.expect("write"), 2);

    let client = raw().await;
    let row = client
        .query_one(
            &format!(
                "SELECT url, redirected_from, title, subtitle, authors, published, published_utc_offset, \
                 updated, updated_utc_offset, section, tags, body, images, related, language, fetched_at, revision, \
                 kind_unsure FROM \"{}\".article_revisions WHERE canonical_url = $1",
                schema.name
            ),
            &[&two.canonical_url],
        )
        .await
        .expect("the record is there");
    assert_eq!(row.get::<_, String>(0), two.url);
    assert_eq!(row.get::<_, Vec<String>>(1), two.redirected_from);
    assert_eq!(row.get::<_, String>(2), two.fields.title);
    assert_eq!(row.get::<_, Option<String>>(3), None);
    assert_eq!(row.get::<_, Vec<String>>(4), two.fields.authors);
    let published: DateTime<Utc> = row.get(5);
    let offset: i32 = row.get(6);
    let published = published.with_timezone(&FixedOffset::east_opt(offset).expect("offset"));
    assert_eq!(Some(published), two.fields.published);
    assert_eq!(published.to_rfc3339(), "2026-11-28T06:30:00-05:00");
    let updated: DateTime<Utc> = row.get(7);
    assert_eq!(row.get::<_, i32>(8), 5 * 3600 + 1800);
    assert_eq!(
        Some(updated),
        two.fields.updated.map(|u| u.with_timezone(&Utc))
    );
    assert_eq!(row.get::<_, Option<String>>(9), two.fields.section);
    assert_eq!(row.get::<_, Vec<String>>(10), two.fields.tags);
    assert_eq!(row.get::<_, String>(11), "twowith a NUL", "NUL removed");
    assert_eq!(
        row.get::<_, serde_json::Value>(12),
        serde_json::to_value(&two.fields.images).expect("json")
    );
    assert_eq!(row.get::<_, Vec<String>>(13), two.fields.related);
    assert_eq!(row.get::<_, Option<String>>(14), two.language);
    let fetched: DateTime<Utc> = row.get(15);
    // timestamptz keeps microseconds.
    assert_eq!(
        fetched.timestamp_micros(),
        two.fetched_at.timestamp_micros()
    );
    assert_eq!(row.get::<_, i32>(16), 1, "the sink numbers, not the record");
    assert_eq!(row.get::<_, bool>(17), two.fields.kind_unsure);

    let before = dump(&client, &schema.name).await;
    // Redelivered: the same batch again, from this sink and from a new one.
    assert_eq!(sink.write(batch.clone()).await.expect("write"), 0);
    let again = schema.sink().await;
    assert_eq!(again.write(batch).await.expect("write"), 0);
    assert_eq!(dump(&client, &schema.name).await, before, "nothing changed");
    assert_eq!(revisions(&client, &schema.name).await.len(), 2);
}

/// Every row of both tables as text, sorted.
async fn dump(client: &tokio_postgres::Client, schema: &str) -> Vec<String> {
    let query = format!(
        "SELECT r::text FROM \"{schema}\".article_revisions r \
         UNION ALL SELECT s::text FROM \"{schema}\".stories s ORDER BY 1"
    );
    client
        .query(&query, &[])
        .await
        .expect("dump")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn a_changed_story_becomes_revision_2() {
    let schema = TestSchema::new();
    let sink = schema.sink().await;
    let url = "http://127.0.0.1/a/1";
    let first = article(url, "first version");
    let second = article(url, "corrected version");
    assert_eq!(sink.write(vec![first.clone()]).await.expect("write"), 1);
    assert_eq!(sink.write(vec![second.clone()]).await.expect("write"), 1);
    // The first version fetched again later: nothing new.
    assert_eq!(sink.write(vec![first.clone()]).await.expect("write"), 0);
    // Two versions in one batch keep their order.
    let third = article(url, "third");
    let fourth = article(url, "fourth");
    assert_eq!(
        sink.write(vec![third.clone(), second.clone(), fourth.clone()])
            .await
            .expect("write"),
        2
    );
    let client = raw().await;
    let expected: Vec<(String, String, i32)> =
        [(&first, 1), (&second, 2), (&third, 3), (&fourth, 4)]
            .iter()
            .map(|(a, r)| (url.to_string(), a.content_hash.clone(), *r))
            .collect();
    assert_eq!(revisions(&client, &schema.name).await, expected);
    let story = client
        .query_one(
            &format!(
                "SELECT latest_revision, latest_content_hash FROM \"{}\".stories WHERE canonical_url = $1",
                schema.name
            ),
            &[&url],
        )
        .await
        .expect("story");
    assert_eq!(story.get::<_, i32>(0), 4);
    assert_eq!(story.get::<_, String>(1), fourth.content_hash);
}

/// Two sinks (two pools, as two processes) write the same stories and
/// versions at once, in different orders and batch shapes: every record
/// once, each story numbered 1..n without gaps, each record counted once.
#[tokio::test]
async fn two_sinks_at_once_give_no_duplicates_and_no_gaps() {
    let schema = TestSchema::new();
    let (a, b) = (schema.sink().await, schema.sink().await);
    const STORIES: usize = 24;
    const VERSIONS: usize = 4;
    let versions: Vec<Vec<Article>> = (0..STORIES)
        .map(|s| {
            (0..VERSIONS)
                .map(|v| article(&format!("http://127.0.0.1/story/{s}"), &format!("v{v}")))
                .collect()
        })
        .collect();
    // Sink a: story by story, all versions in a batch of 3 records at a time.
    let forward: Vec<Article> = versions.iter().flatten().cloned().collect();
    // Sink b: version by version, stories backwards, interleaved, batches of 5.
    let mut interleaved = Vec::new();
    for v in 0..VERSIONS {
        for story in versions.iter().rev() {
            interleaved.push(story[v].clone());
        }
    }
    let run = |sink: PostgresSink, records: Vec<Article>, size: usize| {
        tokio::spawn(async move {
            let mut new = 0;
            let mut tasks = Vec::new();
            for chunk in records.chunks(size) {
                let (sink, chunk) = (sink.clone(), chunk.to_vec());
                tasks.push(tokio::spawn(async move { sink.write(chunk).await }));
                // Two batches of one sink in flight at once too.
                if tasks.len() == 2 {
                    for t in tasks.drain(..) {
                        new += t.await.expect("task").expect("write");
                    }
                }
            }
            for t in tasks {
                new += t.await.expect("task").expect("write");
            }
            new
        })
    };
    let (na, nb) = tokio::join!(run(a, forward, 3), run(b, interleaved, 5));
    let total = na.expect("sink a") + nb.expect("sink b");
    assert_eq!(total, STORIES * VERSIONS, "each record counted once");

    let client = raw().await;
    let rows = revisions(&client, &schema.name).await;
    assert_eq!(rows.len(), STORIES * VERSIONS);
    let expected: Vec<i32> = (1..=VERSIONS as i32).collect();
    let stories = stories(&client, &schema.name).await;
    assert_eq!(stories.len(), STORIES);
    for (url, (numbers, latest)) in stories {
        assert_eq!(numbers, expected, "{url}");
        assert_eq!(latest, VERSIONS as i32, "{url}");
    }
}

#[tokio::test]
async fn migrations_run_twice_and_at_once_are_harmless() {
    let schema = TestSchema::new();
    let starts = (0..4).map(|_| {
        let settings = schema.settings();
        tokio::spawn(PostgresSink::connect(settings))
    });
    let sinks: Vec<PostgresSink> = futures::future::join_all(starts)
        .await
        .into_iter()
        .map(|r| r.expect("task").expect("connects and migrates"))
        .collect();
    // And once more, after.
    let later = schema.sink().await;
    let client = raw().await;
    let versions = migrations(&client, &schema.name).await;
    assert_eq!(versions, vec![1, 2], "each migration applied once");
    assert_eq!(
        later
            .write(vec![article("http://127.0.0.1/m", "x")])
            .await
            .expect("write"),
        1
    );
    assert_eq!(
        sinks[0]
            .write(vec![article("http://127.0.0.1/m", "x")])
            .await
            .expect("write"),
        0
    );
}

/// A store at migration 1 (written by a version before `kind_unsure`) is
/// upgraded in place at connect: its rows are kept and read `kind_unsure`
/// false, a repeat of one writes nothing, and new rows carry the flag.
#[tokio::test]
async fn a_store_at_migration_1_is_upgraded_keeping_its_rows() {
    let schema = TestSchema::new();
    let mut old = article("http://127.0.0.1/u/1", "written before migration 2");
    old.fields.kind_unsure = false;
    {
        let sink = schema.sink().await;
        assert_eq!(sink.write(vec![old.clone()]).await.expect("write"), 1);
    }
    // Back to what version 1 left: no kind_unsure column, migration 2 not recorded.
    let client = raw().await;
    client
        .batch_execute(&format!(
            "ALTER TABLE \"{s}\".article_revisions DROP COLUMN kind_unsure; \
             DELETE FROM \"{s}\".schema_migrations WHERE version = 2",
            s = schema.name
        ))
        .await
        .expect("downgrade to migration 1");

    let sink = schema.sink().await;
    let versions = migrations(&client, &schema.name).await;
    assert_eq!(versions, vec![1, 2]);
    assert_eq!(
        sink.write(vec![old.clone()]).await.expect("write"),
        0,
        "the row from before the upgrade still dedups"
    );
    let mut new = article("http://127.0.0.1/u/2", "written after migration 2");
    new.fields.kind_unsure = true;
    assert_eq!(sink.write(vec![new]).await.expect("write"), 1);
    let flags: Vec<(String, bool)> = client
        .query(
            &format!(
                "SELECT canonical_url, kind_unsure FROM \"{}\".article_revisions ORDER BY canonical_url",
                schema.name
            ),
            &[],
        )
        .await
        .expect("rows")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        flags,
        [
            ("http://127.0.0.1/u/1".to_string(), false),
            ("http://127.0.0.1/u/2".to_string(), true)
        ]
    );
    assert_eq!(revisions(&client, &schema.name).await.len(), 2);
}

/// The server ends the sink's connections again and again while it
/// writes: every write still succeeds (after reconnecting), and the table
/// holds each record once, numbered without gaps.
#[tokio::test]
async fn connections_killed_server_side_lose_and_double_nothing() {
    // The test's runtime runs every task on this thread: the sink's log
    // lines all come here.
    let log = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(log.clone())
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    let schema = TestSchema::new();
    let sink = schema.sink().await;
    let killer_client = raw().await;
    let done = Arc::new(AtomicBool::new(false));
    let killer = {
        let (done, name) = (done.clone(), schema.name.clone());
        tokio::spawn(async move {
            let mut killed = 0u64;
            while !done.load(Ordering::SeqCst) {
                let row = killer_client
                    .query_one(
                        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) \
                         FROM pg_stat_activity WHERE application_name = $1",
                        &[&name],
                    )
                    .await
                    .expect("terminate");
                killed += row.get::<_, i64>(0) as u64;
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            killed
        })
    };
    const STORIES: usize = 150;
    let mut expected = 0;
    let mut counted = 0;
    for round in 0..2 {
        for chunk in (0..STORIES).collect::<Vec<_>>().chunks(4) {
            let batch: Vec<Article> = chunk
                .iter()
                .map(|s| article(&format!("http://127.0.0.1/k/{s}"), &format!("v{round}")))
                .collect();
            expected += batch.len();
            counted += sink.write(batch).await.expect("write survives");
        }
    }
    done.store(true, Ordering::SeqCst);
    let killed = killer.await.expect("killer");
    assert!(killed > 0, "the test killed no connection");
    // A commit whose reply was lost is written again as nothing new, so
    // the count may fall short; the table may not.
    assert!(counted <= expected);

    let client = raw().await;
    assert_eq!(revisions(&client, &schema.name).await.len(), expected);
    let stories = stories(&client, &schema.name).await;
    assert_eq!(stories.len(), STORIES);
    for (url, (numbers, latest)) in stories {
        assert_eq!(numbers, vec![1, 2], "{url}");
        assert_eq!(latest, 2, "{url}");
    }
    // Bounded noise: one warning when writes start failing, one line when
    // they are back, per outage, whatever the retries in between.
    let text = log.text();
    let down = text.matches("PostgreSQL unavailable").count();
    let back = text.matches("PostgreSQL is back").count();
    assert!(down >= 1, "no warning logged:\n{text}");
    assert_eq!(down, back, "each outage ends with one line:\n{text}");
    assert!(down as u64 <= killed, "more warnings than kills:\n{text}");
    eprintln!(
        "{killed} connections killed; {counted} of {expected} records counted; {down} outages logged"
    );
}

/// Log lines written by a test's subscriber.
#[derive(Clone, Default)]
struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl LogBuffer {
    fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> LogBuffer {
        self.clone()
    }
}

#[tokio::test]
async fn an_unreachable_server_fails_at_start_naming_it() {
    // Port 1 on loopback: nothing listens there.
    let mut settings = PostgresSettings::new("postgres://postgres@127.0.0.1:1/postgres", None);
    settings.connect_timeout = Duration::from_secs(2);
    match PostgresSink::connect(settings).await {
        Err(e @ PostgresError::Connect { .. }) => {
            assert!(e.to_string().contains("127.0.0.1:1/postgres"), "{e}");
        }
        Err(e) => panic!("wrong error: {e:?}"),
        Ok(_) => panic!("connected to nothing"),
    }
}

/// A closed sink fails writes as closed (the caller leaves them unacked).
#[tokio::test]
async fn a_closed_sink_fails_writes_as_closed() {
    let schema = TestSchema::new();
    let mut settings = schema.settings();
    settings.max_wait = Duration::from_millis(800);
    let sink = PostgresSink::connect(settings).await.expect("connects");
    sink.close();
    match sink.write(vec![article("http://127.0.0.1/x", "x")]).await {
        Err(BackendError::Closed) => {}
        other => panic!("expected Closed, got {other:?}"),
    }
}

/// The file and the database at once: a batch succeeds only when both
/// wrote it; after a failure the retry fills in what is missing, and the
/// record is counted once.
#[tokio::test]
async fn fan_out_writes_both_and_fails_when_one_fails() {
    let schema = TestSchema::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let file: Arc<dyn ArticleSink> = Arc::new(JsonlSink::open(dir.path()).expect("file"));
    let closed = schema.sink().await;
    closed.close();
    let broken = FanOutSink::new(vec![file.clone(), Arc::new(closed)]);
    let first = article("http://127.0.0.1/f/1", "one");
    assert!(broken.write(vec![first.clone()]).await.is_err());
    // The file has it; the database does not. The retry, on a working sink:
    let both = FanOutSink::new(vec![file, Arc::new(schema.sink().await)]);
    let second = article("http://127.0.0.1/f/2", "two");
    assert_eq!(
        both.write(vec![first.clone(), second.clone()])
            .await
            .expect("write"),
        2
    );
    assert_eq!(both.write(vec![first, second]).await.expect("write"), 0);
    let lines = std::fs::read_to_string(dir.path().join("articles.jsonl")).expect("read");
    assert_eq!(lines.lines().count(), 2);
    let client = raw().await;
    assert_eq!(revisions(&client, &schema.name).await.len(), 2);
}
