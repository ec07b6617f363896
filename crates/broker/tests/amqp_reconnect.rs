//! Publishing and consuming survive `rabbitmqctl close_all_connections`.
//!
//! In a test binary of its own: closing every connection of the broker
//! would disturb the other RabbitMQ tests running in parallel.

mod common;

use common::*;
use newshound_core::{JobQueue, Queue};
use std::process::Command;
use std::time::Duration;

fn rabbitmqctl_on_path() -> bool {
    Command::new("rabbitmqctl").arg("--help").output().is_ok()
}

fn close_all_connections() {
    let out = Command::new("rabbitmqctl")
        .args(["close_all_connections", "newshound broker test"])
        .output()
        .expect("run rabbitmqctl");
    assert!(
        out.status.success(),
        "rabbitmqctl close_all_connections failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn publish_and_consume_survive_close_all_connections() {
    if !rabbitmqctl_on_path() {
        eprintln!(
            "\n!!! SKIPPED publish_and_consume_survive_close_all_connections: rabbitmqctl is not on PATH\n"
        );
        return;
    }
    let prefix = unique_prefix();
    let q = amqp(amqp_config(&prefix)).await;
    q.publish(
        Queue::Links,
        vec![msg("before", 0, None), msg("held", 0, None)],
    )
    .await
    .expect("publish");
    let mut consumer = q.consume(Queue::Links, 10).await.expect("consume");
    let before = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("before");
    before.ack().await.expect("ack");
    let held = next_within(&mut consumer, Duration::from_secs(5))
        .await
        .expect("held");

    close_all_connections();
    // Give lapin a moment to see the close.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // A delivery of the dead connection cannot be settled; RabbitMQ redelivers it.
    assert!(held.ack().await.is_err());
    // Publishing waits for the reconnection instead of failing.
    q.publish(Queue::Links, vec![msg("after", 0, None)])
        .await
        .expect("publish after the connections were closed");
    let mut got = Vec::new();
    for _ in 0..2 {
        let d = next_within(&mut consumer, Duration::from_secs(20))
            .await
            .expect("the consumer resumes on the new connection");
        got.push((
            String::from_utf8(d.payload.clone()).expect("utf8"),
            d.redelivered,
        ));
        d.ack().await.expect("ack on the new connection");
    }
    got.sort();
    assert_eq!(
        got,
        [("after".to_string(), false), ("held".to_string(), true)]
    );

    // Twice more, with the consumer idle this time.
    for round in 0..2 {
        close_all_connections();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let payload = format!("round {round}");
        q.publish(Queue::Links, vec![msg(&payload, 0, None)])
            .await
            .expect("publish");
        let d = next_within(&mut consumer, Duration::from_secs(20))
            .await
            .expect("resumed");
        assert_eq!(d.payload, payload.as_bytes());
        d.ack().await.expect("ack");
    }
    let depth = q
        .depth(Queue::Links)
        .await
        .expect("depth after reconnections");
    assert_eq!(depth.waiting, 0);
    drop(consumer);
    teardown(&q).await;
}
