# govflow — developer entry points.  `make run` and `make test` set everything up on a fresh
# Debian machine that has only Python 3.11 and make (plus the package registries).
#
#   make run           venv + install, db upgrade, seed demo (once), scheduler + web on :$(PORT)
#   make test          ruff check, ruff format --check, the import contract (lint-imports),
#                      pytest on SQLite, then on PostgreSQL when GOVFLOW_TEST_DATABASE_URL is set
#   make lint | fmt | bench | browser-deps | node-deps | pg-start | pg-stop | clean
#
# Variables (make VAR=value or environment):
#   PORT=5000 HOST=127.0.0.1 WORKERS=1 THREADS=4 SEED=auto|always|never   (make run)
#   PYTEST_ARGS='-k foo -x'          extra pytest arguments (both legs of make test)
#   TEST_WORKERS=auto                pytest-xdist workers per leg (one a core; 0 = in-process)
#   GOVFLOW_TEST_DATABASE_URL=...    enables the PostgreSQL leg of make test, e.g.
#                                    postgresql+psycopg://govflow@127.0.0.1:55432/govflow_test
#                                    (scripts/pg-throwaway start prints one)
#   BROWSER_DEPS=0 NODE_DEPS=0       skip the Debian chromium/fonts and npm steps
#   PYTHON=...                       interpreter for the venv (python3.11, else python3)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory
# apt-get and pip must not run side by side (make -j): keep every recipe sequential.
.NOTPARALLEL:

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3)
VENV ?= .venv
VENV_BIN := $(abspath $(VENV))/bin
# The venv's tools (govflow, ruff, gunicorn, pytest) come first for every recipe.
export PATH := $(VENV_BIN):$(PATH)
export VIRTUAL_ENV := $(abspath $(VENV))

# Reinstalled whenever the package metadata changes (or the venv is deleted).
INSTALL_STAMP := $(VENV)/.govflow-install.stamp

PORT ?= 5000
HOST ?= 127.0.0.1
WORKERS ?= 1
THREADS ?= 4
SEED ?= auto
export PORT HOST WORKERS THREADS SEED

PYTEST_ARGS ?=
TEST_WORKERS ?= auto
BROWSER_DEPS ?= 1
NODE_DEPS ?= 1
BROWSER_PACKAGES := chromium fonts-noto-cjk fonts-liberation
# The CJK font embedded in written notices (engine/notices/pdf.py): needed to run, not
# only for the browser tests.
NOTICE_FONT_PACKAGES := fonts-noto-cjk
VENDOR_DIR := web/static/vendor

.PHONY: help install run test test-sqlite test-pg lint fmt bench browser-deps node-deps \
        notice-fonts translations pg-start pg-stop clean

help:
	@sed -n '1,/^$$/s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

# ---- environment ------------------------------------------------------------------------

$(INSTALL_STAMP): setup.cfg pyproject.toml
	@scripts/ensure-venv "$(PYTHON)" "$(VENV)"
	"$(VENV_BIN)/python" -m pip install -q -e '.[dev]'
	@touch "$@"

install: $(INSTALL_STAMP) notice-fonts

notice-fonts:
	@scripts/apt-ensure --required $(NOTICE_FONT_PACKAGES)

browser-deps:
ifeq ($(BROWSER_DEPS),1)
	@scripts/apt-ensure $(BROWSER_PACKAGES)
else
	@echo "BROWSER_DEPS=0: not checking $(BROWSER_PACKAGES)"
endif

# npm ci (or npm install without a lock file) in $(VENDOR_DIR), when it has a package.json;
# redone only when package.json or package-lock.json changes.
node-deps:
ifeq ($(NODE_DEPS),1)
	@if [ ! -f "$(VENDOR_DIR)/package.json" ]; then \
	    echo "node-deps: no $(VENDOR_DIR)/package.json; nothing to install"; exit 0; fi; \
	stamp="$(VENDOR_DIR)/node_modules/.govflow-stamp"; \
	if [ -f "$$stamp" ] && [ -z "$$(find "$(VENDOR_DIR)" -maxdepth 1 \
	        \( -name package.json -o -name package-lock.json \) -newer "$$stamp")" ]; then exit 0; fi; \
	command -v npm >/dev/null 2>&1 || scripts/apt-ensure --required npm; \
	cd "$(VENDOR_DIR)"; \
	if [ -f package-lock.json ]; then echo "npm ci in $(VENDOR_DIR)"; npm ci --no-audit --no-fund; \
	else echo "npm install in $(VENDOR_DIR)"; npm install --no-audit --no-fund; fi; \
	touch node_modules/.govflow-stamp
else
	@echo "NODE_DEPS=0: skipping npm"
endif

# ---- run --------------------------------------------------------------------------------

run: $(INSTALL_STAMP) notice-fonts node-deps
	@scripts/serve

# ---- checks -----------------------------------------------------------------------------

lint: $(INSTALL_STAMP)
	ruff check .
	ruff format --check .
	lint-imports

fmt: $(INSTALL_STAMP)
	@rc=0; ruff check --fix . || rc=$$?; ruff format .; exit $$rc

# $(call run_pytest,ENV-PREFIX): pytest with PYTEST_ARGS under `env ENV-PREFIX`, in two runs:
# every test but the browser ones spread over TEST_WORKERS pytest-xdist processes (each test
# has a database of its own), then the browser tests in one process (they share one live
# server, one chromium and a screenshot folder). Exit status 5 (no tests collected) of one
# run is fine; of both it fails like any other: we always have tests, so none means breakage.
run_pytest = rc=0; env $(1) python -m pytest -n $(TEST_WORKERS) -m 'not browser' $(PYTEST_ARGS) \
	|| rc=$$?; \
	brc=0; env $(1) python -m pytest -m browser $(PYTEST_ARGS) || brc=$$?; \
	if [ $$rc -eq 5 ] && [ $$brc -eq 5 ]; then \
	    echo "make: pytest collected no tests; that is a failure" >&2; exit 5; fi; \
	[ $$rc -eq 5 ] && rc=0; [ $$brc -eq 5 ] && brc=0; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; exit $$brc

# Two legs, each its own pytest run (the conftest picks the database from the environment):
#  - SQLite: GOVFLOW_TEST_DATABASE_URL must NOT be visible to it, so the leg runs under
#    `env -u GOVFLOW_TEST_DATABASE_URL` even when the caller exported the variable;
#  - PostgreSQL: only when GOVFLOW_TEST_DATABASE_URL is set, exported to pytest as it is.
# GOVFLOW_TEST_DB names the leg (sqlite | postgresql) for the conftest and for reports.
# GOVFLOW_DATABASE_URL (the app's own setting) is unset in both legs, so that tests never
# touch a developer's real database.
test: $(INSTALL_STAMP) node-deps browser-deps
	ruff check .
	ruff format --check .
	lint-imports
	@$(MAKE) test-sqlite
	@if [ -n "$${GOVFLOW_TEST_DATABASE_URL:-}" ]; then $(MAKE) test-pg; \
	else echo "GOVFLOW_TEST_DATABASE_URL is not set: skipping the PostgreSQL leg" \
	    "(to run it: eval \"\$$(scripts/pg-throwaway start >/dev/null; scripts/pg-throwaway env)\")"; fi

test-sqlite: $(INSTALL_STAMP) notice-fonts
	@echo "==> pytest on SQLite"
	@$(call run_pytest,-u GOVFLOW_TEST_DATABASE_URL -u GOVFLOW_DATABASE_URL GOVFLOW_TEST_DB=sqlite)

test-pg: $(INSTALL_STAMP) notice-fonts
	@if [ -z "$${GOVFLOW_TEST_DATABASE_URL:-}" ]; then \
	    echo "test-pg: set GOVFLOW_TEST_DATABASE_URL (see scripts/pg-throwaway)" >&2; exit 1; fi
	@echo "==> pytest on PostgreSQL: $${GOVFLOW_TEST_DATABASE_URL}"
	@$(call run_pytest,-u GOVFLOW_DATABASE_URL GOVFLOW_TEST_DB=postgresql)

bench: $(INSTALL_STAMP)
	@if [ -f bench/__main__.py ]; then python -m bench; \
	else echo "bench: no bench/__main__.py yet; nothing to run"; fi

# Page strings: extract, merge into the Chinese catalogue, compile the committed .mo.
translations: $(INSTALL_STAMP)
	pybabel extract -F babel.cfg -k _l --no-location --omit-header \
	    -o web/translations/messages.pot web
	pybabel update -i web/translations/messages.pot -d web/translations -l zh
	pybabel compile -d web/translations -l zh

# ---- local PostgreSQL -------------------------------------------------------------------

pg-start:
	@scripts/pg-throwaway start

pg-stop:
	@scripts/pg-throwaway stop

# ---- clean ------------------------------------------------------------------------------

# Removes the venv and build/test leftovers. Keeps instance/ (your local database).
clean:
	rm -rf "$(VENV)" build dist *.egg-info .pytest_cache .ruff_cache .hypothesis test-artifacts \
	    .grimp_cache .import_linter_cache
	find . -path ./node_modules -prune -o -path "./$(VENV)" -prune -o \
	    -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf "$(VENDOR_DIR)/node_modules"
