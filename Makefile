# Two entry points for a new user: `make run` and `make test`. Both create .venv and are safe to repeat.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every dependency (runtime + dev) pinned with hashes; `make lock` regenerates it from pyproject.toml.
LOCK := requirements.lock
RUNTIME_LOCK := requirements-runtime.lock
PIP := $(BIN)/pip --disable-pip-version-check
PIP_TOOLS := pip-tools==7.6.2
PORT ?= 8000

.PHONY: run test lint imports migrations-check typecheck check install lock browser bench clean-var chart

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-runs when the lock or pyproject.toml changes; the project itself goes in without dependencies,
# so nothing is installed that the lock does not pin and hash.
$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r $(LOCK)
	$(PIP) install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

lock: | $(BIN)/python
	$(PIP) install --quiet $(PIP_TOOLS)
	$(BIN)/pip-compile --quiet --extra dev --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links -o $(LOCK) pyproject.toml
	# The image's lock: the runtime packages only, at the versions of the full lock.
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links -c $(LOCK) -o $(RUNTIME_LOCK) pyproject.toml

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

# In parallel (pytest-xdist): a worker per core, at most 4; each has its own test database, Redis
# key prefix and media folder (config/pytest_workers.py). PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
test: $(STAMP) browser
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --maxprocesses 4 --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Which app may import which: [tool.importlinter] in pyproject.toml.
imports: $(STAMP)
	$(BIN)/lint-imports

# Models and migrations agree. With DATABASE_URL set a deployment needs its own SECRET_KEY; this
# check never signs or seals anything, so it may borrow placeholders (the embedded defaults use var/'s).
migrations-check: $(STAMP)
	SECRET_KEY="$${SECRET_KEY:-makemigrations-check}" HUB_KEY_SECRET="$${HUB_KEY_SECRET:-makemigrations-check}" \
	  $(BIN)/python manage.py makemigrations --check --dry-run

# mypy's Django plugin imports the settings: give them URLs so no embedded service starts.
typecheck: $(STAMP)
	SECRET_KEY=typecheck HUB_KEY_SECRET=typecheck DATABASE_URL=postgresql://mypy@127.0.0.1/mypy REDIS_URL=redis://127.0.0.1:1/0 $(BIN)/mypy .

# The Helm chart, rendered by Helm's own engine (helm-python-sdk) with the default and a
# production-like values file, linted, and every manifest validated against Kubernetes' schemas.
chart: $(STAMP)
	$(BIN)/python helm/check.py

check: lint imports typecheck migrations-check chart test

bench: $(STAMP)
	$(BIN)/python bench/provisioning.py
	$(BIN)/python bench/accounts_import.py

clean-var:
	rm -rf var
