#!/usr/bin/env bash
# Makes sure the services the tests talk to are running on loopback (and that jq,
# which the README walkthrough test uses, is installed):
# Redis on 127.0.0.1:6379, RabbitMQ on 127.0.0.1:5672 (guest/guest) and
# PostgreSQL on 127.0.0.1:5432 (user postgres, no password from loopback).
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

# PostgreSQL (Debian's cluster layout: /etc/postgresql/VERSION/main)
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
pg_cluster() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }
if ! pg_up; then
  if [ -z "$(pg_cluster)" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
    install postgresql
    # A cluster installed here lets local connections in without a password, as the tests expect.
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    done
  fi
  version="$(pg_cluster)"
  if pg_up; then
    # The package started it: make it read the pg_hba.conf above.
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  else
    echo "local-services: starting PostgreSQL $version on 127.0.0.1:5432"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  for _ in $(seq 1 100); do pg_up && break; sleep 0.2; done
fi
pg_up
if command -v psql >/dev/null 2>&1 \
  && ! psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc 'SELECT 1' >/dev/null 2>&1; then
  echo "local-services: PostgreSQL is up but user postgres cannot connect from 127.0.0.1 without a password (see pg_hba.conf)" >&2
  exit 1
fi
echo "local-services: PostgreSQL is up"

# jq: the README walkthrough test (tests/tests/readme.rs) reads the output with it, as a user would.
command -v jq >/dev/null 2>&1 || install jq
echo "local-services: jq is installed"
