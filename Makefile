# newshound: the two set-up commands are `make demo` (a crawl) and `make test`.

CARGO ?= cargo
SITE_ADDR ?= 127.0.0.1:8311
ARTICLES ?= 1000
BENCH_ARTICLES ?= 2000
EVAL_DIR ?= ../shared/eval/dev

.PHONY: demo test lint check-deploy bench bench-crawl bench-distributed bench-freshness bench-extract eval eval-baseline services build release

build:
	$(CARGO) build --workspace --bins

release:
	$(CARGO) build --release -p newshound -p newshound-testsite -p newshound-e2e

## Builds, serves the fixture news site, crawls it with the embedded default.
demo:
	$(CARGO) build --release -p newshound -p newshound-testsite
	@./target/release/newshound-testsite --addr $(SITE_ADDR) --articles $(ARTICLES) > /tmp/newshound-demo-site.log 2>&1 & \
	site=$$!; trap 'kill $$site 2>/dev/null' EXIT; \
	for i in $$(seq 1 100); do grep -q listening /tmp/newshound-demo-site.log && break; sleep 0.1; done; \
	grep -q listening /tmp/newshound-demo-site.log || { cat /tmp/newshound-demo-site.log; exit 1; }; \
	rm -rf out/demo; \
	./target/release/newshound run --config config/sites/testsite.toml --once --out out/demo && \
	echo "articles: $$(wc -l < out/demo/articles.jsonl) records in out/demo/articles.jsonl"

## Unit, integration and end-to-end tests (real HTTP over loopback; RabbitMQ and
## Redis where a test needs them: `make services` starts them).
test: build
	$(CARGO) test --workspace

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
bench: bench-extract bench-crawl bench-distributed bench-freshness

bench-extract:
	$(CARGO) bench -p newshound-extract

bench-crawl: release
	@./target/release/newshound-testsite --addr $(SITE_ADDR) --articles $(BENCH_ARTICLES) > /tmp/newshound-bench-site.log 2>&1 & \
	site=$$!; trap 'kill $$site 2>/dev/null' EXIT; \
	for i in $$(seq 1 100); do grep -q listening /tmp/newshound-bench-site.log && break; sleep 0.1; done; \
	rm -rf out/bench; \
	./target/release/newshound run --config config/sites/testsite.toml --once --out out/bench && \
	./target/release/crawl-score --truth http://$(SITE_ADDR)/__truth.jsonl --articles out/bench/articles.jsonl

## The same fixture site crawled embedded and by a cluster of role processes
## (1 frontier, 3 fetchers, 2 parsers, a sink) on the local RabbitMQ and Redis.
bench-distributed: release
	./target/release/crawl-bench --articles $(BENCH_ARTICLES)

## Freshness of a continuous crawl (embedded and distributed): publication to
## record, with hubs revisited every 5 s, and requests per new article.
bench-freshness: release
	./target/release/freshness-bench --seconds 60

## Extraction quality and speed on an evaluation set (EVAL_DIR: one folder per
## set, each with html/ and gt/), on pages of the fixture site when there is none.
eval: release
	@if [ -d "$(EVAL_DIR)" ]; then \
	  for set in $$(ls $(EVAL_DIR)); do \
	    echo "== $$set"; \
	    ./target/release/newshound eval --pages $(EVAL_DIR)/$$set/html --truth $(EVAL_DIR)/$$set/gt || exit 1; \
	  done; \
	else \
	  echo "make eval: no evaluation set at $(EVAL_DIR) (EVAL_DIR=DIR names one: DIR/SET/html, DIR/SET/gt);"; \
	  echo "make eval: measuring on 500 pages of the fixture site instead (synthetic, not a quality figure)"; \
	  rm -rf out/eval-fixture; \
	  ./target/release/newshound-testsite --articles 500 --dump out/eval-fixture && \
	  ./target/release/newshound eval --pages out/eval-fixture/html --truth out/eval-fixture/gt --timezone Asia/Seoul; \
	fi

## trafilatura's CPU per page on the same pages, for the speed ratio (pip install trafilatura lxml_html_clean)
eval-baseline:
	@[ -d "$(EVAL_DIR)" ] || { echo "make eval-baseline: no evaluation set at $(EVAL_DIR) (EVAL_DIR=DIR names one)" >&2; exit 1; }
	@for set in $$(ls $(EVAL_DIR)); do \
	  echo "== $$set"; \
	  python3 crates/eval/baseline/trafilatura_cpu.py --pages $(EVAL_DIR)/$$set/html --truth $(EVAL_DIR)/$$set/gt || exit 1; \
	done
