# Two commands matter: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast test-e2e lint bench setup migrate demo worker clean screenshots

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

setup: $(BIN)/.installed

migrate: setup
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(BIN)/python manage.py load_demo_analysis
	DEBUG=1 $(BIN)/python manage.py load_demo

# Serves the demo on SQLite with the background worker beside the server; Ctrl-C stops both.
# DEBUG is off, so people see Concord's own error pages; CONCORD_LOCAL_HTTP allows plain
# HTTP on this computer and keeps a secret key in .concord-local-secret.
LOCAL := CONCORD_LOCAL_HTTP=1
run: demo
	@$(LOCAL) $(BIN)/python manage.py collectstatic --noinput -v 0
	@echo "Concord: http://$(HOST):$(PORT)/  (log in with a demo user above)"
	@$(LOCAL) $(BIN)/python manage.py db_worker --no-reload --interval 0.5 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(LOCAL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: migrate
	DEBUG=1 $(BIN)/python manage.py db_worker

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

test-e2e: setup
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

# PNGs of the demo's main pages for the README, in a real Chromium.
screenshots: setup
	CONCORD_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/e2e/test_screenshots.py -q $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

$(BIN)/.bench-installed: requirements-bench.txt $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	touch $@

# Writes docs/benchmarks.md; `make bench ONLY=bench_dedup` runs one.
bench: $(BIN)/.bench-installed migrate
	$(BIN)/python bench/run_all.py $(ONLY)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media staticfiles
