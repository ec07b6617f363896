//! Publishing and consuming survive `rabbitmqctl close_all_connections`,
//! closing every connection of a vhost the test makes for itself (and deletes
//! at the end), so other clients of the broker are not touched.
//!
//! Without `rabbitmqctl` on the `PATH` this test fails, never passes unrun:
//! `deploy/local-services.sh` (run by `make services` and CI) installs
//! RabbitMQ; where it cannot be, leave the test out by name
//! (`cargo test -p newshound-broker --test amqp_reconnect -- --skip survive`).

mod common;

use common::*;
use newshound_core::{JobQueue, Queue};
use std::process::Command;
use std::time::Duration;

/// Runs `rabbitmqctl ARGS`, failing the test with its error output.
fn rabbitmqctl(args: &[&str]) {
    let out = Command::new("rabbitmqctl").args(args).output().unwrap_or_else(|e| {
        panic!(
            "rabbitmqctl could not be run ({e}): this test closes a vhost's connections with it. \
             Run `make services` (deploy/local-services.sh installs RabbitMQ), or leave it out by \
             name: cargo test -p newshound-broker --test amqp_reconnect -- --skip survive"
        )
    });
    assert!(
        out.status.success(),
        "rabbitmqctl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A vhost of the test's own, guest allowed everything in it; deleted when
/// dropped, also while a failed test unwinds.
struct Vhost(String);

impl Vhost {
    fn create(name: String) -> Vhost {
        rabbitmqctl(&["add_vhost", &name]);
        let vhost = Vhost(name);
        rabbitmqctl(&["set_permissions", "-p", &vhost.0, "guest", ".*", ".*", ".*"]);
        vhost
    }

    fn close_all_connections(&self) {
        rabbitmqctl(&[
            "close_all_connections",
            "--vhost",
            &self.0,
            "--limit",
            "1000",
            "newshound broker test",
        ]);
    }
}

impl Drop for Vhost {
    fn drop(&mut self) {
        let out = Command::new("rabbitmqctl")
            .args(["delete_vhost", &self.0])
            .output();
        if !matches!(&out, Ok(o) if o.status.success()) {
            eprintln!("could not delete test vhost {}: {out:?}", self.0);
        }
    }
}

#[tokio::test]
async fn publish_and_consume_survive_close_all_connections() {
    let prefix = unique_prefix();
    let vhost = Vhost::create(format!("newshound-test-{prefix}"));
    let base = amqp_url();
    let root = base.trim_end_matches("%2f").trim_end_matches('/');
    let mut config = amqp_config(&prefix);
    config.url = format!("{root}/{}", vhost.0);
    let q = amqp(config).await;
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

    vhost.close_all_connections();
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
        vhost.close_all_connections();
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
