# Two commands for a fresh clone:  `make demo`  and  `make test`.
# Each creates .venv and installs the project (with its test tools) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck unit tests bench format clean constraints upgrade-check

# constraints.txt pins every dependency to the versions the tests passed with, so a
# fresh clone, CI and the wheel test all install the same thing.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## The main job: the whole pipeline offline on the bundled sample site.
demo: $(STAMP)
	$(BIN)/newswatch demo

## All checks: lint, format, types and every test (what CI runs).
test: $(STAMP) lint typecheck tests

check: test

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## Every test, the slow end-to-end ones included (Prefect flows, subprocesses, kills).
tests: $(STAMP)
	$(BIN)/python -m pytest -q

## The fast tests only (no test marked `slow`): a quick check while working, on every core
## (pytest-xdist; each test has its own loopback ports, temporary files and environment).
## Work stealing: an idle worker takes tests queued on the other, so the one with the
## slow hypothesis tests does not finish alone (2 cores: 122-123 s against 139 s).
unit: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" -n auto --dist worksteal

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Rewrite constraints.txt from the venv (after an upgrade that passed `make test`).
constraints: $(STAMP)
	{ echo "# What CI and 'make' install: the versions the test suite passed with (pip freeze of"; \
	  echo "# the dev venv, minus newswatch). Regenerate with 'make constraints'; see README, Upgrading."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -iv '^newswatch'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

## The newest releases of every dependency (no constraints) in a scratch venv: lint-free
## unit-level tests (everything not marked slow). CI runs it weekly.
UPGRADE_VENV ?= .venv-upgrade
upgrade-check:
	rm -rf $(UPGRADE_VENV)
	$(PYTHON) -m venv $(UPGRADE_VENV)
	$(UPGRADE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(UPGRADE_VENV)/bin/python -m pip install --quiet --upgrade -e '.[dev]'
	$(UPGRADE_VENV)/bin/python -m pip freeze --exclude-editable | grep -iE '^(prefect|duckdb|trafilatura|httpx|sqlalchemy|fastapi|datasketch|pydantic)=='
	$(UPGRADE_VENV)/bin/python -m pytest -q -m 'not slow'

clean:
	rm -rf $(VENV) .venv-upgrade build *.egg-info .pytest_cache .mypy_cache .ruff_cache
