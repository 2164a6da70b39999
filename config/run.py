"""`make run`: migrate, seed the demo province, then run web + Celery worker + beat until Ctrl-C.

With no DATABASE_URL / REDIS_URL the embedded PostgreSQL and Redis are started here once and
handed to every child process through the environment; Ctrl-C stops the children and them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from config import embedded

PYTHON = sys.executable
BIN = Path(PYTHON).parent


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True)


def _migrate(env: os._Environ[str]) -> None:
    """Migrations as the owner role (manage.py makes `default` the owner's while they run); then
    the runtime role's grants (core.dbroles), when it is a role of its own."""
    _manage("migrate_schemas", "--shared", "--noinput", "-v", "0")
    _manage("migrate_schemas", "--tenant", "--executor", "tinhso", "--noinput", "-v", "1")
    if env.get("DATABASE_OWNER_URL", env["DATABASE_URL"]) != env["DATABASE_URL"]:
        _manage("dbroles", "apply")


def main() -> int:
    env = os.environ
    # Before the embedded PostgreSQL starts: see embedded.kept_hub_key_secret.
    env.setdefault("SECRET_KEY", embedded.kept_secret_key())
    env.setdefault("HUB_KEY_SECRET", embedded.kept_hub_key_secret())
    embedded_postgres = not env.get("DATABASE_URL")
    if embedded_postgres:
        env["DATABASE_URL"], env["DATABASE_OWNER_URL"] = embedded.postgres_urls()
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = embedded.redis_url()
    port = env.setdefault("PORT", "8000")
    host = env.get("HOST", "127.0.0.1")

    _migrate(env)
    _manage("seed_demo")
    _manage("collectstatic", "--noinput", "-v", "0")
    _manage("tenants", "refill-pool")

    beat_schedule = str(embedded.VAR_DIR / "celerybeat-schedule")
    commands = {
        "web": [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            "2",
            # No access log of gunicorn's: core.probes logs each request with its tenant and id.
        ],
        "worker": [str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2"],
        "beat": [
            str(BIN / "celery"),
            "-A",
            "config",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            beat_schedule,
        ],
    }
    children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
    print(
        f"\ntinhso is running on port {port}; Ctrl-C stops web, worker, beat and the embedded services.\n",
        flush=True,
    )

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    try:
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"{name} exited with {child.returncode}; stopping the rest.", flush=True)
                    exit_code = child.returncode or 1
                    stopping = True
            time.sleep(0.5)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if embedded_postgres:
            embedded.stop_postgres()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
