# newshound: the two set-up commands are `make demo` (a crawl) and `make test`.

CARGO ?= cargo
SITE_ADDR ?= 127.0.0.1:8311
ARTICLES ?= 1000
BENCH_ARTICLES ?= 2000
EVAL_DIR ?= ../shared/eval/dev
EXTRA_DIR ?= ../shared/eval/extra

WARCIO_VENV ?= .venv-warcio
WARCIO_VERSION ?= 1.8.1

.PHONY: demo test test-tools lint check-deploy bench bench-crawl bench-peers peers bench-warc bench-distributed bench-freshness bench-extract eval eval-baseline services build release

build:
	$(CARGO) build --workspace --bins

release:
	$(CARGO) build --release -p newshound -p newshound-testsite -p newshound-e2e

## Builds, serves the fixture news site, crawls it with the embedded default.
demo:
	$(CARGO) build -p newshound -p newshound-testsite
	@./target/debug/newshound-testsite --addr $(SITE_ADDR) --articles $(ARTICLES) > /tmp/newshound-demo-site.log 2>&1 & \
	site=$$!; trap 'kill $$site 2>/dev/null' EXIT; \
	for i in $$(seq 1 100); do grep -q listening /tmp/newshound-demo-site.log && break; sleep 0.1; done; \
	grep -q listening /tmp/newshound-demo-site.log || { cat /tmp/newshound-demo-site.log; exit 1; }; \
	rm -rf out/demo; \
	./target/debug/newshound run --config config/sites/testsite.toml --once --out out/demo && \
	echo "articles: $$(wc -l < out/demo/articles.jsonl) records in out/demo/articles.jsonl"

## Unit, integration and end-to-end tests (real HTTP over loopback; RabbitMQ and
## Redis where a test needs them: `make services` starts them).
test: build test-tools
	NEWSHOUND_WARCIO=$(abspath $(WARCIO_VENV))/bin/warcio $(CARGO) test --workspace

## warcio (PyPI) in a virtualenv, for the tests that read the WARC output back.
## Fails (and so does `make test`) when it cannot be installed.
test-tools: $(WARCIO_VENV)/bin/warcio

$(WARCIO_VENV)/bin/warcio:
	python3 -m venv $(WARCIO_VENV) || { echo "test-tools: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
	$(WARCIO_VENV)/bin/pip install --quiet warcio==$(WARCIO_VERSION)
	$(WARCIO_VENV)/bin/warcio --help >/dev/null

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

services:
	bash deploy/local-services.sh

## Validates deploy/ offline: the compose file (Compose spec), the Kubernetes
## manifests (API schemas, strict, and their cross-references) and the
## Prometheus config (promtool); tools from PyPI into a virtualenv and apt.
check-deploy:
	bash deploy/check.sh

## Benchmarks: extraction (criterion), a crawl of the fixture site, the same
## crawl embedded vs distributed, and the freshness of a continuous crawl.
bench: bench-extract bench-crawl bench-warc bench-distributed bench-freshness

bench-extract:
	$(CARGO) bench -p newshound-extract

## The fixture site dumped to static files and served by nginx (installed from the distribution's
## packages when absent) on 8 loopback hosts, crawled embedded and distributed (local RabbitMQ and
## Redis), each output scored; prints pages/s, CPU ms per page and peak RSS of each.
## BENCH_ARTICLES=20000 for the issue's measured setup.
bench-crawl: release
	BENCH_ARTICLES=$(BENCH_ARTICLES) RELEASE_DIR=$(abspath $(RELEASE_DIR)) bash tests/bench-crawl.sh

## The same nginx-served dump crawled in one run by spider-rs (the `spider` crate, in the bench-only
## package bench/peers/ with its own workspace and Cargo.lock: the workspace's build and tests never
## build it) and by `newshound run --once`, interleaved, twice each; prints pages/s, CPU ms per page
## and peak RSS of each run and the ratios newshound / spider-rs. BENCH_ARTICLES=20000 for the
## issue's size.
PEERS_TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)/peers
peers:
	$(CARGO) build --release --locked --manifest-path bench/peers/Cargo.toml --target-dir $(abspath $(PEERS_TARGET_DIR))

bench-peers: release peers
	BENCH_ARTICLES=$(BENCH_ARTICLES) RELEASE_DIR=$(abspath $(RELEASE_DIR)) \
	  SPIDER_BENCH=$(abspath $(PEERS_TARGET_DIR))/release/spider-bench bash tests/bench-peers.sh

## The cost of the WARC output: the same crawl of the fixture site without and
## with `[output] warc = true`, twice each, alternating (CPU, time, bytes).
RELEASE_DIR ?= $(or $(CARGO_TARGET_DIR),target)/release
bench-warc: release
	@$(RELEASE_DIR)/newshound-testsite --addr $(SITE_ADDR) --articles $(BENCH_ARTICLES) > /tmp/newshound-bench-site.log 2>&1 & \
	site=$$!; trap 'kill $$site 2>/dev/null' EXIT; \
	for i in $$(seq 1 100); do grep -q listening /tmp/newshound-bench-site.log && break; sleep 0.1; done; \
	mkdir -p out; sed 's/^\[output\]$$/[output]\nwarc = true/' config/sites/testsite.toml > out/bench-warc.toml; \
	for round in 1 2; do for mode in plain warc; do \
	  cfg=config/sites/testsite.toml; [ $$mode = warc ] && cfg=out/bench-warc.toml; \
	  rm -rf out/bench-$$mode; \
	  /usr/bin/time -f "$$mode: %e s elapsed, %U s user + %S s system CPU, %M KiB peak RSS" \
	    $(RELEASE_DIR)/newshound run --config $$cfg --once --out out/bench-$$mode 2>&1 | grep -E "^crawl done|^$$mode:" || exit 1; \
	done; done; \
	du -b out/bench-plain/articles.jsonl out/bench-warc/articles.jsonl; du -sb out/bench-warc/warc; ls out/bench-warc/warc | wc -l

## The same fixture site crawled embedded and by a cluster of role processes
## (1 frontier, 3 fetchers, 2 parsers, a sink) on the local RabbitMQ and Redis.
bench-distributed: release
	./target/release/crawl-bench --articles $(BENCH_ARTICLES)

## Freshness of a continuous crawl (embedded and distributed): publication to
## record, with hubs revisited every 5 s, and requests per new article.
bench-freshness: release
	./target/release/freshness-bench --seconds 60

## Extraction quality and speed on each labelled set: every set under EVAL_DIR
## (../shared/eval/dev) and EXTRA_DIR (../shared/eval/extra), each split by site into a
## tuning and a checking part, with trafilatura's figures beside them when `make
## eval-baseline` has written its predictions. Without those directories (a user's clone),
## it says so and scores pages of the fixture site instead.
eval: release
	@sets=""; for d in $(EVAL_DIR) $(EXTRA_DIR); do [ -d "$$d" ] && sets="$$sets $$(ls -d $$d/*/)"; done; \
	if [ -n "$$sets" ]; then \
	  for set in $$sets; do \
	    name=$$(basename $$set); echo "== $$name ($$set)"; \
	    base=""; [ -d out/eval-baseline/$$name ] && base="--baseline out/eval-baseline/$$name --baseline-name trafilatura"; \
	    ./target/release/newshound eval --pages $$set/html --truth $$set/gt --rotate $$base || exit 1; \
	  done; \
	else \
	  echo "make eval: no labelled sets in $(EVAL_DIR) or $(EXTRA_DIR) (EVAL_DIR=DIR names one: DIR/SET/html, DIR/SET/gt);"; \
	  echo "make eval: measuring on 500 pages of the fixture site instead (synthetic, not a quality figure)"; \
	  rm -rf out/eval-fixture; \
	  ./target/release/newshound-testsite --articles 500 --dump out/eval-fixture && \
	  ./target/release/newshound eval --pages out/eval-fixture/html --truth out/eval-fixture/gt --timezone Asia/Seoul; \
	fi

## trafilatura's CPU per page on the same pages, and its predictions in out/eval-baseline/SET
## for `make eval` to score beside newshound's (trafilatura from PyPI, into a virtualenv)
TRAFILATURA_VENV ?= .venv-trafilatura
TRAFILATURA_VERSION ?= 2.3.1

$(TRAFILATURA_VENV)/bin/python:
	python3 -m venv $(TRAFILATURA_VENV) || { echo "eval-baseline: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
	$(TRAFILATURA_VENV)/bin/pip install --quiet trafilatura==$(TRAFILATURA_VERSION) lxml_html_clean

eval-baseline: $(TRAFILATURA_VENV)/bin/python
	@found=""; for d in $(EVAL_DIR) $(EXTRA_DIR); do [ -d "$$d" ] || continue; found=1; for set in $$(ls -d $$d/*/); do \
	  name=$$(basename $$set); echo "== $$name"; \
	  $(TRAFILATURA_VENV)/bin/python crates/eval/baseline/trafilatura_cpu.py --pages $$set/html --truth $$set/gt --out out/eval-baseline/$$name || exit 1; \
	done; done; \
	[ -n "$$found" ] || { echo "make eval-baseline: no evaluation set at $(EVAL_DIR) or $(EXTRA_DIR) (EVAL_DIR=DIR names one)" >&2; exit 1; }
