//! Claiming due revisits and publishing them as (conditional) fetch jobs.
//!
//! Every frontier process runs this loop; the schedule's atomic claim (with a
//! lease) makes sure two frontiers never fetch the same due page twice in one
//! round. A claimed page whose visit report never comes back (a lost job) is
//! claimed again when its lease ends.

use std::time::Duration;

use crate::FrontierBackends;
use newshound_core::backend::now_ms;
use newshound_core::canon::host_key;
use newshound_core::message::FetchJob;
use newshound_core::report::error_chain;
use newshound_core::{CrawlStats, Message, Queue, Revisit, Shutdown, codec};

/// How often the schedule is asked for due pages.
const TICK: Duration = Duration::from_secs(1);

/// Most revisits claimed per tick.
const CLAIM_MAX: usize = 500;

/// The fetch job of a due revisit: it carries the held version, so the
/// fetcher asks conditionally.
fn job(entry: Revisit) -> FetchJob {
    FetchJob {
        url: entry.url,
        depth: entry.depth,
        kind: entry.kind,
        related: false,
        revisit: Some(entry.version),
    }
}

/// Claims due revisits every tick and publishes their jobs, until `shutdown`.
pub(crate) async fn claim_loop(lease: Duration, backends: FrontierBackends, shutdown: Shutdown) {
    let lease_ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX);
    loop {
        tokio::select! {
            () = shutdown.wait() => return,
            () = tokio::time::sleep(TICK) => {}
        }
        // Drain what is due in chunks, then wait for the next tick.
        loop {
            let claimed = match backends
                .revisits
                .claim_due(now_ms(), lease_ms, CLAIM_MAX)
                .await
            {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %error_chain(&e), "Revisit schedule unavailable; will ask again");
                    break;
                }
            };
            let count = claimed.len();
            let messages: Vec<Message> = claimed
                .into_iter()
                .filter_map(|(_, entry)| {
                    let job = job(entry);
                    let payload = codec::encode(&job).ok()?;
                    Some(Message {
                        payload,
                        priority: job.priority(),
                        partition_key: Some(host_key(&job.url)),
                    })
                })
                .collect();
            let published = messages.len() as u64;
            if let Err(e) = backends.queue.publish(Queue::Fetch, messages).await {
                // Claimed but not published: due again when the lease ends.
                tracing::warn!(error = %error_chain(&e), "Revisit jobs not published; retried after the lease");
                break;
            }
            CrawlStats::add(&backends.stats.revisits_scheduled, published);
            if count < CLAIM_MAX {
                break;
            }
        }
    }
}
