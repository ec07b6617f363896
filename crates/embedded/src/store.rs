//! Opening the embedded store and the state shared by its handles.

use redb::{Database, ReadableTable};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::tables::{IN_FLIGHT, META, READY, Stored};
use crate::writer::{self, Op, Reply, StoreError};
use newshound_core::backend::QueueDepth;
use newshound_core::{BackendError, Queue};

/// Number of queues (the length of the per-queue counters).
pub(crate) const QUEUES: usize = Queue::ALL.len();

/// The embedded store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Another process (another `newshound run`) holds the state file.
    #[error(
        "another newshound run is using the state directory {dir} (stop it first, or give this run its own --out or --state)"
    )]
    InUse {
        /// The state directory.
        dir: String,
    },
    /// The directory or file could not be created, opened or read.
    #[error("embedded state at {path}: {source}")]
    Failed {
        /// The state file.
        path: String,
        /// What went wrong.
        #[source]
        source: OpenFailure,
    },
}

/// Why the embedded state could not be opened (the source of
/// [`OpenError::Failed`]).
#[derive(Debug, thiserror::Error)]
pub enum OpenFailure {
    /// The directory could not be created, or the writer thread not started.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The database file could not be created or opened.
    #[error(transparent)]
    Database(#[from] redb::DatabaseError),
    /// The database could not be read or recovered.
    #[error(transparent)]
    Storage(#[from] redb::Error),
}

/// State shared by the store handle, its consumers and the writer thread.
pub(crate) struct Shared {
    next_seq: AtomicU64,
    depths: Mutex<[QueueDepth; QUEUES]>,
    seen: AtomicU64,
    revisits: AtomicU64,
    wakers: [Notify; QUEUES],
}

impl Shared {
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq.load(Ordering::SeqCst)
    }

    pub(crate) fn set_next_seq(&self, seq: u64) {
        self.next_seq.store(seq, Ordering::SeqCst);
    }

    pub(crate) fn apply_delta(
        &self,
        waiting: &[i64; QUEUES],
        in_flight: &[i64; QUEUES],
        dead: &[i64; QUEUES],
        seen: u64,
        revisits: i64,
    ) {
        if let Ok(mut depths) = self.depths.lock() {
            for q in 0..QUEUES {
                let d = &mut depths[q];
                d.waiting = d.waiting.saturating_add_signed(waiting[q]);
                d.in_flight = d.in_flight.saturating_add_signed(in_flight[q]);
                d.dead = d.dead.saturating_add_signed(dead[q]);
            }
        }
        self.seen.fetch_add(seen, Ordering::SeqCst);
        // The closure always gives a value, so the update always succeeds.
        let _ = self
            .revisits
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                Some(n.saturating_add_signed(revisits))
            });
    }

    pub(crate) fn wake(&self, queue: usize) {
        self.wakers[queue].notify_waiters();
    }

    pub(crate) fn waker(&self, queue: Queue) -> &Notify {
        &self.wakers[queue_index(queue) as usize]
    }

    pub(crate) fn depth(&self, queue: Queue) -> QueueDepth {
        self.depths
            .lock()
            .map(|d| d[queue_index(queue) as usize])
            .unwrap_or_default()
    }

    pub(crate) fn seen_count(&self) -> u64 {
        self.seen.load(Ordering::SeqCst)
    }

    pub(crate) fn revisit_count(&self) -> u64 {
        self.revisits.load(Ordering::SeqCst)
    }
}

/// The table key of a queue ([`Queue::index`], which has five values).
pub(crate) fn queue_index(queue: Queue) -> u8 {
    queue.index() as u8
}

/// The queue of a table index.
pub(crate) fn queue_of(index: u8) -> Option<Queue> {
    Queue::ALL.into_iter().find(|q| queue_index(*q) == index)
}

/// Durable queues, seen-set and revisit schedule in
/// `<state dir>/crawl.redb`.
///
/// Cheap to clone; all clones share one writer thread. The thread ends when
/// the last clone (and every consumer) is dropped.
#[derive(Clone)]
pub struct EmbeddedStore {
    pub(crate) ops: mpsc::Sender<Op>,
    pub(crate) shared: Arc<Shared>,
    /// For reads, which need no writer (each in its own read transaction).
    pub(crate) db: Arc<Database>,
}

impl EmbeddedStore {
    /// Opens (or creates) the store in `dir`. Messages that were delivered but
    /// not settled when the last process stopped go back to their queues,
    /// marked as redelivered.
    ///
    /// # Errors
    /// Fails when the directory or database cannot be created or opened (for
    /// example when another process holds it).
    pub fn open(dir: &Path) -> Result<EmbeddedStore, OpenError> {
        let path = dir.join("crawl.redb");
        let err = |source: OpenFailure| OpenError::Failed {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|e| err(e.into()))?;
        let db = Database::create(&path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => OpenError::InUse {
                dir: dir.display().to_string(),
            },
            e => err(e.into()),
        })?;
        let next_seq = recover(&db).map_err(|e| err(e.into()))?;
        let counts = writer::count_tables(&db).map_err(|e| err(e.into()))?;
        let depths = std::array::from_fn(|q| QueueDepth {
            waiting: counts.waiting[q],
            in_flight: 0,
            dead: counts.dead[q],
            in_flight_unknown: false,
        });
        let shared = Arc::new(Shared {
            next_seq: AtomicU64::new(next_seq),
            depths: Mutex::new(depths),
            seen: AtomicU64::new(counts.seen),
            revisits: AtomicU64::new(counts.revisits),
            wakers: Default::default(),
        });
        let db = Arc::new(db);
        let (ops, rx) = mpsc::channel(4096);
        let (thread_db, thread_shared) = (db.clone(), shared.clone());
        std::thread::Builder::new()
            .name("embedded-store".into())
            .spawn(move || writer::run(thread_db, rx, thread_shared))
            .map_err(|e| err(e.into()))?;
        Ok(EmbeddedStore { ops, shared, db })
    }

    /// Sends an op to the writer and waits for its committed result.
    pub(crate) async fn call<T>(
        &self,
        make: impl FnOnce(Reply<T>) -> Op,
    ) -> Result<T, BackendError> {
        let (tx, rx) = oneshot::channel();
        let op = make(tx);
        let doing = op.doing();
        self.ops.send(op).await.map_err(|_| BackendError::Closed)?;
        match rx.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(BackendError::failed(doing.to_string(), e)),
            Err(_) => Err(BackendError::failed(doing.to_string(), StoreError::Aborted)),
        }
    }
}

/// Moves in-flight messages back to ready; returns the next sequence number.
fn recover(db: &Database) -> Result<u64, redb::Error> {
    let txn = db.begin_write()?;
    let next_seq;
    {
        let mut in_flight = txn.open_table(IN_FLIGHT)?;
        let mut ready = txn.open_table(READY)?;
        let mut meta = txn.open_table(META)?;
        let mut seq = meta.get("next_seq")?.map(|v| v.value()).unwrap_or(0);
        let mut recovered = 0u64;
        while let Some((key, value)) = in_flight.pop_first()? {
            let (queue, _) = key.value();
            let bytes = value.value().to_vec();
            let (priority, bytes) = match Stored::decode(&bytes) {
                Ok(mut stored) => {
                    stored.redelivered = true;
                    (stored.priority, stored.encode())
                }
                Err(_) => (0, bytes),
            };
            ready.insert((queue, 255 - priority, seq), bytes.as_slice())?;
            seq += 1;
            recovered += 1;
        }
        if recovered > 0 {
            tracing::info!(
                recovered,
                "Requeued messages left unsettled by the previous run"
            );
        }
        meta.insert("next_seq", seq)?;
        next_seq = seq;
    }
    txn.commit()?;
    Ok(next_seq)
}
