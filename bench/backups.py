"""Backup and restore of one big tenant against plain pg_dump / pg_restore of the same schema.

    python bench/backups.py [--gigabytes 1.0]      (from the project root)

A tenant schema is migrated, then one table is filled with generate_series rows until the schema
holds at least --gigabytes (pg_total_relation_size of its tables). Then, in the same run:

1. plain pg_dump -Fc of the schema to a file, twice: default compression (what an operator types)
   and --compress=0 (the dump alone);
2. `backups.services.backup_run` (row counts under the dump's snapshot, pg_dump -Fc --compress=0,
   zstandard, AES-256-GCM chunks, SHA-256 of both sides, into the folder store);
3. plain pg_restore of the default dump into an empty database;
4. `backups.services.backup_restore_beside` (verify every checksum first, then pg_restore | psql
   in one transaction into a scratch schema, row counts compared with the manifest).

Prints MB/s of each (schema bytes / seconds), the ratio of ours to the plain tool of the same run
next to the goal (>= 0.8), and the peak memory of this process during each of ours (RSS sampled
every 50 ms, over what it was before; and tracemalloc's peak of Python's own allocations), which
must stay flat whatever the size. A measurement to read, never a pass/fail timing.

Everything happens in a throwaway database on the configured server (see bench/provisioning.py),
with a private Redis and a temporary backup folder; all removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.provisioning import (  # noqa: E402 (after the path is set)
    admin_url_for,
    database_create,
    database_drop,
    run_in_throwaway_database,
    url_with_database,
)

SCHEMA = "bench_backup"
GOAL = 0.8
MB = 1024 * 1024


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def memory_watch() -> Iterator[dict[str, int]]:
    """Peak RSS over the start (sampled) and tracemalloc's peak, while the block runs."""
    found = {"rss": 0, "python": 0}
    start = rss_bytes()
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            found["rss"] = max(found["rss"], rss_bytes() - start)
            done.wait(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    tracemalloc.start()
    watcher.start()
    try:
        yield found
    finally:
        done.set()
        watcher.join()
        found["python"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def fill(gigabytes: float) -> tuple[int, int]:
    """Rows into bench_backup.bench_rows until the schema holds `gigabytes`; (rows, bytes)."""
    from django.db import connection
    from psycopg import sql

    target = int(gigabytes * 1024 * MB)
    rows = 0
    batch = max(10_000, min(1_000_000, target // 200))  # about 180 bytes a row
    table = sql.Identifier(SCHEMA, "bench_rows")
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, n integer, at timestamptz, body text)").format(
                table
            )
        )
        insert = sql.SQL(
            # 128 hex characters per row: text that compresses about as well as documents' metadata.
            "INSERT INTO {} SELECT i, (i * 7919) %% 100000, "
            "timestamptz '2026-01-01' + i * interval '1 second', "
            "md5(i::text) || md5((i + 1)::text) || md5((i + 2)::text) || md5((i + 3)::text) "
            "FROM generate_series(%s::bigint, %s::bigint) AS i"
        ).format(table)
        while schema_bytes() < target:
            cursor.execute(insert, [rows + 1, rows + batch])
            rows += batch
        cursor.execute(sql.SQL("ANALYZE {}").format(table))
    return rows, schema_bytes()


def schema_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
            [SCHEMA],
        )
        return int(cursor.fetchone()[0])


def run(gigabytes: float, server: str, work: Path) -> None:
    import io

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from backups import pg
    from backups.services import backup_restore_beside, backup_run
    from core.audit import Actor
    from tenants import provisioning
    from tenants.models import Tenant

    settings.BACKUP_S3_BUCKET = ""
    settings.BACKUP_KEYS = [os.urandom(24).hex()]  # a key of the bench's own
    settings.BACKUP_DIR = work / "store"
    settings.MEDIA_ROOT = work / "media"
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"database    {connection.settings_dict['NAME']} on {server}, PostgreSQL {version}")
    provisioning.schema_create_migrated(SCHEMA)
    tenant = Tenant.objects.create(
        schema_name=SCHEMA, name="Sở Thử nghiệm lớn", kind=Tenant.Kind.DEPARTMENT, org_code="000.00.77.H21"
    )
    print(f"filling     {SCHEMA} up to {gigabytes:.2f} GB ...", end=" ", flush=True)
    seconds, (rows, size) = timed(lambda: fill(gigabytes))
    print(f"{rows:,} rows, {size / MB:,.0f} MB in {seconds:.0f} s", flush=True)

    env = pg.client_env()
    pg_dump, pg_restore = pg.tool("pg_dump"), pg.tool("pg_restore")
    actor = Actor(label="bench")

    def plain_dump(name: str, *extra: str) -> float:
        path = work / name
        seconds, _ = timed(
            lambda: subprocess.run(
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--schema={SCHEMA}", *extra,
                 "-f", str(path)],
                env=env, check=True,
            )
        )  # fmt: skip
        print(f"pg_dump {name}: {seconds:.1f} s, {path.stat().st_size / MB:,.0f} MB", flush=True)
        return seconds

    dump_default = plain_dump("default.dump")
    dump_plain = plain_dump("uncompressed.dump", "--compress=0")

    print("backup_run ...", end=" ", flush=True)
    with memory_watch() as backup_memory:
        backup_seconds, backup = timed(lambda: backup_run(actor=actor, tenant=tenant))
    print(
        f"{backup_seconds:.1f} s, {backup.size_stored / MB:,.0f} MB stored "
        f"({backup.size_plain / MB:,.0f} MB before zstd)",
        flush=True,
    )

    restore_db = f"{connection.settings_dict['NAME']}_restore"
    admin_url = admin_url_for(os.environ["DATABASE_URL"])
    database_create(admin_url, restore_db)
    try:
        import psycopg

        # What the tenant schema's trigram indexes use lives in public (qlvbdh migration 0007).
        with psycopg.connect(
            url_with_database(os.environ["DATABASE_URL"], restore_db), autocommit=True
        ) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        restore_env = {**env, "PGDATABASE": restore_db}
        plain_restore, _ = timed(
            lambda: subprocess.run(
                [pg_restore, "--no-owner", "--no-privileges", "-d", restore_db, str(work / "default.dump")],
                env=restore_env, check=True,
            )
        )  # fmt: skip
        print(f"pg_restore default.dump: {plain_restore:.1f} s", flush=True)
    finally:
        database_drop(admin_url, restore_db)

    print("backup_restore_beside ...", end=" ", flush=True)
    with memory_watch() as restore_memory:
        restore_seconds, scratch = timed(lambda: backup_restore_beside(actor=actor, backup=backup))
    print(f"{restore_seconds:.1f} s into {scratch}", flush=True)
    provisioning.schema_drop(scratch)

    mb = size / MB
    figures = [
        ("pg_dump -Fc (default compression)", dump_default, ""),
        ("pg_dump -Fc --compress=0", dump_plain, ""),
        ("backup_run", backup_seconds, f"{dump_default / backup_seconds:.2f} vs default, "
         f"{dump_plain / backup_seconds:.2f} vs --compress=0"),
        ("pg_restore (into an empty database)", plain_restore, ""),
        ("backup_restore_beside (verify + restore)", restore_seconds,
         f"{plain_restore / restore_seconds:.2f}"),
    ]  # fmt: skip
    print()
    print(
        f"schema {mb:,.0f} MB ({rows:,} rows in bench_rows); throughput = schema MB / seconds; goal >= {GOAL}"
    )
    print(f"{'':<42} {'seconds':>8} {'MB/s':>8}  ratio of ours to the plain tool")
    for label, seconds, ratio in figures:
        print(f"{label:<42} {seconds:>8.1f} {mb / seconds:>8.1f}  {ratio}")
    print()
    for label, memory in (("backup_run", backup_memory), ("backup_restore_beside", restore_memory)):
        print(
            f"peak memory of {label}: RSS +{memory['rss'] / MB:.1f} MB over its start, "
            f"Python allocations {memory['python'] / MB:.1f} MB (for a {mb:,.0f} MB schema)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gigabytes", type=float, default=1.0, help="schema size to reach (default 1.0)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tinhso-bench-backups-"))
    try:
        run_in_throwaway_database(lambda server: run(args.gigabytes, server, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
