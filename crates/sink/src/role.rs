//! The sink role of the distributed mode: consumes the `articles` queue (fed
//! by the parsers through the articles exchange) and writes each record to an
//! [`ArticleSink`], acking only after the write is synced; with the WARC
//! output on, consumes the `captures` queue the same way into a
//! [`CaptureSink`].

use std::sync::Arc;

use newshound_core::handoff::max_page_message;
use newshound_core::message::{Article, Capture};
use newshound_core::report::error_chain;
use newshound_core::stats::DeadReason;
use newshound_core::worker::log_unsettled;
use newshound_core::{
    ArticleSink, BackendError, CaptureSink, CrawlStats, JobQueue, Queue, Shutdown, codec,
};

/// Captures written at once (each holds a page body).
const CAPTURE_PREFETCH: u16 = 32;

/// Records written at once (unacked deliveries held).
const PREFETCH: u16 = 128;

/// Runs the sink until `shutdown` fires.
///
/// # Errors
/// Fails only when the articles queue cannot be consumed at start.
pub async fn run(
    queue: Arc<dyn JobQueue>,
    sink: Arc<dyn ArticleSink>,
    stats: Arc<CrawlStats>,
    shutdown: Shutdown,
) -> Result<(), BackendError> {
    let consumer = queue.consume(Queue::Articles, PREFETCH).await?;
    newshound_core::worker::drive(
        consumer,
        usize::from(PREFETCH),
        &shutdown,
        move |delivery| {
            let (sink, stats) = (sink.clone(), stats.clone());
            async move {
                let article: Article = match codec::decode_article(&delivery.payload) {
                    Ok(a) => a,
                    Err(e) => {
                        stats.dead_lettered(Queue::Articles, DeadReason::Codec);
                        log_unsettled(delivery.dead_letter(&e.to_string()).await, "article");
                        return;
                    }
                };
                match sink.write(vec![article]).await {
                    Ok(_) => log_unsettled(delivery.ack().await, "article"),
                    Err(e) => {
                        tracing::warn!(error = %error_chain(&e), "Article not written; will retry");
                        stats.retries.add(Queue::Articles, 1);
                        log_unsettled(
                            delivery
                                .retry_after(std::time::Duration::from_secs(2))
                                .await,
                            "article",
                        );
                    }
                }
            }
        },
    )
    .await;
    Ok(())
}

/// Writes the `captures` queue to `warc` until `shutdown` fires; a capture's
/// page body is at most `max_body_bytes` (`fetch.max_body_bytes`).
///
/// # Errors
/// Fails only when the captures queue cannot be consumed at start.
pub async fn run_captures(
    queue: Arc<dyn JobQueue>,
    warc: Arc<dyn CaptureSink>,
    stats: Arc<CrawlStats>,
    max_body_bytes: u64,
    shutdown: Shutdown,
) -> Result<(), BackendError> {
    let max_message = max_page_message(max_body_bytes);
    let consumer = queue.consume(Queue::Captures, CAPTURE_PREFETCH).await?;
    newshound_core::worker::drive(
        consumer,
        usize::from(CAPTURE_PREFETCH),
        &shutdown,
        move |delivery| {
            let (warc, stats) = (warc.clone(), stats.clone());
            async move {
                let capture: Capture = match codec::decode_packed(&delivery.payload, max_message) {
                    Ok(c) => c,
                    Err(e) => {
                        stats.dead_lettered(Queue::Captures, DeadReason::Codec);
                        log_unsettled(delivery.dead_letter(&e.to_string()).await, "capture");
                        return;
                    }
                };
                let url = capture.page.final_url.clone();
                match warc.write(vec![capture]).await {
                    Ok(_) => log_unsettled(delivery.ack().await, "capture"),
                    Err(e) => {
                        tracing::warn!(error = %error_chain(&e), %url, "Capture not written; will retry");
                        stats.retries.add(Queue::Captures, 1);
                        log_unsettled(
                            delivery
                                .retry_after(std::time::Duration::from_secs(2))
                                .await,
                            "capture",
                        );
                    }
                }
            }
        },
    )
    .await;
    Ok(())
}

/// A [`CaptureSink`] that publishes each capture to the `captures` queue,
/// for the sink role to write ([`run_captures`]); the sink drops repeats.
pub struct QueueCaptureSink {
    queue: Arc<dyn JobQueue>,
}

impl QueueCaptureSink {
    /// Publishes on `queue`.
    pub fn new(queue: Arc<dyn JobQueue>) -> QueueCaptureSink {
        QueueCaptureSink { queue }
    }
}

#[async_trait::async_trait]
impl CaptureSink for QueueCaptureSink {
    async fn write(&self, captures: Vec<Capture>) -> Result<usize, BackendError> {
        let mut messages = Vec::with_capacity(captures.len());
        for capture in &captures {
            let payload = codec::encode_packed(capture).map_err(|e| {
                BackendError::failed(format!("encoding capture {}", capture.page.final_url), e)
            })?;
            messages.push(newshound_core::Message::new(payload));
        }
        let n = messages.len();
        self.queue.publish(Queue::Captures, messages).await?;
        Ok(n)
    }
}
