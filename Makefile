# The front door. Every target installs what it needs into .venv from the machine's python3.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The venv is rebuilt only when the project's dependencies change.
STAMP := $(VENV)/.installed
# Generator post-hooks call ruff by name: the venv's tools come first.
export PATH := $(CURDIR)/$(BIN):$(PATH)

GENERATOR := $(BIN)/openapi-python-client generate --path openapi.yaml \
	--config openapi-python-client.yaml --meta none --overwrite
GENERATED := generated/memoram_api
LINTED := memoram_async memoram_local scripts tests examples

.PHONY: help venv generate check-generated spec lint format typecheck docs browser pytest test demo bench dist \
	chaos screenshots

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

venv: $(STAMP)  ## Create .venv and install the project with its development tools

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[local,dev]'
	touch $(STAMP)

generate: $(STAMP)  ## Regenerate generated/memoram_api from openapi.yaml
	$(GENERATOR) --output-path $(GENERATED)

check-generated: $(STAMP)  ## Fail, listing files, when generated/ differs from a fresh generation
	$(PY) scripts/check_generated.py

spec: $(STAMP)  ## Validate openapi.yaml
	$(BIN)/openapi-spec-validator openapi.yaml

lint: $(STAMP)  ## ruff check and format --check (not on generated/)
	$(BIN)/ruff check $(wildcard $(LINTED))
	$(BIN)/ruff format --check $(wildcard $(LINTED))

format: $(STAMP)  ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix $(wildcard $(LINTED))
	$(BIN)/ruff format $(wildcard $(LINTED))

typecheck: $(STAMP)  ## mypy --strict on memoram_async, memoram_local, the generated client and tests/typing
	$(BIN)/mypy memoram_async memoram_local $(GENERATED) $(wildcard tests/typing)

pytest: $(STAMP)  ## The test suite only
	$(BIN)/pytest

docs: $(STAMP)  ## Build the documentation site into build/docs, warnings as errors (offline)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# SKIP_BROWSER=1 (make test SKIP_BROWSER=1) installs nothing; the browser test is then skipped.
browser:  ## Install Debian's chromium and chromium-driver for the dashboard's browser test (as root)
	@if [ -n "$${SKIP_BROWSER:-}" ]; then \
		echo "browser: SKIP_BROWSER is set; nothing installed (the browser test skips without chromium)"; \
	elif [ -x /usr/bin/chromium ]; then \
		echo "browser: /usr/bin/chromium is installed"; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "browser: no apt-get here; install chromium yourself, or the dashboard's browser test is skipped"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "browser: not root; run 'sudo make browser', or the dashboard's browser test is skipped"; \
	else \
		echo "browser: installing chromium and chromium-driver with apt-get"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver >/dev/null; } \
		|| echo "browser: apt-get failed; the dashboard's browser test is skipped"; \
	fi

test: lint typecheck spec check-generated docs browser pytest  ## Every check, the docs, then the test suite

demo: $(STAMP)  ## The quickstart against a local server, approved through its dashboard
	$(PY) scripts/demo.py

dist: $(STAMP)  ## Build the sdist and the wheel into dist/
	$(PY) -m build --outdir dist .

screenshots: $(STAMP) browser  ## Regenerate docs/dashboard.png (1280 px) and docs/dashboard-800.png
	$(PY) scripts/dashboard_screenshots.py --out docs

bench: $(STAMP)  ## Benchmarks vs raw httpx and raw AES-GCM; writes BENCHMARKS.md (a few minutes)
	$(PY) scripts/bench.py

chaos: $(STAMP)  ## Faults, token churn, hostile answers, bad input, secrets, SIGKILL: one table (minutes)
	$(PY) scripts/chaos.py
