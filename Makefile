# Goalsite — `make run` and `make test` are the whole quick start.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12: from PATH, else from pyenv, else from uv's managed Pythons.
PYTHON312 ?= $(shell command -v python3.12 2>/dev/null || ls -d $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | sort -V | tail -n 1)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: help install install-dev run test lint fmt check browsers clean

help:
	@echo "make run    install, seed the demo organization and run Goalsite (web, worker, beat) on http://127.0.0.1:$(PORT)"
	@echo "make test   install and run the whole test suite (PostgreSQL, Redis, Celery worker, Chromium)"
	@echo "make lint   ruff and the migrations check"

$(VENV)/.created:
	@if [ -z "$(PYTHON312)" ]; then echo "Python 3.12 is needed: install it (pyenv install 3.12, apt, or uv python install 3.12) or set PYTHON312=/path/to/python3.12"; exit 1; fi
	$(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.created requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	@PORT=$(PORT) PY=$(PY) bash scripts/run.sh

browsers:
	@bash scripts/ensure-chromium.sh

# Unit and view tests run on TEST_WORKERS processes (pytest-xdist, one database
# each); integration (real Celery workers, Redis) and browser tests run after,
# in one process. JUNIT_DIR=dir writes junit-fast.xml and junit-slow.xml there.
TEST_WORKERS ?= 2
test: install-dev browsers
	@status=0; \
	$(PY) -m pytest tests --ignore=tests/integration --ignore=tests/browser -n $(TEST_WORKERS) $(if $(JUNIT_DIR),--junitxml=$(JUNIT_DIR)/junit-fast.xml) $(PYTEST_ARGS) || status=$$?; \
	$(PY) -m pytest tests/integration tests/browser $(if $(JUNIT_DIR),--junitxml=$(JUNIT_DIR)/junit-slow.xml) $(PYTEST_ARGS) || status=$$?; \
	exit $$status

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

fmt: install-dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) var test-artifacts staticfiles
