"""Whole tinhso deployments for tests: each with its own database, its own SECRET_KEY and console
host, served over HTTPS by gunicorn on a free loopback port, driven through `manage.py`.

The databases live on the same PostgreSQL server as the test database (a configured one, or the
embedded one the test session started), next to it under derived names; `stop` drops them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from psycopg import sql

ROOT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
RESULT = "RESULT:"
# Spares in the golden database: enough for the agencies a deployment's test creates.
GOLDEN_SPARES = 3
GOLDEN_DONE = "tinhso golden deployment database"
# One spare is migrated; the others are cloned from it (one role, as in every test).
GOLDEN_SPARES_CODE = f"""
from tenants import provisioning
from tenants.models import SpareSchema

provisioning.spare_pool_refill(target=1)
first = SpareSchema.objects.get().name
for _ in range({GOLDEN_SPARES} - 1):
    provisioning.spare_from_clone(first)
"""


def golden_database(test_database: str) -> str:
    """The name of this test run's golden deployment database: the same for every pytest-xdist
    worker (their test databases differ only by a `_gwN` suffix)."""
    return f"{re.sub(r'_gw[0-9]+$', '', test_database)[:48]}_golden"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (an IP SAN, so hostname checks pass), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.crt", directory / "tls.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class Server:
    """The PostgreSQL server the test database is on: where the deployments' databases go."""

    url: str  # the test settings' DATABASE_URL
    params: dict[str, Any]
    test_database: str

    @classmethod
    def of_test_database(cls) -> Server:
        from django.conf import settings
        from django.db import connection

        given = connection.settings_dict
        params = {
            # The embedded server listens on a unix socket given in OPTIONS, not HOST.
            "host": given.get("HOST") or given.get("OPTIONS", {}).get("host") or None,
            "port": given.get("PORT") or None,
            "user": given.get("USER") or None,
            "password": given.get("PASSWORD") or None,
        }
        # The test database's name as pytest-django makes it, also before it is made (a worker whose
        # first test needs no database): the deployments' databases are named after it.
        name, worker = str(given["NAME"]), os.environ.get("PYTEST_XDIST_WORKER")
        if not name.startswith("test_"):
            name = f"test_{name}_{worker}" if worker else f"test_{name}"
        return cls(
            url=str(settings.DATABASE_URL),
            params={k: v for k, v in params.items() if v},
            test_database=name,
        )

    def url_for(self, database: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(dbname="postgres", autocommit=True, **self.params)

    def from_golden(self, database: str) -> None:
        """(Re)create `database` as a copy of this run's golden deployment database: migrated as
        `migrate_schemas --shared` leaves a new deployment, with a pool of spare schemas so its
        agencies are made without migrating. The first caller (any worker) makes it; the others
        wait on an advisory lock. A copy takes a second; migrating took a minute per deployment."""
        golden = golden_database(self.test_database)
        with self._admin() as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", [golden])
            try:
                done = conn.execute(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                    [golden],
                ).fetchone()
                if done is None or done[0] != GOLDEN_DONE:
                    self.recreate(golden)
                    with tempfile.TemporaryDirectory() as directory:
                        maker = Deployment("golden", golden, "golden.test", Path(directory), self)
                        maker.manage("migrate_schemas", "--shared", "--noinput", "-v", "0", timeout=600)
                        maker.manage("shell", "-c", GOLDEN_SPARES_CODE, timeout=600)
                    conn.execute(
                        sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                            sql.Identifier(golden), sql.Literal(GOLDEN_DONE)
                        )
                    )
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", [golden])
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(database), sql.Identifier(golden)
                )
            )

    def drop_golden(self) -> None:
        self.drop(golden_database(self.test_database))

    def recreate(self, database: str) -> None:
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))

    def drop(self, database: str) -> None:
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


class Managed:
    """`manage.py` in a deployment of its own (its `env`), for the `label` its failures carry."""

    label: str
    env: dict[str, str]

    def manage(
        self, *args: str, check: bool = True, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(  # noqa: S603  # our own manage.py with our own arguments
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            command = " ".join(args)
            raise AssertionError(
                f"[{self.label}] manage.py {command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def run(self, code: str) -> Any:
        """Run a Python snippet in this deployment (`manage.py shell -c`); it reports by calling
        `report(value)`, which arrives here decoded from JSON."""
        prelude = f"import json\ndef report(value):\n    print({RESULT!r} + json.dumps(value, default=str))\n"
        done = self.manage("shell", "-c", prelude + code)
        for line in reversed(done.stdout.splitlines()):
            if line.startswith(RESULT):
                return json.loads(line[len(RESULT) :])
        return None


@dataclass(eq=False)
class Deployment(Managed):
    label: str
    database: str
    base_domain: str
    directory: Path
    server: Server
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    cert_path: Path = field(init=False)
    key_path: Path = field(init=False)
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.cert_path, self.key_path = self_signed_certificate(self.directory)
        from django.conf import settings

        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=self.server.url_for(self.database),
            REDIS_URL=str(settings.REDIS_URL),
            REDIS_KEY_PREFIX=f"{self.label}-{secrets.token_hex(4)}-",  # a deployment's cache is its own
            SECRET_KEY=secrets.token_urlsafe(40),
            HUB_KEY_SECRET=secrets.token_urlsafe(40),
            BASE_DOMAIN=self.base_domain,
            TINHSO_VAR_DIR=str(self.directory / "var"),
            MEDIA_ROOT=str(self.directory / "media"),
            TINHSO_FAST_HASHER="1",
            TENANT_SPARE_POOL_SIZE="0",
            LOG_LEVEL="WARNING",
            PYTHONDONTWRITEBYTECODE="1",
        )
        for name in ("S3_ENDPOINT_URL", "S3_BUCKET"):  # attachments stay on this deployment's disk
            env.pop(name, None)
        self.env = env

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def certificate(self) -> str:
        return self.cert_path.read_text()

    def start(self) -> None:
        log = (self.directory / "gunicorn.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--certfile",
                str(self.cert_path),
                "--keyfile",
                str(self.key_path),
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )

    def wait_ready(self, timeout: float = 30) -> None:
        context = ssl.create_default_context(cafile=str(self.cert_path))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"[{self.label}] gunicorn exited:\n{self.log()}")
            try:
                with (
                    socket.create_connection(("127.0.0.1", self.port), timeout=1) as raw,
                    context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
                ):
                    tls.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    if tls.recv(64).startswith(b"HTTP/1."):
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"[{self.label}] gunicorn not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        path = self.directory / "gunicorn.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        self.halt()
        self.server.drop(self.database)

    def halt(self) -> None:
        """Stop serving (an outage); the database stays, and `start` serves it again."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


@dataclass(eq=False)
class MakeRunStack(Managed):
    """`make run`'s own stack (`python -m config.run`: migrate, seed the demo province, then gunicorn,
    a Celery worker and beat), on its own database beside the test database, its own Redis key
    prefix and var/ folder, on a free loopback port, plain HTTP, the demo's host names. Arrivals are
    delivered by its Celery worker, never by the test.

    The database starts as a copy of the run's golden one (migrated, with spare schemas), as `make
    run` finds it when started again: the demo's agencies are made from the spares, not migrated
    (three tenant migrations were a minute and a half of the suite)."""

    database: str
    directory: Path
    server: Server
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(init=False)
    label: str = "make run"

    def __post_init__(self) -> None:
        from django.conf import settings

        self.directory.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
        for name in ("S3_ENDPOINT_URL", "S3_BUCKET", "BASE_DOMAIN", "CONSOLE_HOST", "MEDIA_ROOT"):
            env.pop(name, None)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=self.server.url_for(self.database),
            REDIS_URL=str(settings.REDIS_URL),
            REDIS_KEY_PREFIX=f"makerun-{secrets.token_hex(4)}-",
            SECRET_KEY=secrets.token_urlsafe(40),
            HUB_KEY_SECRET=secrets.token_urlsafe(40),
            TINHSO_VAR_DIR=str(self.directory / "var"),
            TINHSO_FAST_HASHER="1",
            TENANT_SPARE_POOL_SIZE="0",
            PORT=str(self.port),
            PYTHONDONTWRITEBYTECODE="1",
        )
        self.env = env

    @property
    def console_host(self) -> str:
        return "console.gialai.localhost"

    def start(self, timeout: float = 900) -> None:
        self.server.from_golden(self.database)
        log = (self.directory / "make-run.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "config.run"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"make run's stack exited {self.process.returncode}:\n{self.log()}")
            if "tinhso is running" in self.log(full=True) and self._healthy():
                return
            time.sleep(0.5)
        raise AssertionError(f"make run's stack not ready after {timeout}s:\n{self.log()}")

    def _healthy(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as raw:
                raw.sendall(f"GET /healthz HTTP/1.0\r\nHost: {self.console_host}\r\n\r\n".encode())
                return raw.recv(64).split(b" ", 2)[1:2] == [b"200"]
        except OSError:
            return False

    def log(self, full: bool = False) -> str:
        path = self.directory / "make-run.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return text if full else text[-6000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # config.run stops web, worker and beat
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self.process is not None:  # anything of its group still standing
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.server.drop(self.database)
