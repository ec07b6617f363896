//! The control exchange: `newshound ctl` broadcasts commands on
//! `<prefix>.control` (fanout), and every process consumes them from a queue
//! of its own (server-named, exclusive, auto-deleted), bound again after
//! each reconnection.

use futures::StreamExt;
use lapin::BasicProperties;
use lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{FieldTable, ShortString};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

use super::AmqpQueue;
use super::connection::{Link, Outgoing};
use crate::error::BrokerError;
use newshound_core::report::error_chain;

/// Commands buffered for a process that is slow to take them.
const BUFFER: usize = 64;

impl AmqpQueue {
    /// Publishes `payload` to every process listening (confirmed).
    ///
    /// # Errors
    /// [`BrokerError::Unroutable`] when no process listens; RabbitMQ errors.
    pub async fn broadcast_control(&self, payload: &[u8]) -> Result<(), BrokerError> {
        let out = Outgoing {
            exchange: self.link.topology.control_exchange(),
            routing_key: String::new(),
            payload,
            properties: BasicProperties::default(),
        };
        self.link.publish(std::slice::from_ref(&out)).await
    }

    /// The payloads broadcast from now on, until the queue is closed or the
    /// receiver dropped. The first binding is made before this returns.
    ///
    /// # Errors
    /// When the first binding fails for another reason than a lost
    /// connection.
    pub async fn listen_control(&self) -> Result<mpsc::Receiver<Vec<u8>>, BrokerError> {
        let (tx, rx) = mpsc::channel(BUFFER);
        let link = self.link.clone();
        let stream = bind(&link).await?;
        tokio::spawn(forward(link, stream, tx));
        Ok(rx)
    }
}

/// A consumer of a fresh queue bound to the control exchange.
async fn bind(link: &Link) -> Result<lapin::Consumer, BrokerError> {
    link.retrying("listen for commands", |session| async move {
        let channel = session
            .connection
            .create_channel()
            .await
            .map_err(|e| BrokerError::amqp("open control channel", e))?;
        let options = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        };
        let queue = channel
            .queue_declare(ShortString::from(""), options, FieldTable::default())
            .await
            .map_err(|e| BrokerError::amqp("declare control queue", e))?;
        channel
            .queue_bind(
                queue.name().clone(),
                link.topology.control_exchange().into(),
                ShortString::from(""),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|e| BrokerError::amqp("bind control queue", e))?;
        let no_ack = BasicConsumeOptions {
            no_ack: true,
            ..BasicConsumeOptions::default()
        };
        channel
            .basic_consume(
                queue.name().clone(),
                ShortString::from(""),
                no_ack,
                FieldTable::default(),
            )
            .await
            .map_err(|e| BrokerError::amqp("consume control queue", e))
    })
    .await
}

/// Hands payloads over until the receiver goes or the link closes; binds
/// again after a lost connection (commands broadcast meanwhile are lost:
/// the stored control state is the reference, see `ControlPlane`).
async fn forward(link: Arc<Link>, mut stream: lapin::Consumer, tx: mpsc::Sender<Vec<u8>>) {
    loop {
        match stream.next().await {
            Some(Ok(delivery)) => {
                if tx.send(delivery.data).await.is_err() {
                    return;
                }
            }
            Some(Err(_)) | None => loop {
                if link.is_closed() || tx.is_closed() {
                    return;
                }
                match bind(&link).await {
                    Ok(s) => {
                        stream = s;
                        break;
                    }
                    Err(BrokerError::Closed) => return,
                    Err(e) => {
                        tracing::warn!(error = %error_chain(&e), "Control queue lost; binding again");
                        link.sleep(Duration::from_secs(1)).await;
                    }
                }
            },
        }
    }
}
