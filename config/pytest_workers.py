"""pytest plugin (`-p config.pytest_workers`, see pyproject.toml): what each pytest-xdist worker
needs of its own, arranged before Django reads the settings.

- Database: pytest-django already gives each worker its own test database (`test_<name>_gw0`, ...);
  the session fixtures make the tenant schemas in it, and the federation and crash tests name
  their deployments' databases after it.
- Redis: one server and one database for all workers, each worker under its own key prefix
  (cache keys, Celery's queues and results), so a worker's cache clear or Celery worker never
  touches another's.
- Files: a media folder per worker.
- Embedded services: the controlling process starts them (when nothing is configured) and hands
  their URLs to the workers, so one PostgreSQL and one Redis serve the run and stop with it. The
  embedded PostgreSQL is used as its superuser, like a configured server.
"""

from __future__ import annotations

import os
from typing import Any

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: Any, parser: Any, args: list[str]) -> None:
    if not os.environ.get("DATABASE_URL"):
        # The embedded defaults: the suite runs as the embedded server's superuser, one role, as on a
        # configured server (pytest-django creates the test databases); tests/test_dbroles.py makes
        # the two roles of core.dbroles in a database of its own.
        from config import embedded

        os.environ["DATABASE_URL"] = embedded.postgres_url()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    os.environ["REDIS_KEY_PREFIX"] = f"{os.environ.get('REDIS_KEY_PREFIX', '')}test-{worker}"
    if not os.environ.get("MEDIA_ROOT"):
        from config import embedded

        os.environ["MEDIA_ROOT"] = str(embedded.VAR_DIR / "test-media" / worker)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: Any) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER") or not getattr(config.option, "numprocesses", None):
        return
    # The controller: Django's settings are loaded (and any embedded service started) by now;
    # the workers it starts next inherit this environment.
    from django.conf import settings

    os.environ.setdefault("DATABASE_URL", str(settings.DATABASE_URL))
    os.environ.setdefault("REDIS_URL", str(settings.REDIS_URL))
