//! Building the backends a config asks for: the embedded store on local disk
//! by default, RabbitMQ and Redis when `[backend]` (or the environment) names them.

use anyhow::Context;
use std::path::Path;
use std::sync::Arc;

use newshound_broker::{
    AmqpArticlePublisher, AmqpConfig, AmqpQueue, DistributedControl, RedisConfig, RedisHostBudget,
    RedisRevisitSchedule, RedisSeenSet,
};
use newshound_core::config::{Backend, Config};
use newshound_core::control::ControlPlane;
use newshound_core::{ArticleSink, HostBudget, JobQueue, RevisitSchedule, SeenSet};
use newshound_embedded::EmbeddedStore;

/// The queue, seen-set, revisit schedule, host page budget (and in
/// distributed mode the article publisher and control plane) every role of
/// a process shares.
#[derive(Clone)]
pub struct Backends {
    /// Job queue.
    pub queue: Arc<dyn JobQueue>,
    /// Seen-set.
    pub seen: Arc<dyn SeenSet>,
    /// When known pages are due again.
    pub revisits: Arc<dyn RevisitSchedule>,
    /// New pages scheduled per host so far.
    pub budget: Arc<dyn HostBudget>,
    /// Set in distributed mode: parsers publish articles here for the sink role.
    pub article_publisher: Option<Arc<dyn ArticleSink>>,
    /// Set in distributed mode: operators' commands and status.
    pub control: Option<Arc<dyn ControlPlane>>,
}

impl Backends {
    /// The embedded store in `state_dir`.
    pub fn embedded(state_dir: &Path) -> anyhow::Result<Backends> {
        let store = EmbeddedStore::open(state_dir)?;
        Ok(Backends {
            queue: Arc::new(store.clone()),
            seen: Arc::new(store.clone()),
            revisits: Arc::new(store.clone()),
            budget: Arc::new(store),
            article_publisher: None,
            control: None,
        })
    }

    /// RabbitMQ and Redis as configured.
    pub async fn distributed(backend: &Backend) -> anyhow::Result<Backends> {
        let queue = AmqpQueue::connect(AmqpConfig::for_backend(backend))
            .await
            .context("connecting to RabbitMQ")?;
        let redis = RedisConfig::for_backend(backend);
        let revisits = RedisRevisitSchedule::connect(&redis)
            .await
            .context("connecting to Redis")?;
        let budget = RedisHostBudget::connect(&redis)
            .await
            .context("connecting to Redis")?;
        let control = DistributedControl::connect(queue.clone(), &redis)
            .await
            .context("connecting to Redis")?;
        let seen = RedisSeenSet::connect(redis)
            .await
            .context("connecting to Redis")?;
        Ok(Backends {
            queue: Arc::new(queue.clone()),
            seen: Arc::new(seen),
            revisits: Arc::new(revisits),
            budget: Arc::new(budget),
            article_publisher: Some(Arc::new(AmqpArticlePublisher::new(queue))),
            control: Some(Arc::new(control)),
        })
    }

    /// The distributed backends when the config names them, else an error
    /// saying how to name them (role subcommands need a broker).
    pub async fn for_role(config: &Config) -> anyhow::Result<Backends> {
        let backend = config.backend.as_ref().with_context(|| {
            format!(
                "{}: role commands need [backend] amqp_url and redis_url or redis_cluster_nodes (or \
                 NEWSHOUND_AMQP_URL and NEWSHOUND_REDIS_URL or NEWSHOUND_REDIS_CLUSTER_NODES); \
                 `newshound run` works without them",
                config.file.display()
            )
        })?;
        Self::distributed(backend).await
    }
}
