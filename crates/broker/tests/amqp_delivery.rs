//! Delivery bookkeeping across consumers and connections: prefetched
//! deliveries of a dropped consumer, retried fetch jobs and their partition.

mod common;

use common::*;
use newshound_core::{JobQueue, Queue};
use std::time::Duration;

#[tokio::test]
async fn dropping_a_consumer_releases_its_prefetched_deliveries() {
    let prefix = unique_prefix();
    let q = amqp(amqp_config(&prefix)).await;
    let batch = (0..3).map(|i| msg(&format!("p{i}"), 0, None)).collect();
    q.publish(Queue::Pages, batch).await.expect("publish");
    let mut consumer = q.consume(Queue::Pages, 10).await.expect("consume");
    let first = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("first");
    first.ack().await.expect("ack");
    // The other two were prefetched into the consumer's buffer.
    drop(consumer);
    let mut consumer = q.consume(Queue::Pages, 10).await.expect("consume again");
    for _ in 0..2 {
        let d = next_within(&mut consumer, Duration::from_secs(5))
            .await
            .expect("released delivery");
        d.ack().await.expect("ack");
    }
    drop(consumer);
    teardown(&q).await;
}

#[tokio::test]
async fn a_retried_fetch_job_returns_to_its_partition() {
    let prefix = unique_prefix();
    let q = amqp(amqp_config(&prefix)).await;
    let worker = amqp(amqp_config(&prefix)).await;
    let partition = q
        .topology()
        .fetch_partition(q.topology().partition_of(b"slow.example"));
    q.publish(Queue::Fetch, vec![msg("job", 4, Some("slow.example"))])
        .await
        .expect("publish");
    let mut consumer = worker.consume(Queue::Fetch, 1).await.expect("consume");
    let d = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("job");
    d.retry_after(Duration::from_millis(10))
        .await
        .expect("retry");
    drop(consumer);
    worker.close().await;
    let (raw, channel) = raw_channel().await;
    let mut ready_now = 0;
    for _ in 0..30 {
        ready_now = ready(&channel, &partition).await;
        if ready_now == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(ready_now, 1, "the retried job is back in {partition}");
    let m = get(&channel, &partition).await;
    assert_eq!(m.delivery.properties.priority(), &Some(4));
    let _ = raw.close(200, "done".into()).await;
    teardown(&q).await;
}
