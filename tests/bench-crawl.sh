#!/usr/bin/env bash
# `make bench-crawl`: the fixture site dumped to static files and served by nginx over 8 loopback
# hosts (so that the site's own CPU does not blur the crawler's), crawled once embedded
# (`newshound run --once`) and once distributed (`crawl-bench`: role processes on the local
# RabbitMQ and Redis), each output scored against the site's truth, and for each: pages/s, CPU ms
# per page and peak RSS.
#
# Settings (environment): BENCH_ARTICLES (2000), BENCH_HOSTS (8), BENCH_PORT (8311),
# BENCH_OUT (out/bench-crawl), RELEASE_DIR (target/release), BENCH_FETCHERS (3),
# BENCH_PARSERS (2), BENCH_WORKERS (2: a second distributed crawl with that many `newshound worker`
# processes, fetcher and parser in one, instead of the fetchers and parsers; 0 skips it),
# BENCH_DISTRIBUTED (1; 0 skips the distributed crawls).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
articles=${BENCH_ARTICLES:-2000}
hosts=${BENCH_HOSTS:-8}
port=${BENCH_PORT:-8311}
out=${BENCH_OUT:-$root/out/bench-crawl}
bin=${RELEASE_DIR:-$root/target/release}
fetchers=${BENCH_FETCHERS:-3}
parsers=${BENCH_PARSERS:-2}
workers=${BENCH_WORKERS:-2}
distributed=${BENCH_DISTRIBUTED:-1}

# Phase 2, run by serve.sh while nginx serves the dump (NGINX_STATUS_URL set).
if [ "${1:-}" = "--crawl" ]; then
  requests() {
    curl -fsS "$NGINX_STATUS_URL" | awk 'NR == 3 { print $3 }'
  }
  mib() { awk -v kib="$1" 'BEGIN { printf "%.1f", kib / 1024 }'; }

  echo "== embedded: newshound run --once ($articles articles on $hosts hosts, nginx)"
  before=$(requests)
  /usr/bin/time -o "$out/embedded.time" -f '%e %U %S %M' \
    "$bin/newshound" run --config "$out/site.toml" --once --out "$out/embedded" 2> "$out/embedded.log" ||
    { tail -20 "$out/embedded.log" >&2; echo "bench-crawl: the embedded crawl failed (log: $out/embedded.log)" >&2; exit 1; }
  after=$(requests)
  grep -A8 '^crawl done' "$out/embedded.log" || true
  "$bin/crawl-score" --truth "$out/site/truth.jsonl" --articles "$out/embedded/articles.jsonl" | tee "$out/embedded.score"
  # Every article exactly once, nothing else.
  awk '/^truth articles/ { gsub(",", ""); truth = $3; once = $NF }
       /^missing/ { gsub(",", ""); bad = $2 + $4 + $6 }
       END { exit !(truth > 0 && truth == once && bad == 0) }' "$out/embedded.score" ||
    { echo "bench-crawl: the embedded crawl's output is wrong (see above)" >&2; exit 1; }
  read -r elapsed user sys rss_kib < "$out/embedded.time"
  pages=$((after - before - 1)) # the second reading counts the first
  awk -v pages="$pages" -v e="$elapsed" -v u="$user" -v s="$sys" -v rss="$(mib "$rss_kib")" 'BEGIN {
    printf "embedded: %d pages in %.1f s: %.1f pages/s, %.2f CPU ms per page (%.1f s user + %.1f s system), peak RSS %s MiB\n",
      pages, e, pages / (e > 0 ? e : 1), (u + s) * 1000 / (pages > 0 ? pages : 1), u, s, rss }' | tee "$out/embedded.figures"

  if [ "$distributed" = 1 ]; then
    echo
    echo "== distributed: crawl-bench, 1 frontier, $fetchers fetchers, $parsers parsers, 1 sink (RabbitMQ and Redis on 127.0.0.1)"
    "$bin/crawl-bench" --site-config "$out/site.toml" --truth "$out/site/truth.jsonl" \
      --nginx-status "$NGINX_STATUS_URL" --distributed-only \
      --fetchers "$fetchers" --parsers "$parsers" | tee "$out/distributed.figures" ||
      { echo "bench-crawl: the distributed crawl failed (RabbitMQ and Redis running? make services)" >&2; exit 1; }
    if [ "$workers" -gt 0 ]; then
      echo
      echo "== distributed: crawl-bench, 1 frontier, $workers workers (fetcher and parser in one process), 1 sink"
      "$bin/crawl-bench" --site-config "$out/site.toml" --truth "$out/site/truth.jsonl" \
        --nginx-status "$NGINX_STATUS_URL" --distributed-only \
        --workers "$workers" | tee "$out/workers.figures" ||
        { echo "bench-crawl: the distributed crawl with workers failed" >&2; exit 1; }
    fi
  fi
  exit 0
fi

for tool in newshound newshound-testsite crawl-score crawl-bench; do
  [ -x "$bin/$tool" ] || { echo "bench-crawl: no $bin/$tool (make release builds it)" >&2; exit 1; }
done
command -v curl >/dev/null || { echo "bench-crawl: needs curl (apt-get install curl)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-crawl: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
echo "== dumping $articles articles over $hosts hosts (127.0.0.11.., port $port) to $out/site"
"$bin/newshound-testsite" --articles "$articles" --hosts "$hosts" --addr "127.0.0.1:$port" --dump-site "$out/site"

# The crawl's site config: every host seeded and in scope, politeness opened to 8 requests in
# flight per host (the rate and burst do not hold it back).
list=""
seeds=""
for k in $(seq 0 $((hosts - 1))); do
  host="127.0.0.$((11 + k)):$port"
  list="$list${list:+, }\"$host\""
  seeds="$seeds${seeds:+, }\"http://$host/\""
done
cat > "$out/site.toml" <<EOF
# Written by tests/bench-crawl.sh: the fixture site's dump served by nginx.
[site]
name = "bench"
seeds = [$seeds]
allowed_hosts = [$list]
timezone = "Asia/Seoul"
max_depth = 20

[politeness]
requests_per_second = 10000.0
burst = 1000
max_concurrent_per_host = 8

[fetch]
concurrency = 64
timeout_secs = 10
max_attempts = 3
retry_base_delay_ms = 200
allow_private_networks = ["127.0.0.0/8"]
EOF

NGINX_DIR="$out/nginx" BENCH_OUT="$out" RELEASE_DIR="$bin" \
  "$root/crates/testsite/nginx/serve.sh" "$out/site" -- "$0" --crawl
