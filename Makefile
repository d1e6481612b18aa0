# Two commands for a fresh clone:  `make demo`  and  `make test`.
# Each creates .venv and installs the project (with its test tools) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck unit tests bench format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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

## The fast tests only (no test marked `slow`): a quick check while working.
unit: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
