//! The connection supervisor: one AMQP connection per [`AmqpQueue`]
//! (and its consumers), rebuilt with backoff when it dies.
//!
//! lapin's own auto-recovery is left off (see the dependency notes: it can
//! stall after a broker restart). Instead every operation runs against the
//! current [`Session`]; when it fails because the connection is gone, the
//! session is dropped and the next caller opens a new one (connection,
//! publisher channel with confirms, topology), waiting with exponential
//! backoff for as long as it takes, until [`Link::close`].
//!
//! [`AmqpQueue`]: super::AmqpQueue

use backon::{BackoffBuilder, ExponentialBuilder};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, watch};

use super::AmqpConfig;
use super::topology::Topology;
use crate::error::{BrokerError, redact_url};
use newshound_core::report::error_chain;

/// One live connection with its publisher channel.
pub(crate) struct Session {
    /// Increases with every new connection.
    pub(crate) generation: u64,
    pub(crate) connection: Connection,
    /// In confirm mode; shared by all publishers of the process.
    publisher: Channel,
}

impl Session {
    /// Both the connection and the publisher channel are usable.
    pub(crate) fn alive(&self) -> bool {
        self.connection.status().connected() && self.publisher.status().connected()
    }
}

/// A message to publish: where to and what.
pub(crate) struct Outgoing<'a> {
    pub(crate) exchange: String,
    pub(crate) routing_key: String,
    pub(crate) payload: &'a [u8],
    pub(crate) properties: BasicProperties,
}

/// Owns the current session and rebuilds it.
pub(crate) struct Link {
    config: AmqpConfig,
    pub(crate) topology: Arc<Topology>,
    current: Mutex<Option<Arc<Session>>>,
    generation: AtomicU64,
    closed: watch::Sender<bool>,
}

impl Link {
    /// Connects once (start-up failures are reported, not retried) and
    /// declares the topology.
    pub(crate) async fn connect(config: AmqpConfig) -> Result<Arc<Link>, BrokerError> {
        config.validate()?;
        let topology = Arc::new(config.topology());
        let link = Link {
            config,
            topology,
            current: Mutex::new(None),
            generation: AtomicU64::new(0),
            closed: watch::Sender::new(false),
        };
        let session = link.open().await?;
        *link.current.lock().await = Some(Arc::new(session));
        Ok(Arc::new(link))
    }

    /// Opens a connection, the publisher channel and declares the topology.
    async fn open(&self) -> Result<Session, BrokerError> {
        let address = redact_url(&self.config.url);
        let unreachable = |message: String| BrokerError::Unreachable {
            service: "RabbitMQ",
            address: address.clone(),
            message,
        };
        let connect = Connection::connect(&self.config.url, ConnectionProperties::default());
        let connection = match tokio::time::timeout(self.config.connect_timeout(), connect).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Err(unreachable(e.to_string())),
            Err(_) => return Err(unreachable("connection attempt timed out".into())),
        };
        let publisher = connection
            .create_channel()
            .await
            .map_err(|e| BrokerError::amqp("open publisher channel", e))?;
        self.topology.declare(&publisher).await?;
        publisher
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(|e| BrokerError::amqp("enable publisher confirms", e))?;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        if generation > 1 {
            tracing::info!(address = %address, generation, "Reconnected to RabbitMQ");
        }
        Ok(Session {
            generation,
            connection,
            publisher,
        })
    }

    /// Whether [`Link::close`] was called.
    pub(crate) fn is_closed(&self) -> bool {
        *self.closed.borrow()
    }

    /// The live session, reconnecting (with backoff, for as long as it takes)
    /// when there is none.
    ///
    /// # Errors
    /// [`BrokerError::Closed`] once the link is closed.
    pub(crate) async fn session(&self) -> Result<Arc<Session>, BrokerError> {
        let mut current = self.current.lock().await;
        let mut delays = self.backoff();
        loop {
            if self.is_closed() {
                return Err(BrokerError::Closed);
            }
            if let Some(s) = current.as_ref() {
                if s.alive() {
                    return Ok(s.clone());
                }
                tracing::warn!(generation = s.generation, "RabbitMQ connection lost");
                *current = None;
            }
            match self.open().await {
                Ok(s) => {
                    let s = Arc::new(s);
                    *current = Some(s.clone());
                    return Ok(s);
                }
                Err(e) => {
                    let delay = delays.next().unwrap_or(self.config.reconnect_max_delay());
                    tracing::warn!(error = %error_chain(&e), ?delay, "Reconnecting to RabbitMQ failed; retrying");
                    self.sleep(delay).await;
                }
            }
        }
    }

    /// Drops the session of `generation` if it is still the current one,
    /// closing its connection (its channels and consumers go with it).
    pub(crate) async fn invalidate(&self, generation: u64) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|s| s.generation == generation)
            && let Some(s) = current.take()
        {
            let close = s.connection.close(320, "newshound: reconnecting".into());
            // Best effort: the connection is usually already dead.
            let _ = tokio::time::timeout(Duration::from_secs(1), close).await;
        }
    }

    /// Closes the connection for good: operations return `Closed`, consumers
    /// end.
    pub(crate) async fn close(&self) {
        self.closed.send_replace(true);
        if let Some(s) = self.current.lock().await.take() {
            let close = s.connection.close(200, "newshound: closing".into());
            let _ = tokio::time::timeout(Duration::from_secs(5), close).await;
        }
    }

    /// Resolves once the link is closed.
    pub(crate) async fn closed(&self) {
        let mut rx = self.closed.subscribe();
        // An error means the sender is gone, which cannot happen while
        // `self` is alive; either way there is nothing left to wait for.
        let _ = rx.wait_for(|c| *c).await;
    }

    /// Sleeps `delay` or until closed.
    pub(crate) async fn sleep(&self, delay: Duration) {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = self.closed() => {}
        }
    }

    /// Reconnection delays: 100 ms doubling up to the configured maximum,
    /// with jitter, without end.
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(100))
            .with_max_delay(self.config.reconnect_max_delay())
            .with_jitter()
            .without_max_times()
            .build()
    }

    /// Runs `op` against the live session; when it fails because the
    /// connection (or the publisher channel) died, reconnects and runs it
    /// again, until it succeeds, fails otherwise, or the link is closed.
    /// The session is judged by its state and by the error, since lapin may
    /// report the failure before it updates the connection state.
    pub(crate) async fn retrying<T, F, Fut>(&self, what: &str, mut op: F) -> Result<T, BrokerError>
    where
        F: FnMut(Arc<Session>) -> Fut,
        Fut: Future<Output = Result<T, BrokerError>>,
    {
        let mut delays = self.backoff();
        loop {
            let session = self.session().await?;
            match op(session.clone()).await {
                Ok(v) => return Ok(v),
                Err(e)
                    if matches!(e, BrokerError::Amqp { .. })
                        && (!session.alive() || e.lost_connection())
                        && !self.is_closed() =>
                {
                    let delay = delays.next().unwrap_or(self.config.reconnect_max_delay());
                    tracing::warn!(error = %error_chain(&e), ?delay, "RabbitMQ {what} interrupted; reconnecting");
                    self.invalidate(session.generation).await;
                    self.sleep(delay).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Publishes on `session` and waits for every confirm.
    ///
    /// # Errors
    /// A channel error, a Nack, or a message the broker could not route
    /// (published `mandatory`, so it is returned rather than dropped).
    pub(crate) async fn publish_on(
        session: &Session,
        messages: &[Outgoing<'_>],
    ) -> Result<(), BrokerError> {
        let options = BasicPublishOptions {
            mandatory: true,
            ..Default::default()
        };
        let mut confirms = Vec::with_capacity(messages.len());
        for m in messages {
            let confirm = session
                .publisher
                .basic_publish(
                    m.exchange.as_str().into(),
                    m.routing_key.as_str().into(),
                    options,
                    m.payload,
                    m.properties.clone(),
                )
                .await
                .map_err(|e| BrokerError::amqp(format!("publish to {}", target(m)), e))?;
            confirms.push(confirm);
        }
        for (m, confirm) in messages.iter().zip(confirms) {
            let confirmation = confirm
                .await
                .map_err(|e| BrokerError::amqp(format!("confirm of {}", target(m)), e))?;
            if confirmation.is_nack() {
                return Err(BrokerError::Nacked { target: target(m) });
            }
            if confirmation.take_message().is_some() {
                return Err(BrokerError::Unroutable { target: target(m) });
            }
        }
        Ok(())
    }

    /// Publishes with confirms, surviving reconnections (messages of an
    /// interrupted attempt are published again: at-least-once).
    pub(crate) async fn publish(&self, messages: &[Outgoing<'_>]) -> Result<(), BrokerError> {
        if messages.is_empty() {
            return Ok(());
        }
        self.retrying("publish", |session| async move {
            Link::publish_on(&session, messages).await
        })
        .await
    }
}

/// `exchange/routing key` for messages.
fn target(m: &Outgoing<'_>) -> String {
    let exchange = if m.exchange.is_empty() {
        "(default)"
    } else {
        &m.exchange
    };
    format!("{exchange}/{}", m.routing_key)
}
