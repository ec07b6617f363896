//! [`ArticleSink`] for distributed mode: articles go to the `articles` fanout
//! exchange (bound to the `articles` queue the sink role consumes).

use async_trait::async_trait;
use lapin::BasicProperties;

use crate::amqp::AmqpQueue;
use crate::amqp::topology::Topology;
use newshound_core::message::Article;
use newshound_core::{ArticleSink, BackendError, codec};

/// Publishes each article (encoded with [`codec::encode_article`]) to the
/// `<prefix>.articles` fanout exchange, persistent, with publisher confirms.
///
/// De-duplication is left to the consumer of the `articles` queue (the sink
/// role), so `write` returns the number published, not the number new.
#[derive(Clone)]
pub struct AmqpArticlePublisher {
    queue: AmqpQueue,
}

impl AmqpArticlePublisher {
    /// Publishes over `queue`'s connection (and its reconnection).
    pub fn new(queue: AmqpQueue) -> AmqpArticlePublisher {
        AmqpArticlePublisher { queue }
    }

    fn topology(&self) -> &Topology {
        self.queue.topology()
    }
}

#[async_trait]
impl ArticleSink for AmqpArticlePublisher {
    async fn write(&self, articles: Vec<Article>) -> Result<usize, BackendError> {
        let mut payloads = Vec::with_capacity(articles.len());
        for article in &articles {
            let bytes = codec::encode_article(article).map_err(|e| {
                BackendError::failed(format!("encoding article {}", article.url), e)
            })?;
            payloads.push(bytes);
        }
        let exchange = self.topology().articles_exchange();
        let routing_key = self
            .topology()
            .work_queues(newshound_core::Queue::Articles)
            .remove(0);
        let properties = BasicProperties::default().with_delivery_mode(2);
        self.queue
            .publish_raw(&exchange, &routing_key, &payloads, properties)
            .await
            .map_err(|e| e.into_backend("publishing articles"))?;
        Ok(payloads.len())
    }
}
