# Two commands for newcomers: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: setup run worker test test-sqlite test-postgres lint format bench debian-tools scale-test \
	load-test translations clean

# First run: each step says what it does and how long it took (pip shows its progress).
STEP = @printf '\n== %s ==\n' 
$(VENV)/.installed: pyproject.toml
	$(STEP) "[1/4] Python environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check --progress-bar on --upgrade pip
	$(STEP) "[2/4] Python packages (the first time takes a few minutes; later runs reuse pip's cache)"
	@start=$$(date +%s); $(BIN)/pip install --disable-pip-version-check -e '.[dev]' \
		&& echo "   done in $$(( $$(date +%s) - start )) s"
	touch $@

node_modules/.installed: package.json package-lock.json
	$(STEP) "[3/4] Front-end packages (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.installed: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/hls.js/dist/hls.min.js static/vendor/hls.min.js
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js
	cp node_modules/crc-32/crc32.js static/vendor/crc32.js
	touch $@

translations: $(VENV)/.installed
	$(STEP) "[4/4] Translations"
	$(BIN)/pybabel compile -d storefront/translations > /dev/null

setup: $(VENV)/.installed static/vendor/.installed translations

run: setup
	$(STEP) "Database migrations"
	$(BIN)/flask db upgrade
	$(STEP) "Demo data"
	$(BIN)/flask demo-data
	@echo "Store: http://$(HOST):$(PORT)  (Ctrl-C stops the store and its worker)"
	@trap 'kill 0' EXIT; $(BIN)/flask worker & $(BIN)/flask run --host $(HOST) --port $(PORT)

worker: setup
	$(BIN)/flask worker

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The suite runs on SQLite, then on PostgreSQL when TEST_DATABASE_URL names a server.
test: setup debian-tools lint test-sqlite test-postgres

# Three workers on two cores: much of the suite waits on browsers, servers and FFmpeg.
TEST_WORKERS ?= 3
# pytest exits 5 when it collected nothing; say so instead of failing obscurely.
PYTEST = $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PASS_ARGS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

# The load run (marker `load`) needs the machine to itself: the parallel passes leave it out
# and test-postgres runs it alone afterwards, once.
test-sqlite: PASS_ARGS = -m "not load"
test-sqlite: setup
	@echo "== test suite on SQLite =="
	@export TEST_DATABASE_URL=; $(PYTEST)

# The PostgreSQL pass repeats every test that uses the database. The browser tests drive the
# same pages on either database and the database-free tests (storage servers, FFmpeg, message
# catalogues, pure rules) cannot differ: both run once, in the SQLite pass.
test-postgres: PASS_ARGS = -m "not load" --ignore=tests/browser --database-tests-only
test-postgres: setup
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== tests that use the database, on PostgreSQL =="; $(PYTEST); \
	else echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory load-test; fi

# Debian tools the tests and benchmarks drive: Chromium (browser tests), wrk (load) and nginx
# (balancer, CDN edge).
debian-tools:
	@if ! command -v chromium >/dev/null || ! command -v wrk >/dev/null || \
		! { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; }; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium wrk nginx >/dev/null; \
	fi

bench: setup debian-tools
	$(BIN)/python -m bench

# Several web nodes behind nginx, a CDN edge, workers killed mid-job (PostgreSQL and Redis),
# then the load run.
scale-test: setup debian-tools
	$(BIN)/python -m pytest -p no:xdist -q -m "not load" tests/scale \
		tests/watching/test_cdn_edge.py tests/pipeline/test_worker.py
	@$(MAKE) --no-print-directory load-test

# The load run alone (PostgreSQL): 200 Locust viewers for SCALE_TEST_SECONDS (120) while a web
# node and a worker are killed; its figures are printed and kept in test-artifacts/.
SCALE_REPORT := test-artifacts/scale-test.txt
load-test: setup
	@echo "== load run: two nodes behind nginx, $${SCALE_TEST_USERS:-200} viewers, $${SCALE_TEST_SECONDS:-120} s =="
	@mkdir -p test-artifacts; rm -f $(SCALE_REPORT); \
	SCALE_TEST_REPORT=$(SCALE_REPORT) $(BIN)/python -m pytest -p no:xdist -q -m load tests/scale; \
	rc=$$?; if [ -f $(SCALE_REPORT) ]; then cat $(SCALE_REPORT); fi; exit $$rc

# Refresh the message catalogues after changing user-facing strings.
messages: $(VENV)/.installed
	$(BIN)/pybabel --quiet extract --no-location --sort-output -F babel.cfg -k _l -k lazy_gettext -k N_ -o storefront/translations/messages.pot .
	$(BIN)/pybabel --quiet update --no-fuzzy-matching --ignore-obsolete -i storefront/translations/messages.pot -d storefront/translations

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache
