//! The status report of a crawl (`newshound ctl status`), put together from
//! the backends, the control state and the processes' own reports; and its
//! plain-text rendering.

use chrono::{DateTime, TimeZone, Utc};
use std::collections::BTreeMap;

use newshound_core::control::{
    ControlState, Counters, HostStatus, ProcessStatus, QueueStatus, StatusReport,
};
use newshound_core::message::PageClass;
use newshound_core::{JobQueue, Queue, RevisitSchedule, SeenSet};

/// Revisit entries looked at for each host's next due hub.
const UPCOMING: usize = 10_000;

/// The backends a report reads.
pub struct Sources<'a> {
    /// Queue depths.
    pub queue: &'a dyn JobQueue,
    /// Seen-set size.
    pub seen: &'a dyn SeenSet,
    /// Next due hubs.
    pub revisits: &'a dyn RevisitSchedule,
}

/// Puts the report together; `default_rate` is the configured requests per
/// second of a host no operator set a rate for.
///
/// # Errors
/// When a backend cannot be read.
pub async fn report(
    sources: Sources<'_>,
    state: ControlState,
    processes: Vec<ProcessStatus>,
    default_rate: f64,
) -> anyhow::Result<StatusReport> {
    let mut queues = Vec::new();
    for queue in Queue::ALL {
        queues.push(QueueStatus::new(
            queue.name(),
            sources.queue.depth(queue).await?,
        ));
    }
    let counters = processes
        .iter()
        .fold(Counters::default(), |sum, p| sum.plus(p.counters));
    // Every host fetched from, paused, given a rate or due for a revisit.
    let mut names: Vec<String> = state.paused_hosts.iter().cloned().collect();
    names.extend(state.rates.keys().cloned());
    for p in &processes {
        names.extend(p.hosts.keys().cloned());
    }
    let upcoming = sources.revisits.upcoming(UPCOMING).await?;
    let hub_hosts: Vec<(String, u64)> = upcoming
        .iter()
        .filter(|r| r.class == PageClass::Hub)
        .map(|r| (newshound_core::canon::host_key(&r.url), r.due_ms))
        .collect();
    names.extend(hub_hosts.iter().map(|(h, _)| h.clone()));
    let mut by_host: BTreeMap<String, HostStatus> = names
        .into_iter()
        .map(|name| {
            let host = HostStatus {
                host: name.clone(),
                rate: state.rates.get(&name).copied().unwrap_or(default_rate),
                paused: state.host_paused(&name),
                ..HostStatus::default()
            };
            (name, host)
        })
        .collect();
    for p in &processes {
        for (name, activity) in &p.hosts {
            if let Some(h) = by_host.get_mut(name) {
                h.requests += activity.requests;
                let newer = match (&h.last_error, &activity.last_error) {
                    (Some((a, _)), Some((b, _))) => b > a,
                    (None, Some(_)) => true,
                    _ => false,
                };
                if newer {
                    h.last_error = activity.last_error.clone();
                }
            }
        }
    }
    for (name, due_ms) in hub_hosts {
        if let Some(h) = by_host.get_mut(&name) {
            let due = millis(due_ms);
            if h.next_due_hub.is_none_or(|d| due < Some(d)) {
                h.next_due_hub = due;
            }
        }
    }
    let errors = BTreeMap::from([
        ("fetch".to_string(), counters.fetch_errors),
        ("parse".to_string(), counters.parse_errors),
        ("robots_denied".to_string(), counters.robots_denied),
        ("over_host_budget".to_string(), counters.over_host_budget),
        ("dead_letters".to_string(), counters.dead_letters),
    ]);
    Ok(StatusReport {
        dead_letters: queues.iter().map(|q| q.dead).sum(),
        queues,
        seen_urls: sources.seen.count().await?,
        counters,
        pages_per_sec: processes.iter().map(|p| p.pages_per_sec).sum(),
        articles_per_sec: processes.iter().map(|p| p.articles_per_sec).sum(),
        errors,
        paused: state.paused,
        hosts: by_host.into_values().collect(),
        processes,
    })
}

fn millis(ms: u64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(i64::try_from(ms).ok()?).single()
}

/// The report as text for a terminal.
pub fn render(report: &StatusReport) -> String {
    let c = &report.counters;
    let mut out = String::new();
    let paused = if report.paused { "  PAUSED" } else { "" };
    out.push_str(&format!(
        "pages {} ({:.1}/s), articles extracted {} ({:.1}/s), written {}, seen URLs {}{paused}\n",
        c.pages_fetched,
        report.pages_per_sec,
        c.articles_extracted,
        report.articles_per_sec,
        c.articles_written,
        report.seen_urls,
    ));
    out.push_str("queues:\n");
    for q in &report.queues {
        let in_flight = q
            .in_flight
            .map_or_else(|| "unknown".to_string(), |n| n.to_string());
        out.push_str(&format!(
            "  {:<9} waiting {:>8}  in flight {:>7}  dead {:>6}\n",
            q.name, q.waiting, in_flight, q.dead
        ));
    }
    let errors: Vec<String> = report
        .errors
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    out.push_str(&format!("errors: {}\n", errors.join(", ")));
    if !report.hosts.is_empty() {
        out.push_str("hosts:\n");
        for h in &report.hosts {
            let next = h
                .next_due_hub
                .map_or_else(|| "-".to_string(), |d| d.to_rfc3339());
            let error = h.last_error.as_ref().map_or_else(
                || "-".to_string(),
                |(at, e)| format!("{} {e}", at.to_rfc3339()),
            );
            out.push_str(&format!(
                "  {:<28} {:>6.2} req/s{}  requests {:>6}  next hub {next}  last error {error}\n",
                h.host,
                h.rate,
                if h.paused { " paused" } else { "" },
                h.requests
            ));
        }
    }
    out.push_str(&format!("processes: {}\n", report.processes.len()));
    for p in &report.processes {
        out.push_str(&format!("  {} (at {})\n", p.id, p.at.to_rfc3339()));
    }
    out
}
