# nextinterview — developer tasks. `make test` is the command CI runs (through .ci/run).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.DEFAULT_GOAL := help
.PHONY: help venv install install-test run test lint bench clean

help:
	@echo "make run    - install and start the bot (console when no Slack/Discord token is set)"
	@echo "make test   - ruff, mypy, import contracts and the test suite"
	@echo "make lint   - ruff, mypy and import contracts only"
	@echo "make bench  - benchmarks (python -m tests.bench)"
	@echo "make clean  - remove caches and build output (keeps $(VENV) and data/)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

venv: $(BIN)/python

install: venv
	$(PIP) -e .

install-test: venv
	$(PIP) -e '.[test]'

run: install
	$(BIN)/nextinterview run

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo --no-cache

# The README's test command: installs what the tests need, then every check.
test:
	bash scripts/test

bench: install-test
	$(BIN)/python -m tests.bench

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis \
		.import_linter_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
