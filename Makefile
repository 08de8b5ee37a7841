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
LINTED := memoram_async memoram_pytest scripts tests examples
# The whole suite measures branch coverage of the SDK and fails under this percentage.
COVERAGE := --cov=memoram_async --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=90
# One folder of tests/ per tier (see tests/__init__.py); `make test-<tier>` runs one alone.
TIERS := unit emulator sdk_local scenarios e2e

.PHONY: help venv generate check-generated spec lint format typecheck browser pytest test check demo bench dist chaos \
	$(addprefix test-,$(subst _,-,$(TIERS)))

help:  ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

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

typecheck: $(STAMP)  ## mypy --strict on memoram_async, the plugin, the generated client and tests/typing
	$(BIN)/mypy memoram_async memoram_pytest $(GENERATED) $(wildcard tests/typing)

pytest: $(STAMP)  ## The whole test suite, with branch coverage of memoram_async (fails under 90 %)
	$(BIN)/pytest $(COVERAGE)

test-unit: $(STAMP)  ## Tier 1: the SDK in process, no server (seconds)
	$(BIN)/pytest tests/unit

test-emulator: $(STAMP)  ## Tier 2: the local server's own tests
	$(BIN)/pytest tests/emulator

test-sdk-local: $(STAMP)  ## Tier 3: the SDK and its pytest plugin against the local server over loopback
	$(BIN)/pytest tests/sdk_local

test-scenarios: $(STAMP)  ## Tier 4: the chaos scenarios at small size
	$(BIN)/pytest tests/scenarios

test-e2e: $(STAMP)  ## Tier 5: examples, README, release, browser, benchmark smoke (minutes)
	$(BIN)/pytest tests/e2e

check: lint typecheck test-unit  ## The fast tier: lint, types, unit tests (under a minute)

browser:  ## Install Debian's chromium and chromium-driver for the dashboard's browser test (needs root)
	@if [ -x /usr/bin/chromium ]; then \
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

test: lint typecheck spec check-generated browser pytest  ## Every check, then the test suite

demo: $(STAMP)  ## The quickstart against a local server, approved through its dashboard
	$(PY) scripts/demo.py

dist: $(STAMP)  ## Build the sdist and the wheel into dist/
	$(PY) -m build --outdir dist .

bench: $(STAMP)  ## Benchmarks vs raw httpx and raw AES-GCM; writes BENCHMARKS.md (a few minutes)
	$(PY) -m scripts.bench

chaos: $(STAMP)  ## Faults, token churn, hostile answers, bad input, secrets, SIGKILL: one table (minutes)
	$(PY) -m scripts.chaos
