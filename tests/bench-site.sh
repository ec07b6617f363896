# shellcheck shell=bash disable=SC2154  # `out` is set by the sourcing script
# Sourced by tests/bench-crawl.sh and tests/bench-peers.sh: the fixture site dumped to static files
# over BENCH_HOSTS loopback hosts and served by nginx (crates/testsite/nginx/serve.sh), its crawl
# config, and one timed crawl measured from outside (/usr/bin/time for elapsed, CPU and peak RSS,
# nginx's stub_status counter for the pages).
#
# The sourcing script sets `out` (its output directory) before calling these; settings from the environment:
# BENCH_ARTICLES (2000), BENCH_HOSTS (8), BENCH_PORT (8311), RELEASE_DIR (target/release).
# Phase 1 (`bench_site_prepare`, then `bench_site_serve`) dumps the site and runs the sourcing
# script again with `--crawl` while nginx serves it (NGINX_STATUS_URL set); phase 2 crawls.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
articles=${BENCH_ARTICLES:-2000}
hosts=${BENCH_HOSTS:-8}
port=${BENCH_PORT:-8311}
bin=${RELEASE_DIR:-$bench_root/target/release}
bench_name=$(basename "$0" .sh)

# The seed URLs, one per host: http://127.0.0.11:PORT/ and on.
bench_seeds=()
for k in $(seq 0 $((hosts - 1))); do
  bench_seeds+=("http://127.0.0.$((11 + k)):$port/")
done

# Fails unless every named tool is in $bin, and curl and /usr/bin/time are installed.
bench_site_tools() {
  local tool
  for tool in "$@"; do
    [ -x "$bin/$tool" ] || { echo "$bench_name: no $bin/$tool (make release builds it)" >&2; exit 1; }
  done
  command -v curl >/dev/null || { echo "$bench_name: needs curl (apt-get install curl)" >&2; exit 1; }
  [ -x /usr/bin/time ] || { echo "$bench_name: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
}

# Empties $out, dumps the site to $out/site and writes newshound's crawl config $out/site.toml:
# every host seeded and in scope, politeness opened to 8 requests in flight per host (the rate and
# burst do not hold it back).
# With BENCH_REUSE_DUMP=1, a dump that $out already holds for the same articles, hosts and port,
# made after the last build of newshound-testsite, is kept (everything else in $out goes): the
# crawls can be run again without the dump's minutes.
bench_site_prepare() {
  local stamp="$articles articles, $hosts hosts, port $port"
  if [ "${BENCH_REUSE_DUMP:-0}" = 1 ] && [ -f "$out/site/truth.jsonl" ] &&
    [ "$out/site.stamp" -nt "$bin/newshound-testsite" ] && [ "$(cat "$out/site.stamp")" = "$stamp" ]; then
    echo "== reusing the dump in $out/site ($stamp; BENCH_REUSE_DUMP=1)"
    find "$out" -mindepth 1 -maxdepth 1 ! -name site ! -name site.stamp -exec rm -rf {} +
  else
    rm -rf "$out"
    mkdir -p "$out"
    echo "== dumping $articles articles over $hosts hosts (127.0.0.11.., port $port) to $out/site"
    "$bin/newshound-testsite" --articles "$articles" --hosts "$hosts" --addr "127.0.0.1:$port" --dump-site "$out/site"
    echo "$stamp" > "$out/site.stamp"
  fi

  local list="" seeds="" seed host
  for seed in "${bench_seeds[@]}"; do
    host=${seed#http://}
    host=${host%/}
    list="$list${list:+, }\"$host\""
    seeds="$seeds${seeds:+, }\"$seed\""
  done
  cat > "$out/site.toml" <<EOF
# Written by tests/bench-site.sh: the fixture site's dump served by nginx.
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
}

# Serves $out/site with nginx while the sourcing script runs again as `SCRIPT --crawl`.
bench_site_serve() {
  NGINX_DIR="$out/nginx" BENCH_OUT="$out" RELEASE_DIR="$bin" \
    "$bench_root/crates/testsite/nginx/serve.sh" "$out/site" -- "$0" --crawl
}

# The requests nginx has served so far (this reading included).
bench_requests() {
  curl -fsS "$NGINX_STATUS_URL" | awk 'NR == 3 { print $3 }'
}

# bench_timed NAME COMMAND...: runs COMMAND under /usr/bin/time with its output in $out/NAME.log
# (tail shown and the bench stopped if it fails), then prints NAME's pages (requests nginx served
# meanwhile), seconds, pages/s, CPU ms per page and peak RSS, also into $out/NAME.figures, and
# "pages elapsed user sys rss_kib" into $out/NAME.nums.
bench_timed() {
  local name=$1 before after elapsed user sys rss_kib pages
  shift
  before=$(bench_requests)
  /usr/bin/time -o "$out/$name.time" -f '%e %U %S %M' "$@" > "$out/$name.log" 2>&1 ||
    { tail -20 "$out/$name.log" >&2; echo "$bench_name: $name failed (log: $out/$name.log)" >&2; exit 1; }
  after=$(bench_requests)
  read -r elapsed user sys rss_kib < "$out/$name.time"
  pages=$((after - before - 1)) # the second reading counts the first
  echo "$pages $elapsed $user $sys $rss_kib" > "$out/$name.nums"
  awk -v name="$name" -v pages="$pages" -v e="$elapsed" -v u="$user" -v s="$sys" -v kib="$rss_kib" 'BEGIN {
    printf "%s: %d pages in %.1f s: %.1f pages/s, %.2f CPU ms per page (%.1f s user + %.1f s system), peak RSS %.1f MiB\n",
      name, pages, e, pages / (e > 0 ? e : 1), (u + s) * 1000 / (pages > 0 ? pages : 1), u, s, kib / 1024 }' |
    tee "$out/$name.figures"
}

# bench_check_articles NAME: scores $out/NAME/articles.jsonl against the dump's truth and fails
# unless every article is there exactly once, and nothing else.
bench_check_articles() {
  local name=$1
  "$bin/crawl-score" --truth "$out/site/truth.jsonl" --articles "$out/$name/articles.jsonl" | tee "$out/$name.score"
  awk '/^truth articles/ { gsub(",", ""); truth = $3; once = $NF }
       /^missing/ { gsub(",", ""); bad = $2 + $4 + $6 }
       END { exit !(truth > 0 && truth == once && bad == 0) }' "$out/$name.score" ||
    { echo "$bench_name: the output of $name is wrong (see above)" >&2; exit 1; }
}
