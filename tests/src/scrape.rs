//! Scraping a newshound `/metrics` endpoint: a plain HTTP GET and a parse of
//! the OpenMetrics text into series.

use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// A loopback address with a port free at the time of the call, for a
/// process to serve its metrics on.
pub fn free_address() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// One scrape: each series (`name{labels}` as written) and its value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scrape(pub BTreeMap<String, f64>);

impl Scrape {
    /// GETs `http://ADDRESS/metrics` and parses the answer.
    pub fn get(address: SocketAddr) -> anyhow::Result<Scrape> {
        let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(
            stream,
            "GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        let (head, body) = answer
            .split_once("\r\n\r\n")
            .context("an HTTP answer without a blank line")?;
        if !head.starts_with("HTTP/1.1 200") {
            bail!("GET {address}/metrics: {head}");
        }
        if !head
            .to_ascii_lowercase()
            .contains("content-type: application/openmetrics-text")
        {
            bail!("GET {address}/metrics: not OpenMetrics text: {head}");
        }
        Scrape::parse(body)
    }

    /// Parses OpenMetrics text (comments skipped).
    pub fn parse(text: &str) -> anyhow::Result<Scrape> {
        let mut series = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (name, value) = line
                .rsplit_once(' ')
                .with_context(|| format!("a sample line without a value: {line}"))?;
            let value: f64 = value
                .parse()
                .with_context(|| format!("a sample with a bad value: {line}"))?;
            series.insert(name.to_string(), value);
        }
        Ok(Scrape(series))
    }

    /// The value of a series (`name` or `name{labels}` exactly as exposed).
    pub fn value(&self, series: &str) -> anyhow::Result<f64> {
        self.0
            .get(series)
            .copied()
            .with_context(|| format!("no series {series}"))
    }

    /// The sum of every series of the metric family `name` (any labels).
    pub fn sum(&self, name: &str) -> f64 {
        self.0
            .iter()
            .filter(|(series, _)| {
                series.as_str() == name
                    || series
                        .strip_prefix(name)
                        .is_some_and(|r| r.starts_with('{'))
            })
            .map(|(_, value)| value)
            .sum()
    }

    /// The scrapes added up, series by series (the processes of one crawl).
    pub fn total(scrapes: &[Scrape]) -> Scrape {
        let mut series = BTreeMap::new();
        for scrape in scrapes {
            for (name, value) in &scrape.0 {
                *series.entry(name.clone()).or_insert(0.0) += value;
            }
        }
        Scrape(series)
    }
}
