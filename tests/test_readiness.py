"""/readyz against a real PostgreSQL that stops and comes back.

A throwaway cluster of its own (the embedded package's initdb and pg_ctl, on a Unix socket in a
temporary folder), served by gunicorn in a process of its own, as in production: the machine's
server is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.faults.servers import Cluster, free_port

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="tinhso-readyz-"))
    folder.chmod(0o755)
    made = Cluster(folder)
    made.start()
    try:
        yield made
    finally:
        if (made.pgdata / "postmaster.pid").exists():
            made.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _get(port: int, path: str) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": "10.0.0.7"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def web(cluster: Cluster, tmp_path: Path) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": "readiness-test",
        "HUB_KEY_SECRET": "readiness-test",
        "TINHSO_VAR_DIR": str(tmp_path),
        "DATABASE_CONNECT_TIMEOUT": "2",
    }
    for name in ("DATABASE_OWNER_URL", "S3_BUCKET", "BACKUP_S3_BUCKET", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(  # noqa: S603  (our own app, fixed arguments)
        [*command, "--workers", "1", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _ready(port: int) -> tuple[int, dict[str, Any]]:
    status, body = _get(port, "/readyz")
    return status, json.loads(body)


def test_readiness_fails_while_postgresql_is_stopped_and_recovers_when_it_is_back(cluster, web):
    # given a web process that has served readiness on its (kept) connection
    status, body = _ready(web)
    assert (status, body["checks"]) == (200, {"postgresql": "ok", "redis": "ok", "storage": "ok"})

    # when the database stops
    cluster.stop()
    stopped = [_ready(web) for _ in range(2)]

    # then readiness fails, naming only the database; liveness still answers (no restart loop)
    for status, body in stopped:
        assert status == 503
        assert body == {"status": "fail", "checks": {"postgresql": "fail", "redis": "ok", "storage": "ok"}}
    assert _get(web, "/healthz") == (200, "ok")

    # when it is back, readiness recovers without restarting the web process
    cluster.start()
    deadline = time.monotonic() + 30
    while (answer := _ready(web))[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert answer == (200, {"status": "ok", "checks": {"postgresql": "ok", "redis": "ok", "storage": "ok"}})
