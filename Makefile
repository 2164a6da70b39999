# Two entry points for a new user: `make run` and `make test`. Both create .venv and are safe to repeat.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test lint typecheck check install browser bench clean-var

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the Playwright browser tests; Playwright cannot download its own browser here.
# Never fails the build: without root, apt or a network the browser tests are skipped instead.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	    && apt-get update -qq >/dev/null 2>&1 \
	    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; then \
	    echo "installed chromium for the browser tests"; \
	  else echo "chromium is missing: browser tests will be skipped (apt-get install chromium)"; fi; }

run: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m config.run

test: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy's Django plugin imports the settings: give them URLs so no embedded service starts.
typecheck: $(STAMP)
	SECRET_KEY=typecheck DATABASE_URL=postgresql://mypy@127.0.0.1/mypy REDIS_URL=redis://127.0.0.1:1/0 $(BIN)/mypy .

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python bench/provisioning.py
	$(BIN)/python bench/accounts_import.py

clean-var:
	rm -rf var
