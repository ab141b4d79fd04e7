# Two commands for a new machine: `make run` (set up and serve) and `make test` (the whole suite).
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The demo's own session and audit keys, generated once (mode 0600); production sets its own.
DEMO_ENV := BUENGOBIERNO_SECRET_KEY_FILE=var/secret_key BUENGOBIERNO_AUDIT_KEY_FILE=var/audit.key

.PHONY: help run test lint typecheck unit bench bundle clean chromium pango slapd

help: ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev,postgres]'
	touch $@

# Front-end packages (htmx, bpmn-js, axe-core) from npm; served from node_modules, never committed.
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund
	touch $@

# The workbench's browser bundles, built by esbuild (a devDependency) into web/bundles/
# (git-ignored), which web/assets.py serves: bpmnlint's recommended rules with bpmn-js-bpmnlint
# (ES modules only, and bpmnlint's configuration must be compiled), and the properties panel
# with our provider for the spiffworkflow: extensions (the panel's UMD build does not expose
# the entry components a provider needs).
BUNDLE_SOURCES := $(wildcard web/frontend/*.js web/frontend/*.mjs web/frontend/*.json) web/frontend/.bpmnlintrc
web/bundles/.built: node_modules/.installed $(BUNDLE_SOURCES)
	node web/frontend/build.mjs
	touch $@

bundle: web/bundles/.built ## Build the workbench's browser bundles (web/bundles/, from node_modules)

# Browser tests drive Debian's Chromium (never a downloaded browser build).
chromium:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# WeasyPrint (the PDF documents) lays text out with Debian's Pango, and needs a font.
pango:
	@ldconfig -p | grep -q libpangoft2-1.0.so.0 && fc-list | grep -qi dejavu || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)

# The directory sign-in tests start their own OpenLDAP (Debian's slapd, on a free port, as the
# current user); the package's own server is not configured (no_configuration) and never used.
slapd:
	@test -x /usr/sbin/slapd && test -x /usr/bin/ldapadd || (echo "slapd slapd/no_configuration boolean true" | debconf-set-selections && apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slapd ldap-utils)

run: $(VENV)/.installed node_modules/.installed web/bundles/.built pango ## Set up SQLite under ./var with demo users, deploy processes/, serve on http://127.0.0.1:5000 (and a worker; demo audit key in var/audit.key)
	$(BIN)/buengobierno init --demo
	$(BIN)/buengobierno deploy processes/bpmn
	$(BIN)/buengobierno secret-key --file var/secret_key
	$(BIN)/buengobierno secret-key --file var/audit.key
	@echo "worker de temporizadores y notificaciones en segundo plano (registro: var/worker.log)"
	$(DEMO_ENV) $(BIN)/buengobierno worker --poll 15 > var/worker.log 2>&1 & worker=$$!; trap 'kill $$worker' EXIT INT TERM; $(DEMO_ENV) $(BIN)/buengobierno serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed ## ruff, import-linter contracts, mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint node_modules/.installed web/bundles/.built chromium pango slapd ## Install what the tests need and run the whole suite (SQLite and PostgreSQL)
	$(BIN)/pytest

bench: $(VENV)/.installed ## Run the benchmarks (print tables; nothing is asserted)
	$(PYTHON) bench/engine_overhead.py
	$(PYTHON) bench/inbox.py
	$(PYTHON) bench/timers.py

clean: ## Remove the virtualenv, the local database and caches
	rm -rf $(VENV) node_modules web/bundles var .pytest_cache .mypy_cache .ruff_cache test-artifacts
