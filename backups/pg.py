"""The PostgreSQL client programs a backup runs, and how they reach the server Django uses."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection, connections

from core import dbroles
from core.errors import ApplicationError


def server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def tool(name: str) -> str:
    """pg_dump, pg_restore or psql of at least the server's major version (older ones refuse or
    write dumps the server cannot take back): PG_BIN_DIR, else the Debian folder for the server's
    version, else PATH, else the embedded package's (PG_BIN_FALLBACK_DIR)."""
    major = server_major()
    if settings.PG_BIN_DIR:
        candidates = [Path(settings.PG_BIN_DIR) / name]
    else:
        candidates = [Path(f"/usr/lib/postgresql/{major}/bin/{name}")]
        found = shutil.which(name)
        if found:
            candidates.append(Path(found))
        candidates.append(Path(settings.PG_BIN_FALLBACK_DIR) / name)
    for path in candidates:
        if not path.is_file():
            continue
        output = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False).stdout
        match = re.search(r"(\d+)(?:\.\d+)?", output)
        if match and int(match.group(1)) >= major:
            return str(path)
    raise ApplicationError(
        f"No {name} of PostgreSQL {major} or newer was found (looked at "
        f"{', '.join(str(c) for c in candidates)}); set PG_BIN_DIR to its folder."
    )


def _owner_params() -> dict[str, object]:
    """The owner role's connection settings (core.dbroles): it owns the schemas it dumps and the
    ones a restore creates (the test database's in tests)."""
    params = dict(connections[dbroles.owner_alias()].settings_dict)
    # The embedded server listens on a unix socket given in OPTIONS (dj-database-url's ?host=), not HOST.
    params["HOST"] = params.get("HOST") or (params.get("OPTIONS") or {}).get("host") or ""
    return params


def client_env() -> dict[str, str]:
    """The environment that points libpq programs at Django's database, as the owner role."""
    params = _owner_params()
    env = dict(os.environ)
    for variable, key in [
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ]:
        if params.get(key):
            env[variable] = str(params[key])
    env["PGDATABASE"] = str(params["NAME"])
    return env


def connect() -> psycopg.Connection:
    """A connection of its own (not Django's), for a snapshot that pg_dump shares."""
    params = _owner_params()
    return psycopg.connect(
        host=str(params.get("HOST") or "") or None,
        port=str(params.get("PORT") or "") or None,
        user=str(params.get("USER") or "") or None,
        password=str(params.get("PASSWORD") or "") or None,
        dbname=str(params["NAME"]),
    )
