# One entry point. `make run` serves the app with demo data; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export FLASK_APP := syndication

.PHONY: setup run test test-unit test-browser test-postgres lint lock lock-check chromium bench screenshots \
	loadtest

# Installs exactly the lock (every package pinned, every file hashed), starting with the
# locked pip itself: neither an upstream release nor the pip a virtualenv happens to ship
# can change what a fresh machine gets. The app
# runs from the checkout, as in production, so the project itself is not installed.
$(VENV)/.installed: requirements/test.txt requirements/pip.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/pip.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements/test.txt
	$(BIN)/pip check
	touch $@

setup: $(VENV)/.installed

# The web server and the background worker side by side; Ctrl-C stops both.
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@$(BIN)/flask worker & worker=$$!; \
	  trap 'kill -INT $$worker 2>/dev/null; wait $$worker' INT TERM EXIT; \
	  $(BIN)/flask run --host 127.0.0.1 --port 5000

# Debian's Chromium drives the browser tests; Playwright never downloads a browser.
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# docs/screenshots/ from the running demo (`make run` in another terminal), in Chromium;
# URL=http://host:port points it at another server.
screenshots: setup chromium
	$(BIN)/python bin/screenshots.py $(if $(URL),--base-url $(URL))

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite runs in TEST_WORKERS processes (pytest-xdist), each on a database of its own
# (tests/conftest.py): two for a two-core machine. `make test-unit TEST_WORKERS=0` runs
# it in this one process. A worker that runs out of tests takes some of the other's
# (worksteal): a few tests take a minute where most take milliseconds. The browser tests
# share one live server and run in one process: two gained 20% at twice the Chromiums.
TEST_WORKERS ?= 2

test-unit: setup
	$(BIN)/pytest -m "not browser" -n $(TEST_WORKERS) --dist worksteal

test-browser: setup chromium
	$(BIN)/pytest -m browser

test: lint test-unit test-browser

# Tasks run on Redis here, on a db number of their own (the rate limits use db 0), and
# pixel hits wait in Redis too, on another. Each worker migrates a database named after
# PG_URL's and itself (test_gw0, test_gw1: made when missing), and the workers share the
# Redis dbs, each under queue names of its own.
test-postgres: setup
	DATABASE_URL=$(PG_URL) TASK_QUEUE_URL=redis://127.0.0.1:6379/2 \
	  PIXEL_BUFFER_URL=redis://127.0.0.1:6379/3 $(BIN)/pytest -m "not browser" -n $(TEST_WORKERS) --dist worksteal

# The lock: requirements/test.txt (runtime and test), requirements/main.txt (runtime only,
# what production installs, pinned to the same versions) and requirements/pip.txt (the pip
# every install starts with). pip-compile keeps the existing pins
# and only resolves what pyproject.toml changed; `make lock UPGRADE=1` moves everything to
# the newest releases. Commit the lock with the pyproject.toml change that needed it.
LOCK_OPTS := --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(if $(UPGRADE),--upgrade)
export CUSTOM_COMPILE_COMMAND := make lock
LOCK_DIR ?= requirements

lock: setup
	$(BIN)/pip-compile $(LOCK_OPTS) --extra test -o $(LOCK_DIR)/test.txt pyproject.toml
	$(BIN)/pip-compile $(LOCK_OPTS) -c $(LOCK_DIR)/test.txt -o $(LOCK_DIR)/main.txt pyproject.toml
	$(BIN)/pip-compile $(LOCK_OPTS) -c $(LOCK_DIR)/test.txt -o $(LOCK_DIR)/pip.txt requirements/pip.in

# CI: compile again into a copy of the lock; any difference means pyproject.toml and the
# lock disagree (a dependency added to one and not the other).
lock-check: setup
	@rm -rf .lock-check && mkdir .lock-check && cp requirements/*.txt .lock-check/
	@$(MAKE) --no-print-directory lock LOCK_DIR=.lock-check
	@sed -i 's|\.lock-check/|requirements/|' .lock-check/main.txt .lock-check/pip.txt
	diff -u requirements/test.txt .lock-check/test.txt
	diff -u requirements/main.txt .lock-check/main.txt
	diff -u requirements/pip.txt .lock-check/pip.txt
	@rm -rf .lock-check

bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Two app servers and two workers on one PostgreSQL and Redis under Locust's mixed traffic
# while staff act on one server (bench/loadtest/run.py); not part of `make test`.
# LOADTEST_ARGS passes flags on, e.g. LOADTEST_ARGS="--duration 60 --rate 30".
loadtest: setup
	$(BIN)/python bench/loadtest/run.py $(LOADTEST_ARGS)
