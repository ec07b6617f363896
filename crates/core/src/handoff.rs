//! How fetched pages reach the parsers.
//!
//! A fetched page does not need to be durable to be safe, only its fetch
//! job: a page lost in a crash is fetched again if its job was not acked.
//! So there are two ways from fetcher to parser, chosen by how the roles
//! run, with the same guarantee:
//!
//! - [`QueuePages`] (fetcher and parser in separate processes): the page is
//!   compressed and published to the pages queue, and once that is durable
//!   the fetch job is acked;
//! - [`MemoryPages`] (fetcher and parser in one process, `newshound run`):
//!   the page goes through a bounded channel as it is, and its fetch job
//!   stays unacked until the parser settles the page: acking the page acks
//!   the job, retrying the page retries the job (the page is fetched again).
//!   Nothing is compressed, copied into a message or written per page.
//!   A job whose page waits for the parser still counts against the
//!   fetcher's prefetch (`fetch.concurrency`): a parser that falls behind
//!   slows the fetches down instead of piling pages up.

use async_trait::async_trait;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc};

use crate::backend::{BackendError, Consumer, Delivery, JobQueue, Message, Queue, QueueDepth};
use crate::codec::{self, CodecError};
use crate::message::FetchedPage;
use crate::shutdown::Shutdown;

/// A page in the parser's hands, to be settled once through `delivery`.
pub struct PageDelivery {
    /// The page, or why its message could not be read (a poison message:
    /// the parser dead-letters it).
    pub page: Result<FetchedPage, CodecError>,
    /// Settles the page: the pages queue's delivery, or (in memory) the
    /// fetch job's own.
    pub delivery: Delivery,
}

/// A page could not be handed over; the fetch job comes back with the error
/// so that the fetcher settles it (retries it).
pub struct NotHanded {
    /// Why.
    pub error: BackendError,
    /// The fetch job's delivery, still unsettled.
    pub job: Delivery,
}

/// The way fetched pages go from fetchers to parsers.
#[async_trait]
pub trait PageHandoff: Send + Sync {
    /// Hands `page` to the parsers and takes charge of settling `job`, the
    /// delivery of the fetch job that produced it.
    async fn hand_over(&self, page: FetchedPage, job: Delivery) -> Result<(), NotHanded>;

    /// The parsers' side: pages to read, at most `prefetch` unsettled.
    async fn pages(&self, prefetch: u16) -> Result<Box<dyn Consumer<PageDelivery>>, BackendError>;

    /// Pages handed over and not yet settled by a parser.
    async fn depth(&self) -> Result<QueueDepth, BackendError>;
}

/// Pages through the pages queue, zstd-compressed: for fetchers and parsers
/// in separate processes.
pub struct QueuePages {
    queue: Arc<dyn JobQueue>,
    max_message_bytes: u64,
}

impl QueuePages {
    /// Pages on `queue`, whose bodies are at most `max_body_bytes`
    /// (`fetch.max_body_bytes`).
    pub fn new(queue: Arc<dyn JobQueue>, max_body_bytes: u64) -> QueuePages {
        QueuePages {
            queue,
            max_message_bytes: max_page_message(max_body_bytes),
        }
    }
}

/// The most a message holding one page (a page or its capture) inflates
/// to, for bodies of at most `max_body_bytes`: the body, the body as
/// received when it was content-coded, and a megabyte for the rest.
pub fn max_page_message(max_body_bytes: u64) -> u64 {
    max_body_bytes.saturating_mul(2).saturating_add(1 << 20)
}

#[async_trait]
impl PageHandoff for QueuePages {
    async fn hand_over(&self, page: FetchedPage, job: Delivery) -> Result<(), NotHanded> {
        let priority = page.job.priority();
        let published = match codec::encode_packed(&page) {
            Ok(payload) => {
                let message = Message {
                    payload,
                    priority,
                    partition_key: None,
                };
                self.queue.publish(Queue::Pages, vec![message]).await
            }
            Err(e) => Err(BackendError::failed(
                format!("encoding page {}", page.final_url),
                e,
            )),
        };
        match published {
            // The page is durable: a failed ack only fetches it again.
            Ok(()) => {
                crate::worker::log_unsettled(job.ack().await, "fetch job");
                Ok(())
            }
            Err(error) => Err(NotHanded { error, job }),
        }
    }

    async fn pages(&self, prefetch: u16) -> Result<Box<dyn Consumer<PageDelivery>>, BackendError> {
        let inner = self.queue.consume(Queue::Pages, prefetch).await?;
        Ok(Box::new(Unpacking {
            inner,
            max_bytes: self.max_message_bytes,
        }))
    }

    async fn depth(&self) -> Result<QueueDepth, BackendError> {
        self.queue.depth(Queue::Pages).await
    }
}

/// Decodes the pages queue's messages.
struct Unpacking {
    inner: Box<dyn Consumer>,
    max_bytes: u64,
}

#[async_trait]
impl Consumer<PageDelivery> for Unpacking {
    async fn next(&mut self) -> Option<Result<PageDelivery, BackendError>> {
        let delivery = match self.inner.next().await? {
            Ok(d) => d,
            Err(e) => return Some(Err(e)),
        };
        let page = codec::decode_packed(&delivery.payload, self.max_bytes);
        Some(Ok(PageDelivery { page, delivery }))
    }
}

/// Pages through a bounded in-memory channel, each with its fetch job's
/// delivery: for fetchers and parsers in one process.
pub struct MemoryPages {
    sender: mpsc::Sender<(FetchedPage, Delivery)>,
    receiver: Arc<Mutex<mpsc::Receiver<(FetchedPage, Delivery)>>>,
    capacity: usize,
    /// Stops the parser: a page waiting for room is given back then.
    stop: Shutdown,
}

impl MemoryPages {
    /// A channel for a process whose parser handles `parsers` pages at
    /// once: as many again may wait for it, so that a parser never waits
    /// for a fetch while pages are on their way. Once `stop` fires (the
    /// parser stops with it), a page that waits for room is not handed
    /// over: its job comes back unsettled, as [`BackendError::Closed`].
    pub fn new(parsers: usize, stop: Shutdown) -> MemoryPages {
        let capacity = parsers.max(1);
        let (sender, receiver) = mpsc::channel(capacity);
        MemoryPages {
            sender,
            receiver: Arc::new(Mutex::new(receiver)),
            capacity,
            stop,
        }
    }
}

#[async_trait]
impl PageHandoff for MemoryPages {
    async fn hand_over(&self, page: FetchedPage, job: Delivery) -> Result<(), NotHanded> {
        let room = tokio::select! {
            biased;
            () = self.stop.wait() => None,
            room = self.sender.reserve() => room.ok(),
        };
        match room {
            Some(room) => {
                room.send((page, job));
                Ok(())
            }
            None => Err(NotHanded {
                error: BackendError::Closed,
                job,
            }),
        }
    }

    async fn pages(&self, _prefetch: u16) -> Result<Box<dyn Consumer<PageDelivery>>, BackendError> {
        // The parser's own concurrency bounds what it holds; what waits is
        // bounded by the channel.
        Ok(Box::new(MemoryConsumer {
            receiver: self.receiver.clone(),
        }))
    }

    async fn depth(&self) -> Result<QueueDepth, BackendError> {
        // Pages a parser holds are counted where their fetch jobs are: in
        // flight on the fetch queue.
        Ok(QueueDepth {
            waiting: (self.capacity - self.sender.capacity()) as u64,
            ..QueueDepth::default()
        })
    }
}

/// One parser's end of a [`MemoryPages`] channel (parsers of one process
/// share it).
struct MemoryConsumer {
    receiver: Arc<Mutex<mpsc::Receiver<(FetchedPage, Delivery)>>>,
}

#[async_trait]
impl Consumer<PageDelivery> for MemoryConsumer {
    async fn next(&mut self) -> Option<Result<PageDelivery, BackendError>> {
        let (page, delivery) = self.receiver.lock().await.recv().await?;
        Some(Ok(PageDelivery {
            page: Ok(page),
            delivery,
        }))
    }
}
