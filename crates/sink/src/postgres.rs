//! The PostgreSQL article sink: every record in a `stories` and an
//! `article_revisions` table, each (canonical URL, content hash) once.
//!
//! Exactly once under at-least-once delivery: a batch is one transaction;
//! each record locks its story's row (an upsert on `stories` that returns
//! the story's latest revision), then inserts the revision keyed by
//! (canonical URL, content hash) with `ON CONFLICT DO NOTHING` and the
//! number latest + 1, and moves the story's latest revision on when the
//! insert took. A batch written again (a redelivery, a retry after a lost
//! connection, a second sink) inserts nothing; several sinks writing at once
//! queue on the story rows, so revision numbers have no gaps or repeats.
//! [`PostgresSink::write`] returns after COMMIT, so the caller acks after.
//!
//! Records in a batch are taken in canonical-URL order (stable, so the
//! versions of one story keep their order): two sinks locking the same
//! stories lock them in the same order and cannot deadlock.
//!
//! The tables come from versioned migrations run at [`PostgresSink::connect`]
//! under an advisory lock (`schema_migrations` records the versions applied),
//! so two sinks starting at once apply each migration once.
//!
//! When the connection is lost a write waits and tries its whole batch again
//! on a new connection, with growing delays, for up to
//! [`PostgresSettings::max_wait`]; one warning is logged when writes start
//! failing and one line when they succeed again.

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;

use newshound_core::backend::BoxError;
use newshound_core::message::Article;
use newshound_core::report::error_chain;
use newshound_core::{ArticleSink, BackendError};

/// The migrations, in order: (version, SQL). A version once released is
/// never edited; a schema change is a new entry.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "CREATE TABLE stories (
        canonical_url text PRIMARY KEY,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        latest_revision integer NOT NULL DEFAULT 0,
        latest_content_hash text
    );
    CREATE TABLE article_revisions (
        canonical_url text NOT NULL REFERENCES stories (canonical_url),
        content_hash text NOT NULL,
        revision integer NOT NULL,
        url text NOT NULL,
        redirected_from text[] NOT NULL,
        title text NOT NULL,
        subtitle text,
        authors text[] NOT NULL,
        published timestamptz,
        published_utc_offset integer,
        updated timestamptz,
        updated_utc_offset integer,
        section text,
        tags text[] NOT NULL,
        body text NOT NULL,
        images jsonb NOT NULL,
        related text[] NOT NULL,
        language text,
        fetched_at timestamptz NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (canonical_url, content_hash),
        UNIQUE (canonical_url, revision)
    );
    CREATE INDEX article_revisions_published ON article_revisions (published);
    CREATE INDEX article_revisions_section_published ON article_revisions (section, published);",
    ),
    (
        2,
        "ALTER TABLE article_revisions ADD COLUMN kind_unsure boolean NOT NULL DEFAULT false;",
    ),
];

/// First key of the advisory lock the migrations run under (the second is
/// a hash of the schema name): "nh" + "mg".
const MIGRATION_LOCK: i32 = 0x6e68_6d67;

/// Locks the story's row (creating it when new) and returns its latest revision.
const LOCK_STORY: &str = "INSERT INTO stories AS s (canonical_url, first_seen, last_seen)
     VALUES ($1, $2, $2)
     ON CONFLICT (canonical_url) DO UPDATE
       SET first_seen = LEAST(s.first_seen, EXCLUDED.first_seen),
           last_seen = GREATEST(s.last_seen, EXCLUDED.last_seen)
     RETURNING latest_revision";

/// Inserts one revision unless its (canonical URL, content hash) is there.
const INSERT_REVISION: &str = "INSERT INTO article_revisions (
       canonical_url, content_hash, revision, url, redirected_from, title, subtitle, authors,
       published, published_utc_offset, updated, updated_utc_offset, section, tags, body,
       images, related, language, fetched_at, kind_unsure)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
       $20)
     ON CONFLICT (canonical_url, content_hash) DO NOTHING";

/// Moves the story's latest revision on.
const ADVANCE_STORY: &str =
    "UPDATE stories SET latest_revision = $2, latest_content_hash = $3 WHERE canonical_url = $1";

/// How a [`PostgresSink`] connects and waits.
#[derive(Clone)]
pub struct PostgresSettings {
    /// Connection URL (`postgres://user:password@host:port/db?...`); may
    /// hold credentials, never logged whole.
    pub url: String,
    /// Schema of the tables, created when missing (`None`: the
    /// connection's `search_path`).
    pub schema: Option<String>,
    /// Connections held at most.
    pub pool_size: usize,
    /// How long one write waits for the database to come back before it
    /// fails with [`BackendError::Unavailable`] (the caller then retries
    /// the batch later).
    pub max_wait: Duration,
    /// Connect timeout (unless the URL sets `connect_timeout`).
    pub connect_timeout: Duration,
}

impl PostgresSettings {
    /// Settings for `url` and `schema` with the default pool size (4),
    /// wait (60 s) and connect timeout (10 s).
    pub fn new(url: impl Into<String>, schema: Option<String>) -> PostgresSettings {
        PostgresSettings {
            url: url.into(),
            schema,
            pool_size: 4,
            max_wait: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl std::fmt::Debug for PostgresSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresSettings")
            .field("url", &"<redacted>")
            .field("schema", &self.schema)
            .field("pool_size", &self.pool_size)
            .field("max_wait", &self.max_wait)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// The PostgreSQL sink could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    /// The URL is not a connection string tokio-postgres accepts.
    #[error("output.postgres_url is not a valid PostgreSQL connection URL")]
    BadUrl(#[source] tokio_postgres::Error),
    /// The schema name is not a plain lower-case identifier.
    #[error(
        "output.postgres_schema `{0}`: lower-case letters, digits and `_` only, not starting with a digit"
    )]
    BadSchema(String),
    /// The connection pool could not be built.
    #[error("PostgreSQL connection pool")]
    Pool(#[source] deadpool_postgres::BuildError),
    /// No connection could be made at start.
    #[error("PostgreSQL unreachable at {target}")]
    Connect {
        /// Host, port and database (no credentials).
        target: String,
        /// What failed.
        #[source]
        source: PoolError,
    },
    /// The migrations failed.
    #[error("PostgreSQL at {target}: migrating the schema")]
    Migrate {
        /// Host, port and database (no credentials).
        target: String,
        /// What failed.
        #[source]
        source: tokio_postgres::Error,
    },
}

/// Writes article records to PostgreSQL (see the module documentation).
/// Clones share one connection pool.
#[derive(Clone)]
pub struct PostgresSink {
    pool: Pool,
    target: Arc<str>,
    failing: Arc<AtomicBool>,
    max_wait: Duration,
}

/// Why one attempt at a batch failed.
enum Attempt {
    /// The connection is lost or the server cannot serve now: try again.
    Transient(BoxError),
    /// The database refused the batch; trying again will not help.
    Refused(BoxError),
    /// The pool is closed.
    Closed,
}

impl PostgresSink {
    /// Connects, creates the schema when missing and runs the migrations
    /// it has not yet had.
    ///
    /// # Errors
    /// Fails when the URL or schema is invalid, the server cannot be
    /// reached or a migration fails.
    pub async fn connect(settings: PostgresSettings) -> Result<PostgresSink, PostgresError> {
        let mut pg: tokio_postgres::Config = settings.url.parse().map_err(PostgresError::BadUrl)?;
        if let Some(schema) = &settings.schema
            && !valid_schema(schema)
        {
            return Err(PostgresError::BadSchema(schema.clone()));
        }
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(settings.connect_timeout);
        }
        if pg.get_application_name().is_none() {
            pg.application_name("newshound");
        }
        if pg.get_tcp_user_timeout().is_none() {
            // Unacknowledged writes on a dead link fail after this, not
            // after the kernel's default quarter of an hour.
            pg.tcp_user_timeout(Duration::from_secs(30));
        }
        pg.keepalives_idle(Duration::from_secs(30));
        if let Some(schema) = &settings.schema {
            let options = match pg.get_options() {
                Some(o) if !o.trim().is_empty() => format!("{o} -c search_path={schema}"),
                _ => format!("-c search_path={schema}"),
            };
            pg.options(options);
        }
        let target = describe(&pg);
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(settings.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(settings.connect_timeout))
            .build()
            .map_err(PostgresError::Pool)?;
        let mut client = pool.get().await.map_err(|source| PostgresError::Connect {
            target: target.clone(),
            source,
        })?;
        migrate(&mut client, settings.schema.as_deref())
            .await
            .map_err(|source| PostgresError::Migrate {
                target: target.clone(),
                source,
            })?;
        drop(client);
        tracing::info!(target = %target, schema = ?settings.schema, "PostgreSQL article store ready");
        Ok(PostgresSink {
            pool,
            target: target.into(),
            failing: Arc::new(AtomicBool::new(false)),
            max_wait: settings.max_wait,
        })
    }

    /// Host, port and database written to (no credentials).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Closes the pool: writes in flight finish, later ones fail with
    /// [`BackendError::Closed`].
    pub fn close(&self) {
        self.pool.close();
    }

    /// One attempt: the whole batch in one transaction.
    async fn attempt(&self, articles: &[&Article]) -> Result<usize, Attempt> {
        let mut client = self.pool.get().await.map_err(pool_attempt)?;
        let tx = client.transaction().await.map_err(db_attempt)?;
        let lock = tx.prepare_cached(LOCK_STORY).await.map_err(db_attempt)?;
        let insert = tx
            .prepare_cached(INSERT_REVISION)
            .await
            .map_err(db_attempt)?;
        let advance = tx.prepare_cached(ADVANCE_STORY).await.map_err(db_attempt)?;
        let mut new = 0;
        for article in articles {
            let row = Row::of(article);
            let latest: i32 = tx
                .query_one(&lock, &[&row.canonical_url, &article.fetched_at])
                .await
                .map_err(db_attempt)?
                .try_get(0)
                .map_err(db_attempt)?;
            let revision = latest.saturating_add(1);
            let inserted = tx
                .execute(
                    &insert,
                    &[
                        &row.canonical_url,
                        &row.content_hash,
                        &revision,
                        &row.url,
                        &row.redirected_from,
                        &row.title,
                        &row.subtitle,
                        &row.authors,
                        &article.fields.published,
                        &article
                            .fields
                            .published
                            .map(|d| d.offset().local_minus_utc()),
                        &article.fields.updated,
                        &article.fields.updated.map(|d| d.offset().local_minus_utc()),
                        &row.section,
                        &row.tags,
                        &row.body,
                        &row.images,
                        &row.related,
                        &row.language,
                        &article.fetched_at,
                        &article.fields.kind_unsure,
                    ],
                )
                .await
                .map_err(db_attempt)?;
            if inserted == 1 {
                tx.execute(
                    &advance,
                    &[&row.canonical_url, &revision, &row.content_hash],
                )
                .await
                .map_err(db_attempt)?;
                new += 1;
            }
        }
        tx.commit().await.map_err(db_attempt)?;
        Ok(new)
    }
}

#[async_trait]
impl ArticleSink for PostgresSink {
    async fn write(&self, articles: Vec<Article>) -> Result<usize, BackendError> {
        if articles.is_empty() {
            return Ok(0);
        }
        // Stable: the versions of one story keep the order they came in.
        let mut ordered: Vec<&Article> = articles.iter().collect();
        ordered.sort_by(|a, b| a.canonical_url.cmp(&b.canonical_url));
        let started = Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            match self.attempt(&ordered).await {
                Ok(new) => {
                    if self.failing.swap(false, Ordering::SeqCst) {
                        tracing::warn!(target = %self.target, "PostgreSQL is back; article writes go on");
                    }
                    return Ok(new);
                }
                Err(Attempt::Closed) => return Err(BackendError::Closed),
                Err(Attempt::Refused(e)) => {
                    tracing::error!(target = %self.target, error = %error_chain(&*e), "PostgreSQL refused an article batch");
                    return Err(BackendError::failed("PostgreSQL", e));
                }
                Err(Attempt::Transient(e)) => {
                    let message = error_chain(&*e);
                    if !self.failing.swap(true, Ordering::SeqCst) {
                        tracing::warn!(
                            target = %self.target,
                            error = %message,
                            "PostgreSQL unavailable; article writes wait and retry"
                        );
                    } else {
                        tracing::debug!(error = %message, ?delay, "PostgreSQL still unavailable");
                    }
                    if started.elapsed() + delay > self.max_wait {
                        return Err(BackendError::unavailable(
                            format!("PostgreSQL at {}", self.target),
                            e,
                        ));
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

/// The text fields of a record, NUL characters removed (PostgreSQL text
/// and JSONB cannot hold them), and its images as JSON.
struct Row<'a> {
    canonical_url: Cow<'a, str>,
    content_hash: Cow<'a, str>,
    url: Cow<'a, str>,
    redirected_from: Vec<Cow<'a, str>>,
    title: Cow<'a, str>,
    subtitle: Option<Cow<'a, str>>,
    authors: Vec<Cow<'a, str>>,
    section: Option<Cow<'a, str>>,
    tags: Vec<Cow<'a, str>>,
    body: Cow<'a, str>,
    images: serde_json::Value,
    related: Vec<Cow<'a, str>>,
    language: Option<Cow<'a, str>>,
}

impl<'a> Row<'a> {
    fn of(a: &'a Article) -> Row<'a> {
        let all = |v: &'a [String]| v.iter().map(|s| clean(s)).collect::<Vec<_>>();
        let images = a
            .fields
            .images
            .iter()
            .map(|i| {
                serde_json::json!({
                    "url": clean(&i.url),
                    "caption": i.caption.as_deref().map(clean),
                })
            })
            .collect();
        Row {
            canonical_url: clean(&a.canonical_url),
            content_hash: clean(&a.content_hash),
            url: clean(&a.url),
            redirected_from: all(&a.redirected_from),
            title: clean(&a.fields.title),
            subtitle: a.fields.subtitle.as_deref().map(clean),
            authors: all(&a.fields.authors),
            section: a.fields.section.as_deref().map(clean),
            tags: all(&a.fields.tags),
            body: clean(&a.fields.body),
            images: serde_json::Value::Array(images),
            related: all(&a.fields.related),
            language: a.language.as_deref().map(clean),
        }
    }
}

/// `text` without NUL characters.
fn clean(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', ""))
    } else {
        Cow::Borrowed(text)
    }
}

/// Applies the migrations not yet applied, under the advisory lock, in one
/// transaction.
async fn migrate(
    client: &mut deadpool_postgres::Client,
    schema: Option<&str>,
) -> Result<(), tokio_postgres::Error> {
    let tx = client.transaction().await?;
    let lock_name = format!("newshound.migrate.{}", schema.unwrap_or(""));
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&MIGRATION_LOCK, &lock_name],
    )
    .await?;
    if let Some(schema) = schema {
        // `schema` is a checked plain identifier.
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .await?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let applied: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await?
        .try_get(0)?;
    let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    if applied > known {
        tracing::warn!(
            applied,
            known,
            "The PostgreSQL schema is newer than this newshound knows"
        );
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > applied) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )
        .await?;
        tracing::info!(version, "PostgreSQL migration applied");
    }
    tx.commit().await
}

/// Whether `schema` is a plain lower-case identifier (safe unquoted in
/// `search_path` and quoted in SQL).
fn valid_schema(schema: &str) -> bool {
    !schema.is_empty()
        && schema.len() <= 63
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !schema.starts_with(|c: char| c.is_ascii_digit())
}

/// `host:port/db` of a connection config, without credentials.
fn describe(pg: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = pg
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = pg
                .get_ports()
                .get(i)
                .or_else(|| pg.get_ports().first())
                .copied()
                .unwrap_or(5432);
            match host {
                tokio_postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(path) => format!("{}:{port}", path.display()),
            }
        })
        .collect();
    let hosts = if hosts.is_empty() {
        "localhost:5432".to_string()
    } else {
        hosts.join(",")
    };
    format!("{hosts}/{}", pg.get_dbname().unwrap_or("(default)"))
}

/// Whether a failure is the connection's (worth a new connection and a
/// retry) rather than the batch's.
fn transient(e: &tokio_postgres::Error) -> bool {
    match e.code() {
        // Not an error from the server: I/O, a closed connection, a
        // connect failure or timeout.
        None => true,
        Some(code) => {
            let class = code.code().get(..2).unwrap_or("");
            class == "08"
                || class == "53"
                || [
                    SqlState::ADMIN_SHUTDOWN,
                    SqlState::CRASH_SHUTDOWN,
                    SqlState::CANNOT_CONNECT_NOW,
                    SqlState::T_R_SERIALIZATION_FAILURE,
                    SqlState::T_R_DEADLOCK_DETECTED,
                    SqlState::READ_ONLY_SQL_TRANSACTION,
                ]
                .contains(code)
        }
    }
}

fn db_attempt(e: tokio_postgres::Error) -> Attempt {
    if transient(&e) {
        Attempt::Transient(e.into())
    } else {
        Attempt::Refused(e.into())
    }
}

fn pool_attempt(e: PoolError) -> Attempt {
    match e {
        PoolError::Backend(e) => db_attempt(e),
        e @ PoolError::Timeout(_) => Attempt::Transient(e.into()),
        PoolError::Closed => Attempt::Closed,
        other => Attempt::Refused(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_without_credentials() {
        let pg: tokio_postgres::Config = "postgres://user:secret@127.0.0.1:5433/news"
            .parse()
            .expect("parses");
        assert_eq!(describe(&pg), "127.0.0.1:5433/news");
    }

    #[test]
    fn schema_names() {
        assert!(valid_schema("newshound_test_1"));
        for bad in ["", "1abc", "Upper", "a-b", "a\"b", "a b"] {
            assert!(!valid_schema(bad), "{bad:?}");
        }
    }

    #[test]
    fn strips_nul() {
        assert_eq!(clean("a\0b"), "ab");
        assert!(matches!(clean("ab"), Cow::Borrowed(_)));
    }
}
