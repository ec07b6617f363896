//! The Prometheus endpoint: `GET /metrics` on the `[metrics] listen` address
//! answers the process's [`CrawlStats`] and the depths of the queues its
//! roles consume (sampled at each scrape), in the OpenMetrics text format.
//!
//! The counters live in [`CrawlStats`] alone; a scrape only reads them.

use anyhow::Context;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use newshound_core::backend::QueueDepth;
use newshound_core::report::error_chain;
use newshound_core::stats::{DeadReason, DurationHistogram, FetchClass};
use newshound_core::{CrawlStats, JobQueue, PageHandoff, Queue};

/// The content type of the OpenMetrics text format.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Longest a scrape waits for one queue's depth (RabbitMQ's management API).
const DEPTH_TIMEOUT: Duration = Duration::from_secs(3);

/// What a process's endpoint reports.
pub struct MetricsSource {
    /// The site's name (`[site] name`), the `site` label of the article counters.
    pub site: String,
    /// The process's counters.
    pub stats: Arc<CrawlStats>,
    /// The queue backend, for depths.
    pub queue: Arc<dyn JobQueue>,
    /// How the process's pages reach its parser, for the pages queue's depth.
    pub pages: Arc<dyn PageHandoff>,
    /// The queues whose depths are reported: those the process consumes.
    pub queues: Vec<Queue>,
}

/// Binds `listen` and serves `/metrics` from `source` on a background task
/// for the rest of the process's life.
///
/// # Errors
/// Fails when the address cannot be bound.
pub async fn serve(listen: SocketAddr, source: MetricsSource) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding the metrics endpoint on {listen} ([metrics] listen)"))?;
    let router = axum::Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .with_state(Arc::new(source));
    tracing::info!(address = %listen, "Serving metrics on /metrics");
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::warn!(error = %e, "Metrics endpoint stopped");
        }
    });
    Ok(())
}

async fn scrape(State(source): State<Arc<MetricsSource>>) -> Response {
    let mut depths = Vec::with_capacity(source.queues.len());
    for &queue in &source.queues {
        let depth = async {
            match queue {
                Queue::Pages => source.pages.depth().await,
                _ => source.queue.depth(queue).await,
            }
        };
        match tokio::time::timeout(DEPTH_TIMEOUT, depth).await {
            Ok(Ok(depth)) => depths.push((queue, depth)),
            Ok(Err(e)) => {
                tracing::debug!(queue = queue.name(), error = %error_chain(&e), "Queue depth unknown")
            }
            Err(_) => tracing::debug!(queue = queue.name(), "Queue depth timed out"),
        }
    }
    match render(&source.site, &source.stats, depths) {
        Ok(text) => ([(header::CONTENT_TYPE, OPENMETRICS)], text).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The metrics text of `stats` and the sampled queue `depths`.
///
/// # Errors
/// Only when the encoder fails to write into the string.
pub fn render(
    site: &str,
    stats: &Arc<CrawlStats>,
    depths: Vec<(Queue, QueueDepth)>,
) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Snapshot {
        site: site.to_string(),
        stats: stats.clone(),
        depths,
    }));
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    Ok(text)
}

/// One scrape's view: the live counters and the depths sampled for it.
#[derive(Debug)]
struct Snapshot {
    site: String,
    stats: Arc<CrawlStats>,
    depths: Vec<(Queue, QueueDepth)>,
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let s = &self.stats;
        let mut fetches = encoder.encode_descriptor(
            "newshound_fetches",
            "Page fetches (robots.txt excluded) by status class; `error`: no usable answer (transport failure, redirect loop, body too large)",
            None,
            MetricType::Counter,
        )?;
        for class in FetchClass::ALL {
            labelled_counter(&mut fetches, ("class", class.label()), s.fetches.get(class))?;
        }
        let counters: [(&str, &str, &AtomicU64); 11] = [
            (
                "newshound_pages_fetched",
                "Pages fetched and handed to the parsers (2xx, or 304 to a conditional revisit)",
                &s.pages_fetched,
            ),
            (
                "newshound_fetched_bytes",
                "Body bytes of the pages handed to the parsers",
                &s.bytes_fetched,
            ),
            (
                "newshound_robots_fetches",
                "robots.txt requests",
                &s.robots_fetches,
            ),
            (
                "newshound_robots_denied",
                "Fetch jobs robots.txt forbade",
                &s.robots_denied,
            ),
            (
                "newshound_dedup_misses",
                "In-scope discovered URLs the seen-set did not hold (new URLs)",
                &s.dedup_misses,
            ),
            (
                "newshound_dedup_hits",
                "In-scope discovered URLs the seen-set already held",
                &s.dedup_hits,
            ),
            (
                "newshound_urls_scheduled",
                "New URLs the frontier scheduled for fetching",
                &s.urls_scheduled,
            ),
            (
                "newshound_revisits_scheduled",
                "Due revisits the frontier scheduled for fetching again",
                &s.revisits_scheduled,
            ),
            (
                "newshound_over_host_budget",
                "New URLs dropped because their host's page budget was spent",
                &s.over_host_budget,
            ),
            (
                "newshound_extraction_failures",
                "Pages the parser could not read (unreadable feed or sitemap, extractor failure)",
                &s.parse_errors,
            ),
            (
                "newshound_pages_not_text",
                "Pages whose bytes are not text (binary junk served as a page), written as no article",
                &s.not_text,
            ),
        ];
        for (name, help, value) in counters {
            let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            counter_value(&mut metric, CrawlStats::get(value))?;
        }
        let articles = [
            (
                "newshound_articles_extracted",
                "Articles the parsers extracted and handed on to be written",
                &s.articles_extracted,
            ),
            (
                "newshound_articles_written",
                "Article records written to the output (repeats dropped)",
                &s.articles_written,
            ),
        ];
        for (name, help, value) in articles {
            let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            let site = ("site", self.site.as_str());
            labelled_counter(&mut metric, site, CrawlStats::get(value))?;
        }
        let by_queue = [
            (
                "newshound_retries",
                "Deliveries sent back to their queue to be tried again later",
                &s.retries,
            ),
            (
                "newshound_dead_letters",
                "Messages parked as dead letters",
                &s.dead_letters,
            ),
        ];
        for (name, help, counts) in by_queue {
            let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            for queue in Queue::ALL {
                labelled_counter(&mut metric, ("queue", queue.name()), counts.get(queue))?;
            }
        }
        let mut metric = encoder.encode_descriptor(
            "newshound_dead_letter_reasons",
            "Messages parked as dead letters, by why",
            None,
            MetricType::Counter,
        )?;
        for reason in DeadReason::ALL {
            let count = s.dead_letter_reasons.get(reason);
            labelled_counter(&mut metric, ("reason", reason.label()), count)?;
        }
        let mut metric = encoder.encode_descriptor(
            "newshound_hosts_held",
            "Hosts failing now (unreachable, or their robots.txt unavailable), retried later",
            None,
            MetricType::Gauge,
        )?;
        metric.encode_gauge(&CrawlStats::get(&s.hosts_held))?;
        let histograms = [
            (
                "newshound_fetch_duration_seconds",
                "Page fetch time, request to whole body",
                &s.fetch_latency,
            ),
            (
                "newshound_politeness_wait_seconds",
                "Time waited for a host's rate limiter and concurrency limit before a request",
                &s.politeness_wait,
            ),
        ];
        for (name, help, histogram) in histograms {
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Histogram)?;
            histogram_value(metric, histogram)?;
        }
        let gauges: [(&str, &str, DepthField); 3] = [
            (
                "newshound_queue_waiting",
                "Messages waiting in a queue (ready, or delayed for a retry)",
                |d| Some(d.waiting),
            ),
            (
                "newshound_queue_in_flight",
                "Messages delivered from a queue and not yet settled (no sample while unknown)",
                |d| (!d.in_flight_unknown).then_some(d.in_flight),
            ),
            (
                "newshound_queue_dead",
                "Messages in a queue's dead-letter store",
                |d| Some(d.dead),
            ),
        ];
        for (name, help, field) in gauges {
            let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            for (queue, depth) in &self.depths {
                let labels = [("queue", queue.name())];
                // An unknown figure has no sample: absent, not 0.
                if let Some(value) = field(depth) {
                    metric.encode_family(&labels)?.encode_gauge(&value)?;
                }
            }
        }
        Ok(())
    }
}

/// Reads one figure of a queue's depth (`None`: unknown).
type DepthField = fn(&QueueDepth) -> Option<u64>;

fn counter_value(metric: &mut MetricEncoder<'_>, value: u64) -> Result<(), std::fmt::Error> {
    metric.encode_counter::<NoLabelSet, u64, u64>(&value, None)
}

fn labelled_counter(
    metric: &mut MetricEncoder<'_>,
    label: (&str, &str),
    value: u64,
) -> Result<(), std::fmt::Error> {
    let labels = [label];
    counter_value(&mut metric.encode_family(&labels)?, value)
}

fn histogram_value(
    mut metric: MetricEncoder<'_>,
    histogram: &DurationHistogram,
) -> Result<(), std::fmt::Error> {
    let snapshot = histogram.snapshot();
    metric.encode_histogram::<NoLabelSet>(
        snapshot.sum_secs,
        snapshot.count,
        &snapshot.buckets,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_names_every_metric_with_its_labels() {
        let stats = Arc::new(CrawlStats::default());
        stats.fetches.count(FetchClass::Success);
        stats.fetches.count(FetchClass::Success);
        stats.fetches.count(FetchClass::Failed);
        stats.fetch_latency.observe(Duration::from_millis(30));
        stats.retries.add(Queue::Fetch, 2);
        CrawlStats::add(&stats.articles_written, 5);
        stats.dead_lettered(Queue::Fetch, DeadReason::TooLarge);
        stats
            .hosts_held
            .store(2, std::sync::atomic::Ordering::Relaxed);
        let depth = QueueDepth {
            waiting: 7,
            in_flight: 1,
            dead: 0,
            in_flight_unknown: false,
        };
        let unknown = QueueDepth {
            waiting: 3,
            in_flight: 0,
            dead: 0,
            in_flight_unknown: true,
        };
        let text = render(
            "fixture",
            &stats,
            vec![(Queue::Links, depth), (Queue::Pages, unknown)],
        )
        .expect("rendered");
        assert!(
            !text.contains("newshound_queue_in_flight{queue=\"pages\"}"),
            "an unknown in-flight count has no sample:\n{text}"
        );
        for line in [
            "newshound_fetches_total{class=\"2xx\"} 2",
            "newshound_fetches_total{class=\"error\"} 1",
            "newshound_fetches_total{class=\"5xx\"} 0",
            "newshound_articles_written_total{site=\"fixture\"} 5",
            "newshound_retries_total{queue=\"fetch\"} 2",
            "newshound_fetch_duration_seconds_count 1",
            "newshound_fetch_duration_seconds_bucket{le=\"0.05\"} 1",
            "newshound_fetch_duration_seconds_bucket{le=\"0.025\"} 0",
            "newshound_fetch_duration_seconds_bucket{le=\"+Inf\"} 1",
            "newshound_politeness_wait_seconds_count 0",
            "newshound_queue_waiting{queue=\"links\"} 7",
            "newshound_queue_in_flight{queue=\"links\"} 1",
            "newshound_queue_waiting{queue=\"pages\"} 3",
            "newshound_dedup_misses_total 0",
            "newshound_dead_letter_reasons_total{reason=\"too_large\"} 1",
            "newshound_dead_letter_reasons_total{reason=\"retries_used_up\"} 0",
            "newshound_hosts_held 2",
            "# TYPE newshound_queue_dead gauge",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
        }
    }
}
