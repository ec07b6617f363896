//! Rendering the [`Topology`] as a RabbitMQ definitions document (the format
//! of `rabbitmqctl import_definitions` and the management plugin's
//! `load_definitions`), for deploy tooling.

use serde_json::{Value, json};

use super::topology::Topology;

impl Topology {
    /// The `queues`, `exchanges` and `bindings` of a definitions document for
    /// `vhost` (users, permissions and policies are left to the deployment).
    pub fn definitions(&self, vhost: &str) -> Value {
        let queues: Vec<Value> = self
            .queues
            .iter()
            .map(|q| {
                json!({
                    "name": q.name,
                    "vhost": vhost,
                    "durable": true,
                    "auto_delete": false,
                    "arguments": q.arguments,
                })
            })
            .collect();
        let exchanges: Vec<Value> = self
            .exchanges
            .iter()
            .map(|e| {
                json!({
                    "name": e.name,
                    "vhost": vhost,
                    "type": e.kind,
                    "durable": true,
                    "auto_delete": false,
                    "internal": false,
                    "arguments": {},
                })
            })
            .collect();
        let bindings: Vec<Value> = self
            .bindings
            .iter()
            .map(|b| {
                json!({
                    "source": b.exchange,
                    "vhost": vhost,
                    "destination": b.queue,
                    "destination_type": "queue",
                    "routing_key": b.routing_key,
                    "arguments": {},
                })
            })
            .collect();
        json!({ "queues": queues, "exchanges": exchanges, "bindings": bindings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_definitions() {
        let t = Topology::new("nh", 2);
        let d = t.definitions("/");
        let queues = d["queues"].as_array().expect("queues");
        assert_eq!(queues.len(), t.queues.len());
        let fetch0 = queues
            .iter()
            .find(|q| q["name"] == "nh.fetch.0")
            .expect("fetch.0");
        assert!(
            fetch0["arguments"]
                .get("x-single-active-consumer")
                .is_none()
        );
        let fetchers = queues
            .iter()
            .find(|q| q["name"] == "nh.fetchers")
            .expect("fetchers");
        assert_eq!(fetchers["arguments"]["x-max-length"], 0);
        assert_eq!(fetch0["arguments"]["x-max-priority"], 10);
        let retry = queues
            .iter()
            .find(|q| q["name"] == "nh.links.retry.30s")
            .expect("retry queue");
        assert_eq!(retry["arguments"]["x-message-ttl"], 30_000);
        assert_eq!(retry["arguments"]["x-dead-letter-exchange"], "");
        assert!(
            d["exchanges"]
                .as_array()
                .expect("exchanges")
                .iter()
                .any(|e| e["name"] == "nh.articles" && e["type"] == "fanout")
        );
    }
}
