"""Migrations across many tenants: one real added migration, then a no-op, with the executor we ship.

    python bench/migrations.py [--tenants 1000] [--added K] [--processes 2] [--sample 5]

    (from the project root; making the schemas takes 3-5 s each on 2 busy cores, so 1,000 take
    about an hour of setup; --tenants 100 took 15 minutes in all)

Setup (not timed as the goal): the shared schema; a template tenant schema migrated with every
migration and then taken back before the newest migration of qlvbdh (the "added" one: a leaf of
the graph, e.g. an index); the template dumped once (`pg_dump --schema --inserts`) and loaded
under N names in one psql session, which is how N schemas are made cheaply; N Tenant rows.
One schema gets a relation named like what the added migration creates, so it fails there.

Then `manage.py migrate_schemas --tenant` (config/commandline.py: as the owner; the default
executor, tenants/migrating.py), run as a command, four times:

1. the added migration over N schemas, or over the first K with --added K (the others are loaded
   with it applied: they are checked and skipped): the blocked one fails, the others migrate, the
   command exits 1 naming it;
2. the blocking relation dropped, again: only that schema migrates;
3. again: a no-op over N schemas. Issue 19's goal: under 60 s for 1,000 tenants;
4. for comparison, django-tenants' standard executor's no-op over --sample schemas (its
   per-schema cost times N / processes is what a no-op cost before).

Each run's wall time, exit status and summary lines are printed, and the no-op's time as a
ratio to its goal. A measurement to read, never a pass/fail timing. Everything happens in a
throwaway database (bench/provisioning.py) with a private Redis, both removed at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.provisioning import org_code_for, run_in_throwaway_database  # noqa: E402

TEMPLATE_SCHEMA = "bench_mig_template"
NOOP_GOAL_SECONDS = 60.0
GOAL_TENANTS = 1000
ADDED_APP = "qlvbdh"


def schema_name_for(index: int) -> str:
    return f"bench_mig_{index + 1:05d}"


def added_migration() -> tuple[tuple[str, str], tuple[str, str], Any]:
    """The newest migration of ADDED_APP, which nothing depends on, and the one before it."""
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    leaves = graph.leaf_nodes(ADDED_APP)
    if len(leaves) != 1:
        raise SystemExit(f"{ADDED_APP} has {len(leaves)} newest migrations, not one")
    leaf = leaves[0]
    if graph.node_map[leaf].children:
        raise SystemExit(f"{leaf} has migrations depending on it: it cannot be taken back alone")
    parents = [p.key for p in graph.node_map[leaf].parents if p.key[0] == ADDED_APP]
    return leaf, parents[0], graph.nodes[leaf]


def blocker_name(migration: Any) -> str | None:
    """A relation name the migration creates (an index or a table): one made in its way fails it."""
    from django.db import migrations

    for operation in migration.operations:
        if isinstance(operation, migrations.AddIndex):
            return str(operation.index.name)
        if isinstance(operation, migrations.CreateModel):
            return f"{migration.app_label}_{operation.name.lower()}"
    return None


def pg_dump_schema(url: str, schema: str) -> str:
    from backups import pg  # the server's major version or newer (Django is set up by now)

    done = subprocess.run(
        [
            pg.tool("pg_dump"),
            "--dbname",
            url,
            "--schema",
            schema,
            "--inserts",
            "--no-owner",
            "--no-privileges",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def schemas_load(url: str, dump: str, template: str, names: list[str], sessions: int) -> None:
    """The template's dump once per name, each schema in one transaction, over `sessions` psql
    sessions at once (each stops at its first error)."""
    from backups import pg

    pattern = re.compile(rf"\b{re.escape(template)}\b")
    psql_path = pg.tool("psql")
    shares = [names[i::sessions] for i in range(sessions)]
    loaders = []
    for share in shares:
        if not share:
            continue
        psql = subprocess.Popen(
            [
                psql_path,
                "--dbname",
                url,
                "--quiet",
                "--no-psqlrc",
                "-v",
                "ON_ERROR_STOP=1",
                "--output",
                os.devnull,
            ],
            stdin=subprocess.PIPE,
            text=True,
        )
        if psql.stdin is None:
            raise RuntimeError("psql has no stdin")
        loaders.append((psql.stdin, psql, share))
    # Fed in turns, a schema each, so the sessions run side by side.
    for index in range(max(len(share) for _stdin, _psql, share in loaders)):
        for stdin, _psql, share in loaders:
            if index < len(share):
                stdin.write(f"BEGIN;\n{pattern.sub(share[index], dump)}\nCOMMIT;\n")
                stdin.flush()
        if (index + 1) % 50 == 0:
            print(f"  {(index + 1) * len(loaders):,} schemas", flush=True)
    failed = 0
    for stdin, psql, _share in loaders:
        stdin.close()
        failed += psql.wait() != 0
    if failed:
        raise SystemExit(f"loading the schemas failed in {failed} psql session(s)")


def migrate_command(label: str, extra: list[str], processes: int) -> tuple[float, int, list[str]]:
    """`manage.py migrate_schemas --tenant` as a command; prints its summary and failed lines."""
    env = {**os.environ, "MIGRATION_PROCESSES": str(processes)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate_schemas", "--tenant", "--noinput", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    lines = (done.stdout + done.stderr).splitlines()
    kept = [
        line
        for line in lines
        if "tenant schemas" in line
        or "FAILED" in line
        or "CommandError" in line
        or "failed to migrate" in line
    ]
    progress = [line for line in lines if re.match(r"\[\d+/\d+ \(", line)]
    print(f"{label}: {seconds:.1f} s, exit status {done.returncode}, {len(progress)} progress lines")
    for line in kept[:8]:
        print(f"    {line[:300]}")
    return seconds, done.returncode, lines


def executor_time(lines: list[str]) -> float:
    """The executor's own seconds, from its summary line (`... failed, in 0.4 s`)."""
    for line in lines:
        found = re.search(r"failed, in ([\d.]+) s$", line)
        if found:
            return float(found.group(1))
    return 0.0


def run(tenants: int, added: int, processes: int, sample: int, sessions: int, server: str) -> None:
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    from core.tenancy import in_schema
    from tenants import provisioning
    from tenants import services as tenant_services
    from tenants.models import Tenant

    started_run = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    url = os.environ["DATABASE_URL"]
    print(f"database    {connection.settings_dict['NAME']} on {server}, PostgreSQL {version}")
    print("load        {:.2f} {:.2f} {:.2f} (1, 5, 15 min; the machine is shared)".format(*os.getloadavg()))
    tenant_services.public_tenant_ensure(name="Ủy ban nhân dân tỉnh Gia Lai", org_code="000.00.00.H21")

    leaf, before, migration = added_migration()
    blocker = blocker_name(migration)
    started = time.perf_counter()
    provisioning.schema_create_migrated(TEMPLATE_SCHEMA)
    call_command(
        "migrate_schemas",
        before[0],
        before[1],
        schema_name=TEMPLATE_SCHEMA,
        tenant=True,
        interactive=False,
        verbosity=0,
    )
    with in_schema(TEMPLATE_SCHEMA):
        applied = len(MigrationRecorder(connection).applied_migrations())
    print(
        f"template    {TEMPLATE_SCHEMA}: {applied} migrations applied, {'.'.join(leaf)} taken back "
        f"({time.perf_counter() - started:.1f} s, not counted)"
    )

    started = time.perf_counter()
    dump = pg_dump_schema(url, TEMPLATE_SCHEMA)
    names = [schema_name_for(i) for i in range(tenants)]
    behind_names, current_names = names[:added], names[added:]
    print(f"schemas     {added:,} from the template's dump ({len(dump) // 1024} KB) ...", flush=True)
    schemas_load(url, dump, TEMPLATE_SCHEMA, behind_names, sessions)
    if current_names:
        # The rest already hold the added migration: they take part in the runs as up-to-date schemas.
        call_command(
            "migrate_schemas", schema_name=TEMPLATE_SCHEMA, tenant=True, interactive=False, verbosity=0
        )
        current = pg_dump_schema(url, TEMPLATE_SCHEMA)
        print(f"            {len(current_names):,} more with {'.'.join(leaf)} applied ...", flush=True)
        schemas_load(url, current, TEMPLATE_SCHEMA, current_names, sessions)
    made = time.perf_counter() - started
    Tenant.objects.bulk_create(
        [
            Tenant(schema_name=name, name=f"Đơn vị thử {i + 1}", kind="department", org_code=org_code_for(i))
            for i, name in enumerate(names)
        ],
        batch_size=1000,
    )
    print(
        f"            made in {made:.1f} s ({made / tenants:.3f} s/schema, not counted), {tenants:,} tenants"
    )

    blocked = behind_names[len(behind_names) // 2]
    if blocker:
        with in_schema(blocked), connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {connection.ops.quote_name(blocker)} (id integer)")
        print(f"blocked     {blocked}: a table {blocker!r} stands where {'.'.join(leaf)} makes one")
    print(f"processes   {processes} (MIGRATION_PROCESSES)\n", flush=True)

    added_seconds, added_status, _ = migrate_command(
        f"1. {'.'.join(leaf)} over {added:,} of {tenants:,}", [], processes
    )
    if blocker:
        with in_schema(blocked), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(blocker)}")
    again_seconds, again_status, _ = migrate_command("2. again, the blocker dropped", [], processes)
    noop_seconds, noop_status, noop_lines = migrate_command(f"3. no-op over {tenants:,}", [], processes)
    executor_seconds = executor_time(noop_lines)

    # One query over every schema: the recorder's per-schema table check reads pg_class, which
    # at 1,000 schemas holds 115,000 tables (minutes for this line alone).
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT count(*) FROM {connection.ops.quote_name(name)}.django_migrations "  # noqa: S608
                "WHERE app = %s AND name = %s"
                for name in names
            ),
            [part for _name in names for part in leaf],
        )
        behind = sum(1 for (count,) in cursor.fetchall() if not count)
    print(f"    schemas without {'.'.join(leaf)} afterwards: {behind}")

    sample_names = names[:sample]
    started = time.perf_counter()
    for name in sample_names:
        call_command(
            "migrate_schemas",
            schema_name=name,
            tenant=True,
            executor="standard",
            interactive=False,
            verbosity=0,
        )
    per_schema = (time.perf_counter() - started) / max(len(sample_names), 1)
    print(
        f"4. django-tenants' standard executor, no-op: {per_schema:.2f} s/schema over {len(sample_names)} "
        f"schemas (in this process, warm) -> about {per_schema * tenants / processes:.0f} s for {tenants:,} "
        f"in {processes} processes"
    )

    # The command's start (Django, the graph) is paid once; the executor's part grows with schemas.
    scaled = noop_seconds - executor_seconds + executor_seconds * GOAL_TENANTS / tenants
    print()
    print(f"{'figure':<52} {'value':>10} {'goal':>10} {'ratio':>8}")
    print(
        f"{f'no-op over {tenants:,} tenants (the command, wall)':<52} {noop_seconds:>9.1f}s "
        f"{NOOP_GOAL_SECONDS:>9.0f}s {noop_seconds / NOOP_GOAL_SECONDS:>7.2f}x"
    )
    print(f"{'  of which the executor (check and skip)':<52} {executor_seconds:>9.1f}s")
    if tenants != GOAL_TENANTS:
        print(
            f"{'  scaled to 1,000 (start + executor x 1000/N)':<52} {scaled:>9.1f}s "
            f"{NOOP_GOAL_SECONDS:>9.0f}s {scaled / NOOP_GOAL_SECONDS:>7.2f}x"
        )
    print(
        f"{f'added migration over {added:,} (one blocked)':<52} {added_seconds:>9.1f}s "
        f"{'':>10} {'':>8}  exit {added_status} (1 expected: one failed, the rest migrated)"
    )
    again = f"{again_seconds:>9.1f}s {'':>10} {'':>8}  exit {again_status}"
    print(f"{'re-run finishing the blocked one':<52} {again}")
    print(f"{'no-op exit status':<52} {noop_status:>10}")
    print("load        {:.2f} {:.2f} {:.2f} at the end".format(*os.getloadavg()))
    print(f"\ntotal {time.perf_counter() - started_run:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tenants", type=int, default=GOAL_TENANTS, metavar="N", help="default 1000")
    parser.add_argument(
        "--processes",
        type=int,
        default=int(os.environ.get("MIGRATION_PROCESSES", "2")),
        metavar="N",
        help="MIGRATION_PROCESSES for the runs (default: as configured, 2)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=5,
        metavar="N",
        help="schemas timed with django-tenants' standard executor for comparison (default 5)",
    )
    parser.add_argument(
        "--added",
        type=int,
        default=None,
        metavar="K",
        help="schemas the added migration runs in (default: all); the rest are made up to date",
    )
    parser.add_argument(
        "--sessions", type=int, default=2, metavar="N", help="psql sessions loading the schemas (default 2)"
    )
    args = parser.parse_args(argv)
    if args.sessions < 1:
        parser.error("--sessions must be at least 1")
    if args.tenants < 2 or args.processes < 1 or args.sample < 0:
        parser.error("--tenants must be at least 2, --processes at least 1, --sample not negative")
    added = args.tenants if args.added is None else args.added
    if not 2 <= added <= args.tenants:
        parser.error("--added must be between 2 and --tenants")
    run_in_throwaway_database(
        lambda server: run(args.tenants, added, args.processes, args.sample, args.sessions, server)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
