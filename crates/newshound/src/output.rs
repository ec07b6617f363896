//! The outputs a config names: `OUT/articles.jsonl`, PostgreSQL, or both (a
//! fan-out that succeeds only when both wrote), and the WARC captures.

use anyhow::Context;
use std::path::Path;
use std::sync::Arc;

use newshound_core::ArticleSink;
use newshound_core::config::Config;
use newshound_sink::{
    FanOutSink, JsonlSink, PostgresSettings, PostgresSink, WarcSettings, WarcSink,
};

/// The article sink of a run and where it writes, for the log.
pub struct Output {
    /// Writes to every configured output.
    pub sink: Arc<dyn ArticleSink>,
    /// `out/articles.jsonl`, `PostgreSQL 127.0.0.1:5432/news`, or both.
    pub describe: String,
    /// The WARC output, when `[output] warc` is on.
    pub warc: Option<WarcSink>,
}

/// Opens the WARC output `config` names, if any (in `out_dir/warc` unless
/// it names a directory).
pub fn open_warc(config: &Config, out_dir: &Path) -> anyhow::Result<Option<WarcSink>> {
    let Some(warc) = &config.warc else {
        return Ok(None);
    };
    let robots = if config.politeness.obey_robots {
        "obey"
    } else {
        "ignore"
    };
    let settings = WarcSettings {
        dir: warc.dir_in(out_dir),
        prefix: warc.prefix.clone(),
        max_file_bytes: warc.max_file_bytes,
        info: vec![
            ("isPartOf".into(), config.name.clone()),
            ("robots".into(), robots.into()),
            (
                "http-header-user-agent".into(),
                config.politeness.user_agent.clone(),
            ),
        ],
    };
    Ok(Some(WarcSink::open(settings)?))
}

/// Opens the outputs `config` names (the JSONL file in `out_dir`).
pub async fn open(config: &Config, out_dir: &Path) -> anyhow::Result<Output> {
    let mut sinks: Vec<Arc<dyn ArticleSink>> = Vec::new();
    let mut places = Vec::new();
    if config.jsonl {
        let file = JsonlSink::open(out_dir)?;
        places.push(match file.records() {
            0 => file.path().display().to_string(),
            kept => format!(
                "{} ({kept} records from earlier runs)",
                file.path().display()
            ),
        });
        sinks.push(Arc::new(file));
    }
    if let Some(pg) = &config.postgres {
        let settings = PostgresSettings::new(pg.url.clone(), pg.schema.clone());
        let store = PostgresSink::connect(settings)
            .await
            .context("opening the PostgreSQL article store")?;
        places.push(match &pg.schema {
            Some(schema) => format!("PostgreSQL {} (schema {schema})", store.target()),
            None => format!("PostgreSQL {}", store.target()),
        });
        sinks.push(Arc::new(store));
    }
    let sink: Arc<dyn ArticleSink> = match sinks.len() {
        1 => sinks.remove(0),
        _ => Arc::new(FanOutSink::new(sinks)),
    };
    let warc = open_warc(config, out_dir)?;
    if let Some(warc) = &warc {
        places.push(format!("WARC in {}", warc.dir().display()));
    }
    Ok(Output {
        sink,
        describe: places.join(" and "),
        warc,
    })
}
