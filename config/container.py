"""The image's entry point (`tinhso`): one image, a role per Deployment.

    tinhso web                 gunicorn (config/gunicorn.py)
    tinhso worker [args]       a Celery worker
    tinhso beat                Celery beat (one replica only: it is the schedule)
    tinhso migrate             every schema, resumable: shared, then tenants in parallel, then grants
    tinhso health              the image's HEALTHCHECK, for the role this container runs
    tinhso <command> [args]    any manage.py command

A role writes itself to ROLE_FILE so that `health`, a process of its own, knows what to check.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROLE_FILE = Path(tempfile.gettempdir()) / "tinhso-role"


def _exec(*command: str) -> None:
    os.execvp(command[0], list(command))  # noqa: S606  (fixed programs of the image)


def _role(name: str) -> None:
    ROLE_FILE.write_text(name)


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "config.container", *args], check=True)  # noqa: S603


def migrate() -> None:
    """Idempotent, so a Job that was killed half-way simply runs again: each migration of each
    schema commits on its own and a second run skips what is applied. Tenant schemas migrate in
    MIGRATION_PROCESSES parallel processes. Then the runtime role's grants (core.dbroles), and on
    Citus the distribution of new tenant schemas."""
    _manage("migrate_schemas", "--shared", "--noinput")
    _manage("migrate_schemas", "--tenant", "--executor", "tinhso", "--noinput")
    if os.environ.get("DATABASE_OWNER_URL", os.environ.get("DATABASE_URL")) != os.environ.get("DATABASE_URL"):
        _manage("dbroles", "apply")
    if os.environ.get("CITUS_SCHEMA_SHARDING") == "1":
        _manage("citus", "distribute")  # each tenant schema placed whole on a worker node
    _manage("tenants", "refill-pool")


def health() -> int:
    role = ROLE_FILE.read_text().strip() if ROLE_FILE.exists() else ""
    if role == "web":
        port = os.environ.get("PORT", "8000")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as answer:
                return 0 if answer.status == 200 else 1
        except OSError:
            return 1
    if role == "worker":
        node = f"celery@{os.uname().nodename}"
        ping = [sys.executable, "-m", "celery", "-A", "config", "inspect", "ping", "-d", node, "-t", "5"]
        return subprocess.run(ping, capture_output=True, check=False, timeout=20).returncode  # noqa: S603
    return 0  # beat, a Job, a command: alive while its process is


def main() -> None:
    args = sys.argv[1:]
    command = args[0] if args else "web"
    if command == "web":
        _role("web")
        _exec(sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi:application")
    elif command == "worker":
        _role("worker")
        _exec(sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", *args[1:])
    elif command == "beat":
        _role("beat")
        schedule = str(Path(tempfile.gettempdir()) / "celerybeat-schedule")
        _exec(sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO", "-s", schedule)
    elif command == "migrate":
        migrate()
    elif command == "health":
        sys.exit(health())
    else:
        from config.commandline import main as manage

        manage(["tinhso", *args])


if __name__ == "__main__":
    main()
