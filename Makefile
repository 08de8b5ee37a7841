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
# Python may cache bytecode (in .venv and __pycache__/, both ignored by git) even where the
# environment says not to: the suite alone starts a few hundred Python processes, and each would
# otherwise compile every module it imports again.
unexport PYTHONDONTWRITEBYTECODE

GENERATED := generated/memoram_api
LINTED := memoram_async memoram_local memoram_pytest scripts tests examples
# What `make spec-diff` and `make regenerate-pr-prep` compare with: unset, the last release
# recorded in release/; or any git ref (BASE=main). It reaches the scripts as the environment
# variable BASE, never through a shell command line.
export BASE
# The whole suite measures branch coverage of the SDK and fails under this percentage.
COVERAGE := --cov=memoram_async --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=90
# pytest-xdist workers for `make pytest`; WORKERS=0 runs in one process. Three on the 2 cores CI
# runs on: the tests often wait on a child process or a server, and a third worker fills those
# waits (measured: 87 s instead of 99 s for the measured tiers, 98 s instead of 109 s for the rest).
WORKERS ?= 3
# One folder of tests/ per tier (see tests/__init__.py); `make test-<tier>` runs one alone.
TIERS := unit emulator sdk_local scenarios e2e

.PHONY: help venv generate check-generated spec check-spec spec-diff lint lint-workflows format complexity \
	typecheck docs browser pytest test check checks schemathesis regenerate-pr-prep release-snapshot demo bench dist chaos \
	screenshots \
	$(addprefix test-,$(subst _,-,$(TIERS)))

help:  ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

venv: $(STAMP)  ## Create .venv and install the project with its development tools

# uv (pinned, installed into .venv by pip) resolves and installs in parallel: about 15 s from
# nothing, against about 70 s for pip alone. It compiles no bytecode up front: each module is
# compiled once, when first imported (see PYTHONDONTWRITEBYTECODE above).
# -qq: pip's warnings about the machine's own index settings are not ours to print; errors show.
UV_VERSION := 0.13.9

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --disable-pip-version-check 'uv==$(UV_VERSION)'
	$(BIN)/uv pip install --quiet --python $(PY) -e '.[local,aiohttp,dev]'
	touch $(STAMP)

generate: $(STAMP)  ## Regenerate generated/memoram_api from openapi.yaml (no stray file left)
	$(PY) scripts/check_generated.py --write

check-generated: $(STAMP)  ## Fail when generated/ is stale: hand edit (revert) or spec change (generate)
	$(PY) scripts/check_generated.py

spec: $(STAMP)  ## Validate openapi.yaml
	$(BIN)/openapi-spec-validator openapi.yaml

# check_generated.py exits 2 when the spec is invalid or the generator warns: the consistency
# tests cannot read such a spec, so they do not run; on 1 (generated/ stale) they still do.
check-spec: $(STAMP)  ## Spec valid, generator quiet, generated/ in sync, spec <-> SDK consistency (< 1 min)
	@status=0; \
	echo "== scripts/check_generated.py (spec valid, generator without warnings, generated/ in sync)"; \
	$(PY) scripts/check_generated.py || status=$$?; \
	if [ "$$status" = 2 ]; then exit 2; fi; \
	echo "== spec <-> SDK consistency"; \
	$(BIN)/pytest -q -p no:cacheprovider --no-header --tb=short \
		tests/unit/test_spec.py tests/unit/test_spec_consistency.py || status=1; \
	exit $$status

spec-diff: $(STAMP)  ## Spec, generator and public-API changes since the last release (or BASE=<git ref>)
	$(PY) -m scripts.release_diff

release-snapshot: $(STAMP)  ## Record the release in release/ (spec, public API, version, generator)
	$(PY) -m scripts.release_diff --snapshot

lint-workflows: $(STAMP)  ## zizmor on .github/workflows, offline
	$(BIN)/zizmor --offline --no-progress .github/workflows

schemathesis: $(STAMP)  ## schemathesis run openapi.yaml against a local server started for it
	$(PY) scripts/run_schemathesis.py

regenerate-pr-prep: $(STAMP)  ## What CI does on a spec change: generate, check, test, report, CHANGELOG
	$(PY) -m scripts.regenerate

lint: $(STAMP)  ## ruff check and format --check (not on generated/)
	$(BIN)/ruff check $(wildcard $(LINTED))
	$(BIN)/ruff format --check $(wildcard $(LINTED))

complexity: $(STAMP)  ## Fail when a function of memoram_async has a cyclomatic complexity above 15 (radon)
	$(PY) -m scripts.complexity memoram_async --limit 15

format: $(STAMP)  ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix $(wildcard $(LINTED))
	$(BIN)/ruff format $(wildcard $(LINTED))

typecheck: $(STAMP)  ## mypy --strict on the SDK, the local server, the plugin, the generated client, tests/typing
	$(BIN)/mypy memoram_async memoram_local memoram_pytest $(GENERATED) $(wildcard tests/typing)

# The tiers that test memoram_async run with its branch coverage; the others (the end-to-end runs,
# the local server's own tests, the scenarios) run after them without: measuring them (every
# thread, and every Python child they start) nearly doubles their time and moves the figure by
# under half a point (97 % from the measured tiers alone). Only the emulator tier uses schemathesis, whose
# pytest plugin takes 2.5 s to load in each process.
MEASURED_TIERS := unit sdk_local
UNMEASURED_TIERS := e2e $(filter-out $(MEASURED_TIERS) e2e,$(TIERS))

pytest: $(STAMP)  ## Every tier on WORKERS=3 workers; unit and sdk_local with branch coverage of memoram_async (fails under 90 %)
	$(BIN)/pytest -n $(WORKERS) --durations=10 $(COVERAGE) \
		-p no:schemathesis $(addprefix tests/,$(MEASURED_TIERS))
	$(BIN)/pytest -n $(WORKERS) --durations=10 \
		$(addprefix tests/,$(UNMEASURED_TIERS))

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

check: lint complexity typecheck test-unit  ## The fast tier: lint, complexity, types, unit tests (under a minute)

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

# The checks before the suite run two at a time, the longest first (each is one process on one
# core; the machine CI runs on has two), their output kept whole per check; the suite starts once
# all of them passed.
CHECKS := schemathesis typecheck check-spec docs lint complexity lint-workflows browser

checks: $(STAMP)  ## Every check but the test suite, two at a time: lint, types, spec, docs, schemathesis, browser
	$(MAKE) --no-print-directory -j2 --output-sync=target $(CHECKS)

test: checks  ## Every check, the docs, schemathesis, then the test suite
	$(MAKE) --no-print-directory pytest

demo: $(STAMP)  ## The quickstart against a local server, approved through its dashboard
	$(PY) scripts/demo.py

dist: $(STAMP)  ## Build the sdist and the wheel into dist/
	$(PY) -m build --outdir dist .

screenshots: $(STAMP) browser  ## Regenerate docs/dashboard.png (1280 px) and docs/dashboard-800.png
	$(PY) -m scripts.dashboard_screenshots --out docs

bench: $(STAMP)  ## Benchmarks vs raw httpx and raw AES-GCM; writes BENCHMARKS.md (a few minutes)
	$(PY) -m scripts.bench

chaos: $(STAMP)  ## Faults, token churn, hostile answers, bad input, secrets, SIGKILL: one table (minutes)
	$(PY) -m scripts.chaos
