#!/usr/bin/env bash
# Makes sure the services the tests talk to are running on loopback:
# Redis on 127.0.0.1:6379 and RabbitMQ on 127.0.0.1:5672 (guest/guest).
# Installs them from Debian's packages when missing (needs root and apt), then
# starts whichever is down. Safe to run again: running services are left alone.
set -euo pipefail

apt_updated=""
install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "local-services: $1 is not installed and apt-get is unavailable; install it by hand" >&2
    return 1
  fi
  if [ -z "$apt_updated" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Redis
if ! (command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG); then
  command -v redis-server >/dev/null 2>&1 || install redis-server redis-tools
  echo "local-services: starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
fi
redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG
echo "local-services: Redis is up"

# RabbitMQ
rabbit_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if ! rabbit_up; then
  command -v rabbitmq-server >/dev/null 2>&1 || install rabbitmq-server
  echo "local-services: starting RabbitMQ on 127.0.0.1:5672"
  rabbitmq-server -detached
  rabbitmqctl await_startup --timeout 120 >/dev/null
fi
for _ in $(seq 1 100); do rabbit_up && break; sleep 0.2; done
rabbit_up
# The management API gives the unacked (in-flight) counts `newshound run --once` waits on.
rabbitmq-plugins enable --offline rabbitmq_management >/dev/null 2>&1 || rabbitmq-plugins enable rabbitmq_management >/dev/null
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/15672) 2>/dev/null && break; sleep 0.2; done
echo "local-services: RabbitMQ is up (management API on 127.0.0.1:15672)"
