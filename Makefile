# Compute–power–heat twin: the two commands of a fresh machine are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help setup migrate demo run run-distributed test test-fast test-integration bench lint

PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PASSWORD ?= demo-twin
PYTEST_ARGS ?=

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: ## install Debian packages (as root, if missing), .venv + requirements, front-end assets, translations
	@scripts/setup.sh

migrate: setup ## apply database migrations
	@$(PY) manage.py migrate --noinput -v 0

demo: migrate ## create/refresh the demo user and demo scenarios
	@$(PY) manage.py load_demo --password '$(DEMO_PASSWORD)'

run: demo ## serve http://127.0.0.1:8000 in embedded mode (SQLite, in-process workers); HOST=0.0.0.0 serves your LAN; Ctrl-C stops it
	@HOST=$(HOST) PORT=$(PORT) DEMO_PASSWORD='$(DEMO_PASSWORD)' exec scripts/run_embedded.sh

run-distributed: setup ## redis-server + Celery worker(s) + beat + daphne (TWIN_MODE=distributed); Ctrl-C stops all
	@HOST=$(HOST) PORT=$(PORT) DEMO_PASSWORD='$(DEMO_PASSWORD)' exec scripts/run_distributed.sh

test: setup ## run every test (unit, web, integration with real redis + Celery, browser with real Chromium)
	@$(PY) -m pytest -q $(PYTEST_ARGS) </dev/null

test-fast: setup ## every test except integration and browser
	@$(PY) -m pytest -q -m "not integration and not browser" $(PYTEST_ARGS) </dev/null

test-integration: setup ## only the real redis-server + Celery worker tests
	@$(PY) -m pytest -q tests/integration $(PYTEST_ARGS) </dev/null

bench: setup ## run every benchmarks/*.py and print its figures
	@$(PY) benchmarks/run_all.py

lint: setup ## ruff over the code base
	@.venv/bin/ruff check .
