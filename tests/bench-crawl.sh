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
# shellcheck source=tests/bench-site.sh
. "$here/bench-site.sh"
out=${BENCH_OUT:-$bench_root/out/bench-crawl}
fetchers=${BENCH_FETCHERS:-3}
parsers=${BENCH_PARSERS:-2}
workers=${BENCH_WORKERS:-2}
distributed=${BENCH_DISTRIBUTED:-1}

# Phase 2, run by serve.sh while nginx serves the dump (NGINX_STATUS_URL set).
if [ "${1:-}" = "--crawl" ]; then
  echo "== embedded: newshound run --once ($articles articles on $hosts hosts, nginx)"
  bench_timed embedded "$bin/newshound" run --config "$out/site.toml" --once --out "$out/embedded"
  grep -A8 '^crawl done' "$out/embedded.log" || true
  bench_check_articles embedded

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

bench_site_tools newshound newshound-testsite crawl-score crawl-bench
bench_site_prepare
bench_site_serve
