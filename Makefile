# Two commands a newcomer needs (see README.md):
#   make run   set up, validate the shipped data, serve it at http://127.0.0.1:8000
#   make test  set up everything the tests need, then lint, type-check and run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup setup-test system-deps web-assets lint typecheck pytest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Front-end assets (YASGUI, map shapes) come from the npm registry, pinned by package-lock.json.
web-assets:
	@if [ -f package.json ]; then \
	  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then \
	    npm ci --no-audit --no-fund --loglevel=error; \
	  fi; \
	fi

setup: $(STAMP) web-assets

# Headless Chromium for the browser tests (Debian's package: browser downloads fail here).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

setup-test: setup system-deps

run: setup
	$(BIN)/alliance-kb validate
	$(BIN)/alliance-kb serve

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

test: setup-test lint typecheck pytest

clean:
	rm -rf $(VENV) node_modules .mypy_cache .pytest_cache .ruff_cache
