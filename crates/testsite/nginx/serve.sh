#!/usr/bin/env bash
# Serves a dump of the fixture site (`newshound-testsite --dump-site DIR`) with nginx, so that the
# site's own CPU does not blur a crawler's: one server per host directory (DIR/hosts/HOST:PORT/),
# every address loopback, one worker, no access log, and nginx's request counter (stub_status) on
# 127.0.0.10:PORT/nginx_status (PORT: the first host's).
#
#   serve.sh DIR                  serve until interrupted
#   serve.sh DIR -- COMMAND...    serve while COMMAND runs (with NGINX_STATUS_URL set), then stop;
#                                 exits with COMMAND's status
#
# nginx comes from the distribution's packages (apt-get install nginx-light) when it is not
# installed. Its config, pid file and error log go to NGINX_DIR (default: DIR/../nginx); no
# system nginx is started or used. A request for PATH?QUERY is answered with the first file
# PATH@QUERY.EXT that exists, EXT taken in the order of DIR/types.txt, with that line's
# Content-Type; anything else gets the site's "not found" page with a 404.
set -euo pipefail

usage() { echo "usage: $0 DIR [-- COMMAND...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
dump=$(cd "$1" && pwd) || { echo "serve.sh: no directory $1" >&2; exit 2; }
shift
if [ $# -gt 0 ]; then
  [ "$1" = "--" ] || usage
  shift
fi
[ -f "$dump/types.txt" ] && [ -d "$dump/hosts" ] ||
  { echo "serve.sh: $dump is not a site dump (newshound-testsite --dump-site DIR writes one)" >&2; exit 2; }

nginx=$(command -v nginx || true)
[ -n "$nginx" ] || { [ -x /usr/sbin/nginx ] && nginx=/usr/sbin/nginx; }
if [ -z "$nginx" ]; then
  echo "serve.sh: nginx is not installed; installing nginx-light from the distribution's packages" >&2
  if ! command -v apt-get >/dev/null; then
    echo "serve.sh: no apt-get here: install nginx (with the stub_status module) by hand" >&2; exit 1
  fi
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light ||
    { $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light; }
  nginx=/usr/sbin/nginx
  [ -x "$nginx" ] || { echo "serve.sh: nginx-light installed but no $nginx" >&2; exit 1; }
  # The package's own service is not wanted: where the install started it (no policy-rc.d
  # forbidding it), it is stopped again.
  if [ -s /run/nginx.pid ]; then
    echo "serve.sh: stopping the nginx service the package started" >&2
    $sudo "$nginx" -s quit || true
  fi
fi

state=${NGINX_DIR:-$(dirname "$dump")/nginx}
mkdir -p "$state/tmp"
state=$(cd "$state" && pwd)
conf="$state/nginx.conf"

# The try_files candidates and the types, from types.txt (EXT<TAB>Content-Type, lookup order).
candidates=""
types=""
while IFS=$'\t' read -r ext content_type; do
  [ -n "$ext" ] || continue
  candidates="$candidates \"\$uri@\$dump_args.$ext\""
  types="$types    \"$content_type\" $ext;"$'\n'
done < "$dump/types.txt"

servers=""
first_port=""
hosts=0
for root in "$dump"/hosts/*/; do
  root=${root%/}
  address=$(basename "$root")
  port=${address##*:}
  [ -n "$first_port" ] || first_port=$port
  hosts=$((hosts + 1))
  servers="$servers
  server {
    listen $address;
    root \"$root\";
    location / { try_files$candidates =404; }
    error_page 404 /__404.html;
    location = /__404.html { internal; default_type \"text/html; charset=utf-8\"; }
  }"
done
[ "$hosts" -gt 0 ] || { echo "serve.sh: no host directories in $dump/hosts" >&2; exit 2; }
status_address="127.0.0.10:$first_port"

# Run as root, nginx would switch its worker to "nobody", who may not read the dump: it keeps the
# invoking user (it only serves these files, on loopback).
user_line=""
[ "$(id -u)" -ne 0 ] || user_line="user $(id -un) $(id -gn);"

cat > "$conf" <<EOF
# Written by crates/testsite/nginx/serve.sh for $dump
$user_line
daemon off;
worker_processes 1;
pid "$state/nginx.pid";
error_log "$state/error.log" warn;
events { worker_connections 4096; }
http {
  access_log off;
  log_not_found off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path "$state/tmp/body";
  proxy_temp_path "$state/tmp/proxy";
  fastcgi_temp_path "$state/tmp/fastcgi";
  uwsgi_temp_path "$state/tmp/uwsgi";
  scgi_temp_path "$state/tmp/scgi";
  types {
$types  }
  default_type application/octet-stream;
  # The query as it names a file: never with a .. segment.
  map \$args \$dump_args {
    "~(^|/)\.\.(/|\$)" "..invalid";
    default \$args;
  }
$servers
  server {
    listen $status_address;
    location = /nginx_status { stub_status; }
  }
}
EOF

"$nginx" -t -q -c "$conf" -p "$state" || { echo "serve.sh: nginx rejects $conf" >&2; exit 1; }
# Another server on these addresses (another bench's nginx) would answer the readiness check below
# and take the crawl's requests, its counter mixing both: refuse to start beside it.
if (exec 3<>"/dev/tcp/127.0.0.10/$first_port") 2>/dev/null; then
  echo "serve.sh: $status_address is already taken (another serve.sh running?); choose another port" >&2
  exit 1
fi
"$nginx" -c "$conf" -p "$state" &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

# Ready when the status address answers.
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.10/$first_port") 2>/dev/null; then break; fi
  kill -0 "$server" 2>/dev/null || { cat "$state/error.log" >&2; exit 1; }
  sleep 0.1
done
# nginx stops at once when it cannot listen on one of the hosts' addresses.
sleep 0.2
kill -0 "$server" 2>/dev/null || { cat "$state/error.log" >&2; echo "serve.sh: nginx did not start" >&2; exit 1; }
export NGINX_STATUS_URL="http://$status_address/nginx_status"
echo "nginx serving $hosts host(s) from $dump (config $conf, requests counted at $NGINX_STATUS_URL)" >&2

if [ $# -eq 0 ]; then
  wait "$server"
else
  set +e
  "$@"
  rc=$?
  set -e
  exit "$rc"
fi
