#!/usr/bin/env bash
# `make bench-peers` (issue 13): the same nginx-served dump of the fixture site as `make
# bench-crawl`, crawled in one run by spider-rs (`spider-bench`, bench/peers/) and by `newshound run
# --once` (embedded), interleaved: spider, newshound, spider, newshound (BENCH_ROUNDS rounds). Each
# crawl is timed from outside (/usr/bin/time: elapsed, user + system CPU, peak RSS) and its pages
# counted at nginx (stub_status); newshound's output must hold every article exactly once. Ends
# with the ratios newshound / spider of pages/s and of CPU ms per page (issue 13's goal: pages/s
# at least 0.6 x spider's).
#
# Settings (environment): BENCH_ARTICLES (2000), BENCH_HOSTS (8), BENCH_PORT (8311),
# BENCH_OUT (out/bench-peers), RELEASE_DIR (target/release: newshound and its tools),
# SPIDER_BENCH (the spider-bench binary), BENCH_ROUNDS (2; 0 only dumps the site),
# BENCH_REUSE_DUMP (0; 1 keeps the dump BENCH_OUT already holds, see tests/bench-site.sh),
# BENCH_PER_HOST (8: spider's requests in flight per host, as newshound's config allows).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/bench-site.sh
. "$here/bench-site.sh"
out=${BENCH_OUT:-$bench_root/out/bench-peers}
spider=${SPIDER_BENCH:-$bench_root/target/peers/release/spider-bench}
rounds=${BENCH_ROUNDS:-2}
per_host=${BENCH_PER_HOST:-8}

# own_count NAME N: N, the requests the crawler itself says it made, against what nginx counted
# for NAME: more than 0.5 % apart, another client used the server meanwhile and the figures are
# void.
own_count() {
  local served diff
  read -r served _ < "$out/$1.nums"
  diff=$((served > $2 ? served - $2 : $2 - served))
  if [ $((diff * 200)) -gt "$served" ]; then
    echo "$bench_name: $1 says it made $2 requests but nginx served $served meanwhile: another client is using 127.0.0.11-$((10 + hosts)):$port (BENCH_PORT=N picks another port); these figures are void" >&2
    exit 1
  fi
}

# Phase 2, run by serve.sh while nginx serves the dump (NGINX_STATUS_URL set).
if [ "${1:-}" = "--crawl" ]; then
  for round in $(seq 1 "$rounds"); do
    echo "== round $round: spider-rs (spider-bench: one Website per host, $per_host in flight per host, links only)"
    bench_timed "spider-$round" "$spider" --per-host "$per_host" --depth 20 --visited "$out/spider-$round.visited" "${bench_seeds[@]}"
    grep '^spider: ' "$out/spider-$round.log" || true
    # Its pages visited, and one robots.txt per host.
    own_count "spider-$round" "$(awk '/^spider: / { print $4 + $2 }' "$out/spider-$round.log")"
    # What spider visited, against the articles newshound must find.
    # Its link pass does not drop tracking queries (nor decode &amp; in them), so some URLs are an
    # article again; an article counts as found at its own URL or at one with a query.
    awk 'FNR == NR { url = $0; urls++; if (url ~ /[?&](amp;)?utm_/) utm++; sub(/[?].*/, "", url); visited[url] = 1; next }
         match($0, /"url": *"[^"]*"/) { url = substr($0, RSTART, RLENGTH); sub(/^"url": *"/, "", url); sub(/"$/, "", url);
                                        truth++; if (url in visited) found++ }
         END { printf "spider-%s: %d URLs visited, %d of them with a utm_ tracking query (an article again); %d of the %d articles reached (links only: no article records)\n",
                 round, urls, utm, found, truth }' \
      round="$round" "$out/spider-$round.visited" "$out/site/truth.jsonl"

    echo "== round $round: newshound run --once (embedded)"
    rm -rf "$out/newshound-$round"
    bench_timed "newshound-$round" "$bin/newshound" run --config "$out/site.toml" --once --out "$out/newshound-$round"
    grep -A8 '^crawl done' "$out/newshound-$round.log" || true
    own_count "newshound-$round" "$(awk '/^  pages fetched / { pages = $3 } /^  robots.txt / { robots = $2 } END { print pages + robots }' "$out/newshound-$round.log")"
    bench_check_articles "newshound-$round"
    echo
  done

  echo "== newshound / spider-rs, $rounds rounds each, interleaved ($articles articles on $hosts hosts, nginx)"
  cat "$out"/spider-*.figures "$out"/newshound-*.figures
  # Means over the rounds of pages/s and CPU ms per page, then their ratios.
  for name in spider newshound; do
    cat "$out/$name"-*.nums | awk -v name="$name" '
      { n++; pages += $1; rate += $1 / ($2 > 0 ? $2 : 1); cpu += ($3 + $4) * 1000 / ($1 > 0 ? $1 : 1); if ($5 > rss) rss = $5 }
      END { printf "%s %d %.1f %.2f %.1f\n", name, pages / n, rate / n, cpu / n, rss / 1024 }'
  done | awk '
    { pages[$1] = $2; rate[$1] = $3; cpu[$1] = $4; rss[$1] = $5
      printf "%-9s mean of the rounds: %d pages, %.1f pages/s, %.2f CPU ms per page, peak RSS %.1f MiB (highest)\n", $1 ":", $2, $3, $4, $5 }
    END {
      if (pages["spider"] != pages["newshound"])
        printf "note: the two fetch different pages (%d against %d a run): spider follows <a> links only (no feeds, no sitemaps) and fetches an article again under each utm_ tracking query it is linked with, newshound drops tracking queries and reads feeds and sitemaps too; the ratios are per page fetched\n", pages["spider"], pages["newshound"]
      printf "ratio newshound / spider-rs: pages/s %.2f (issue 13 goal: at least 0.60), CPU ms per page %.2f\n",
        rate["newshound"] / rate["spider"], cpu["newshound"] / cpu["spider"] }' | tee "$out/ratios"
  exit 0
fi

bench_site_tools newshound newshound-testsite crawl-score
[ -x "$spider" ] || { echo "bench-peers: no $spider (make bench-peers builds it: cargo build --release in bench/peers)" >&2; exit 1; }
bench_site_prepare
[ "$rounds" -gt 0 ] || exit 0
bench_site_serve
