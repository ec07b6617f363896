//! The single writer thread. Every mutation of the store goes through it as an
//! [`Op`]; it takes all operations waiting, applies them in one write
//! transaction, commits durably (one fsync for the whole batch) and only then
//! answers each caller. A caller that got its answer knows its change survives
//! a crash.

use redb::{Database, ReadableTable, ReadableTableMetadata, WriteTransaction};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

use crate::store::{QUEUES, Shared, queue_of};
use crate::tables::{
    DEAD, DELAYED, HOST_PAGES, IN_FLIGHT, META, READY, REVISIT_DUE, REVISIT_STATE, SEEN, Stored,
};
use crate::{budget, revisit};
use newshound_core::backend::now_ms;
use newshound_core::report::error_chain;
use newshound_core::{Message, Revisit};

/// Why the writer did not carry out an operation. The whole batch it was in
/// fails with it (one transaction), so every caller of the batch gets the
/// same error, shared as an `Arc<StoreError>`: the source of the caller's
/// [`BackendError`](newshound_core::BackendError).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The write transaction could not be started.
    #[error("embedded store: starting a write transaction: {0}")]
    Begin(#[source] redb::TransactionError),
    /// A table could not be opened, read or written while the batch was
    /// applied.
    #[error("embedded store: applying a batch: {0}")]
    Write(#[source] redb::Error),
    /// The next sequence number could not be stored.
    #[error("embedded store: storing the next sequence number: {0}")]
    Sequence(#[source] redb::Error),
    /// The transaction could not be committed.
    #[error("embedded store: committing: {0}")]
    Commit(#[source] redb::CommitError),
    /// The operation was dropped unanswered: another operation of its batch
    /// failed first, or the writer thread stopped.
    #[error("embedded store batch aborted")]
    Aborted,
}

/// Where an op's result goes back to its caller.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, Arc<StoreError>>>;

/// Largest number of operations applied in one transaction.
const MAX_BATCH: usize = 2048;

/// How a delivered message is settled.
pub(crate) enum Settlement {
    Ack,
    Requeue,
    Retry(Duration),
    /// Back after the delay, as the same attempt.
    Defer(Duration),
    Dead(String),
}

/// One mutation, with the channel its result goes back on.
pub(crate) enum Op {
    Publish {
        queue: u8,
        messages: Vec<Message>,
        reply: Reply<()>,
    },
    Pop {
        queue: u8,
        max: usize,
        reply: Reply<Vec<(u64, Stored)>>,
    },
    Settle {
        queue: u8,
        seq: u64,
        how: Settlement,
        reply: Reply<()>,
    },
    Seen {
        fingerprints: Vec<u64>,
        reply: Reply<Vec<bool>>,
    },
    /// Inserts or replaces revisit entries: (fingerprint, due ms, encoded
    /// entry).
    RevisitPut {
        entries: Vec<(u64, u64, Vec<u8>)>,
        reply: Reply<()>,
    },
    RevisitRemove {
        fingerprint: u64,
        reply: Reply<()>,
    },
    RevisitClaim {
        now_ms: u64,
        lease_ms: u64,
        max: usize,
        reply: Reply<Vec<(u64, Revisit)>>,
    },
    /// Takes pages from hosts' budgets: (host, pages wanted), up to `limit`
    /// per host; answers the pages granted per request.
    BudgetTake {
        requests: Vec<(String, u64)>,
        limit: u64,
        reply: Reply<Vec<u64>>,
    },
}

impl Op {
    /// What the op does, for its caller's error.
    pub(crate) fn doing(&self) -> Doing {
        let (action, queue) = match self {
            Op::Publish { queue, .. } => ("publishing to", Some(*queue)),
            Op::Pop { queue, .. } => ("taking from", Some(*queue)),
            Op::Settle { queue, how, .. } => {
                let action = match how {
                    Settlement::Ack => "acking a delivery of",
                    Settlement::Requeue => "requeueing a delivery of",
                    Settlement::Retry(_) => "retrying a delivery of",
                    Settlement::Defer(_) => "deferring a delivery of",
                    Settlement::Dead(_) => "dead-lettering a delivery of",
                };
                (action, Some(*queue))
            }
            Op::Seen { .. } => ("inserting into the seen-set", None),
            Op::RevisitPut { .. } => ("storing revisit entries", None),
            Op::RevisitRemove { .. } => ("removing a revisit entry", None),
            Op::RevisitClaim { .. } => ("claiming due revisits", None),
            Op::BudgetTake { .. } => ("taking from host page budgets", None),
        };
        Doing { action, queue }
    }
}

/// What an op does ("publishing to queue fetch"), kept until its answer
/// comes and written out only when it is an error.
#[derive(Clone, Copy)]
pub(crate) struct Doing {
    action: &'static str,
    queue: Option<u8>,
}

impl std::fmt::Display for Doing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.action)?;
        match self.queue.map(queue_of) {
            Some(Some(queue)) => write!(f, " queue {}", queue.name()),
            Some(None) => write!(f, " an unknown queue"),
            None => Ok(()),
        }
    }
}

/// The result of one op, held until the batch is committed.
enum Outcome {
    Done(Reply<()>),
    Popped(Reply<Vec<(u64, Stored)>>, Vec<(u64, Stored)>),
    Seen(Reply<Vec<bool>>, Vec<bool>),
    Claimed(Reply<Vec<(u64, Revisit)>>, Vec<(u64, Revisit)>),
    Granted(Reply<Vec<u64>>, Vec<u64>),
}

impl Outcome {
    fn fail(self, error: &Arc<StoreError>) {
        // A caller that went away no longer needs its answer.
        match self {
            Outcome::Done(r) => drop(r.send(Err(error.clone()))),
            Outcome::Popped(r, _) => drop(r.send(Err(error.clone()))),
            Outcome::Seen(r, _) => drop(r.send(Err(error.clone()))),
            Outcome::Claimed(r, _) => drop(r.send(Err(error.clone()))),
            Outcome::Granted(r, _) => drop(r.send(Err(error.clone()))),
        }
    }

    fn succeed(self) {
        match self {
            Outcome::Done(r) => drop(r.send(Ok(()))),
            Outcome::Popped(r, v) => drop(r.send(Ok(v))),
            Outcome::Seen(r, v) => drop(r.send(Ok(v))),
            Outcome::Claimed(r, v) => drop(r.send(Ok(v))),
            Outcome::Granted(r, v) => drop(r.send(Ok(v))),
        }
    }
}

/// Changes to the in-memory counters made by one batch.
#[derive(Default)]
pub(crate) struct Delta {
    waiting: [i64; QUEUES],
    in_flight: [i64; QUEUES],
    dead: [i64; QUEUES],
    seen: u64,
    /// Revisit entries added (positive) or removed (negative).
    pub(crate) revisits: i64,
    woken: [bool; QUEUES],
}

/// Runs until every sender is dropped.
pub(crate) fn run(db: Arc<Database>, mut rx: mpsc::Receiver<Op>, shared: Arc<Shared>) {
    while let Some(first) = rx.blocking_recv() {
        let mut ops = vec![first];
        while ops.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        let mut delta = Delta::default();
        let mut outcomes = Vec::with_capacity(ops.len());
        let result = db.begin_write().map_err(StoreError::Begin).and_then(|txn| {
            let mut seq = shared.next_seq();
            for op in ops {
                match apply(&txn, op, &mut seq, &mut delta) {
                    Ok(outcome) => outcomes.push(outcome),
                    Err((outcome, e)) => {
                        txn.abort().ok();
                        // Answered with the batch's error below.
                        outcomes.push(outcome);
                        return Err(StoreError::Write(*e));
                    }
                }
            }
            {
                let mut meta = txn
                    .open_table(META)
                    .map_err(|e| StoreError::Sequence(e.into()))?;
                meta.insert("next_seq", seq)
                    .map_err(|e| StoreError::Sequence(e.into()))?;
            }
            txn.commit().map_err(StoreError::Commit)?;
            shared.set_next_seq(seq);
            Ok(())
        });
        match result {
            Ok(()) => {
                shared.apply_delta(
                    &delta.waiting,
                    &delta.in_flight,
                    &delta.dead,
                    delta.seen,
                    delta.revisits,
                );
                for outcome in outcomes {
                    outcome.succeed();
                }
                for (queue, woken) in delta.woken.iter().enumerate() {
                    if *woken {
                        shared.wake(queue);
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %error_chain(&e), "Embedded store commit failed");
                let e = Arc::new(e);
                for outcome in outcomes {
                    outcome.fail(&e);
                }
            }
        }
    }
}

/// An op's outcome, or, when it failed, its outcome to answer with the
/// batch's error and the error (boxed: redb's is large).
type Applied = Result<Outcome, (Outcome, Box<redb::Error>)>;

fn apply(txn: &WriteTransaction, op: Op, seq: &mut u64, delta: &mut Delta) -> Applied {
    match op {
        Op::Publish {
            queue,
            messages,
            reply,
        } => match publish(txn, queue, messages, seq, delta) {
            Ok(()) => Ok(Outcome::Done(reply)),
            Err(e) => Err((Outcome::Done(reply), e.into())),
        },
        Op::Pop { queue, max, reply } => match pop(txn, queue, max, delta) {
            Ok(items) => Ok(Outcome::Popped(reply, items)),
            Err(e) => Err((Outcome::Popped(reply, Vec::new()), e.into())),
        },
        Op::Settle {
            queue,
            seq: id,
            how,
            reply,
        } => match settle(txn, queue, id, how, seq, delta) {
            Ok(()) => Ok(Outcome::Done(reply)),
            Err(e) => Err((Outcome::Done(reply), e.into())),
        },
        Op::Seen {
            fingerprints,
            reply,
        } => match seen(txn, &fingerprints, delta) {
            Ok(fresh) => Ok(Outcome::Seen(reply, fresh)),
            Err(e) => Err((Outcome::Seen(reply, Vec::new()), e.into())),
        },
        Op::RevisitPut { entries, reply } => match revisit::put(txn, entries, delta) {
            Ok(()) => Ok(Outcome::Done(reply)),
            Err(e) => Err((Outcome::Done(reply), e.into())),
        },
        Op::RevisitRemove { fingerprint, reply } => {
            match revisit::remove(txn, fingerprint, delta) {
                Ok(()) => Ok(Outcome::Done(reply)),
                Err(e) => Err((Outcome::Done(reply), e.into())),
            }
        }
        Op::RevisitClaim {
            now_ms,
            lease_ms,
            max,
            reply,
        } => match revisit::claim(txn, now_ms, lease_ms, max, delta) {
            Ok(claimed) => Ok(Outcome::Claimed(reply, claimed)),
            Err(e) => Err((Outcome::Claimed(reply, Vec::new()), e.into())),
        },
        Op::BudgetTake {
            requests,
            limit,
            reply,
        } => match budget::take(txn, &requests, limit) {
            Ok(granted) => Ok(Outcome::Granted(reply, granted)),
            Err(e) => Err((Outcome::Granted(reply, Vec::new()), e.into())),
        },
    }
}

fn publish(
    txn: &WriteTransaction,
    queue: u8,
    messages: Vec<Message>,
    seq: &mut u64,
    delta: &mut Delta,
) -> Result<(), redb::Error> {
    let mut ready = txn.open_table(READY)?;
    let count = messages.len() as i64;
    for m in messages {
        let stored = Stored {
            priority: m.priority,
            attempt: 1,
            redelivered: false,
            partition_key: m.partition_key,
            dead_reason: None,
            payload: m.payload,
        };
        ready.insert(
            (queue, 255 - stored.priority, *seq),
            stored.encode().as_slice(),
        )?;
        *seq += 1;
    }
    delta.waiting[queue as usize] += count;
    delta.woken[queue as usize] = true;
    Ok(())
}

fn pop(
    txn: &WriteTransaction,
    queue: u8,
    max: usize,
    delta: &mut Delta,
) -> Result<Vec<(u64, Stored)>, redb::Error> {
    let mut ready = txn.open_table(READY)?;
    // Retries that are due go back to the ready table first.
    {
        let mut delayed = txn.open_table(DELAYED)?;
        let due: Vec<((u8, u64, u64), Vec<u8>)> = delayed
            .range((queue, 0, 0)..=(queue, now_ms(), u64::MAX))?
            .map(|entry| entry.map(|(k, v)| (k.value(), v.value().to_vec())))
            .collect::<Result<_, _>>()?;
        for (key, bytes) in due {
            delayed.remove(key)?;
            let priority = Stored::decode(&bytes).map(|s| s.priority).unwrap_or(0);
            ready.insert((queue, 255 - priority, key.2), bytes.as_slice())?;
        }
    }
    let taken: Vec<((u8, u8, u64), Vec<u8>)> = ready
        .range((queue, 0, 0)..=(queue, 255, u64::MAX))?
        .take(max)
        .map(|entry| entry.map(|(k, v)| (k.value(), v.value().to_vec())))
        .collect::<Result<_, _>>()?;
    let mut in_flight = txn.open_table(IN_FLIGHT)?;
    let mut out = Vec::with_capacity(taken.len());
    for (key, bytes) in taken {
        ready.remove(key)?;
        match Stored::decode(&bytes) {
            Ok(stored) => {
                in_flight.insert((queue, key.2), bytes.as_slice())?;
                out.push((key.2, stored));
            }
            Err(e) => {
                // Not ours to interpret: park it rather than block the queue.
                tracing::warn!(queue, error = %e, "Undecodable stored message moved to dead letters");
                txn.open_table(DEAD)?
                    .insert((queue, key.2), bytes.as_slice())?;
                delta.waiting[queue as usize] -= 1;
                delta.dead[queue as usize] += 1;
            }
        }
    }
    delta.waiting[queue as usize] -= out.len() as i64;
    delta.in_flight[queue as usize] += out.len() as i64;
    Ok(out)
}

fn settle(
    txn: &WriteTransaction,
    queue: u8,
    id: u64,
    how: Settlement,
    seq: &mut u64,
    delta: &mut Delta,
) -> Result<(), redb::Error> {
    let mut in_flight = txn.open_table(IN_FLIGHT)?;
    let Some(bytes) = in_flight.remove((queue, id))?.map(|v| v.value().to_vec()) else {
        // Settled twice (cannot happen through `Delivery`): nothing to do.
        return Ok(());
    };
    delta.in_flight[queue as usize] -= 1;
    let q = queue as usize;
    let mut stored = match Stored::decode(&bytes) {
        Ok(s) => s,
        Err(_) => return Ok(()),
    };
    match how {
        Settlement::Ack => {}
        Settlement::Requeue => {
            stored.redelivered = true;
            txn.open_table(READY)?.insert(
                (queue, 255 - stored.priority, *seq),
                stored.encode().as_slice(),
            )?;
            *seq += 1;
            delta.waiting[q] += 1;
            delta.woken[q] = true;
        }
        Settlement::Retry(delay) | Settlement::Defer(delay) => {
            if matches!(how, Settlement::Retry(_)) {
                stored.attempt += 1;
            }
            let due = now_ms() + delay.as_millis() as u64;
            txn.open_table(DELAYED)?
                .insert((queue, due, *seq), stored.encode().as_slice())?;
            *seq += 1;
            delta.waiting[q] += 1;
        }
        Settlement::Dead(reason) => {
            stored.dead_reason = Some(reason);
            txn.open_table(DEAD)?
                .insert((queue, id), stored.encode().as_slice())?;
            delta.dead[q] += 1;
        }
    }
    Ok(())
}

fn seen(
    txn: &WriteTransaction,
    fingerprints: &[u64],
    delta: &mut Delta,
) -> Result<Vec<bool>, redb::Error> {
    let mut table = txn.open_table(SEEN)?;
    let mut fresh = Vec::with_capacity(fingerprints.len());
    for fp in fingerprints {
        let new = table.insert(*fp, ())?.is_none();
        if new {
            delta.seen += 1;
        }
        fresh.push(new);
    }
    Ok(fresh)
}

/// What [`count_tables`] found at open.
pub(crate) struct Counts {
    /// Waiting messages (ready and delayed) per queue.
    pub(crate) waiting: [u64; QUEUES],
    /// Dead letters per queue.
    pub(crate) dead: [u64; QUEUES],
    /// Fingerprints in the seen-set.
    pub(crate) seen: u64,
    /// Entries of the revisit schedule.
    pub(crate) revisits: u64,
}

/// Counts of each table per queue, read once at open (creating the tables
/// that do not exist yet).
pub(crate) fn count_tables(db: &Database) -> Result<Counts, redb::Error> {
    let txn = db.begin_write()?;
    let mut waiting = [0u64; QUEUES];
    let mut dead = [0u64; QUEUES];
    let seen;
    let revisits;
    {
        let ready = txn.open_table(READY)?;
        let delayed = txn.open_table(DELAYED)?;
        let dead_t = txn.open_table(DEAD)?;
        for q in 0..QUEUES as u8 {
            waiting[q as usize] = ready.range((q, 0, 0)..=(q, 255, u64::MAX))?.count() as u64
                + delayed.range((q, 0, 0)..=(q, u64::MAX, u64::MAX))?.count() as u64;
            dead[q as usize] = dead_t.range((q, 0)..=(q, u64::MAX))?.count() as u64;
        }
        seen = txn.open_table(SEEN)?.len()?;
        revisits = txn.open_table(REVISIT_STATE)?.len()?;
        txn.open_table(REVISIT_DUE)?;
        txn.open_table(HOST_PAGES)?;
        txn.open_table(IN_FLIGHT)?;
        txn.open_table(META)?;
    }
    txn.commit()?;
    Ok(Counts {
        waiting,
        dead,
        seen,
        revisits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_op_says_what_it_does() {
        let (reply, _rx) = oneshot::channel();
        let op = Op::Publish {
            queue: crate::store::queue_index(newshound_core::Queue::Fetch),
            messages: Vec::new(),
            reply,
        };
        assert_eq!(op.doing().to_string(), "publishing to queue fetch");
        let (reply, _rx) = oneshot::channel();
        let op = Op::Settle {
            queue: 200,
            seq: 1,
            how: Settlement::Ack,
            reply,
        };
        assert_eq!(
            op.doing().to_string(),
            "acking a delivery of an unknown queue"
        );
        let (reply, _rx) = oneshot::channel();
        let op = Op::Seen {
            fingerprints: Vec::new(),
            reply,
        };
        assert_eq!(op.doing().to_string(), "inserting into the seen-set");
    }
}
