# Two commands: `make run` (the site and its jobs, embedded, demo data) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock requirements-dev.lock | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest workers (pytest-xdist): one per CPU; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto

.PHONY: run test lint types pytest bench load install messages clean screenshots

run: install messages
	@mkdir -p var/broker/queue var/broker/processed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Mutual aid tracker: http://$(HOST):$(PORT)/   (Ctrl-C stops the site and its jobs)"
	@echo ""
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/celery -A mutualaid worker --beat --concurrency=1 --loglevel=INFO \
		--schedule=var/celerybeat-schedule >var/worker.log 2>&1 & worker=$$!; \
	echo "  Background jobs: running (log in var/worker.log)"; \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

install: $(STAMP)

$(STAMP): requirements.lock requirements-dev.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@rm -f $(VENV)/.installed-*
	@touch $@

messages: install
	$(PY) manage.py compile_translations -v 0

test: lint types pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: install
	$(VENV)/bin/mypy .

pytest: install messages
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS)

bench: install messages
	$(PY) -m benchmarks

# The site under 50 concurrent clients on gunicorn, PostgreSQL, Redis and a worker (loopback
# only, a few minutes); needs PostgreSQL and Redis on this machine. Not part of CI.
load: install messages
	$(PY) -m benchmarks.load

# The README's pictures, taken from the real app: demo data on SQLite in a temporary VAR_DIR,
# Debian's Chromium (/usr/bin/chromium) through Playwright. Writes docs/screenshots/*.png.
# Not part of `make test`.
screenshots: install messages
	$(PY) tools/screenshots.py

clean:
	rm -rf var/ .venv/
