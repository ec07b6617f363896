//! The sink role of the distributed mode: consumes the `articles` queue (fed
//! by the parsers through the articles exchange) and writes each record to an
//! [`ArticleSink`], acking only after the write is synced.

use std::sync::Arc;

use newshound_core::message::Article;
use newshound_core::stats::DeadReason;
use newshound_core::{ArticleSink, BackendError, CrawlStats, JobQueue, Queue, Shutdown, codec};

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
                let article: Article = match codec::decode(&delivery.payload) {
                    Ok(a) => a,
                    Err(e) => {
                        stats.dead_lettered(Queue::Articles, DeadReason::Codec);
                        log(delivery.dead_letter(&e.to_string()).await);
                        return;
                    }
                };
                match sink.write(vec![article]).await {
                    Ok(_) => log(delivery.ack().await),
                    Err(e) => {
                        tracing::warn!(error = %e, "Article not written; will retry");
                        stats.retries.add(Queue::Articles, 1);
                        log(delivery
                            .retry_after(std::time::Duration::from_secs(2))
                            .await);
                    }
                }
            }
        },
    )
    .await;
    Ok(())
}

fn log(result: Result<(), BackendError>) {
    if let Err(e) = result {
        // Unsettled deliveries come back; the file's dedup absorbs the repeat.
        tracing::warn!(error = %e, "Could not settle article");
    }
}
