"""The nightly usage rollup for 1,000 tenants with a year of history, as a ratio to one tenant's.

    python bench/oversight.py [--tenants 1000] [--schemas 4] [--per-day 40]

    (from the project root; the defaults take a few minutes on 2 cores)

How the tenants are made, cheaply: `--schemas` real tenants are created (`tenant_create`) and each
is filled with a year of history straight into its schema with PostgreSQL
`INSERT ... SELECT ... FROM generate_series(...)` (bench/qlvbdh.py's fillers): `--per-day`
incoming documents a day for 365 days (mixed delivery modes and sources, one in 100 with a task,
done after 9 days), and 30 logins a day. The `--tenants` tenants are then that many tenant UUIDs
(unsaved Tenant objects, kind department) spread round-robin over those schemas: each tenant's
figures are counted by the real providers, with the real queries, in a schema holding a year of
rows. They share a few schemas, so PostgreSQL's cache is warmer than with 1,000 schemas of their
own: read the figure as a lower bound, and raise --schemas to see how much it moves.

Every tenant's figures are filled up to the day before yesterday, as after a normal night, then:

  one tenant   the rollup of yesterday for one tenant (median of 5 tenants, each timed alone)
  all tenants  the rollup of yesterday for all --tenants at once, timed once: the nightly run
  again        the same run once more: every day is filled, so nothing is written (what the
               hourly beat costs on the nights it has nothing to do)

and prints each, its ratio to the one-tenant baseline of the same run, and the SQL queries of one
tenant's night. The goal (issue 17): the night grows linearly with the tenants, i.e. the ratio of
all tenants to one stays near --tenants, and a run with nothing to do costs a small fraction of a
night. A measurement to read, never a pass/fail timing. Everything happens in a throwaway database
`tinhso_bench_<pid>` with a private Redis, both removed at the end (bench/provisioning.py).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.provisioning import org_code_for, run_in_throwaway_database  # noqa: E402
from bench.qlvbdh import _insert_sql, assignments_fill, documents_fill  # noqa: E402

LOGINS_PER_DAY = 30


def logins_fill(*, user_id: int, username: str, now: Any) -> None:
    """LOGINS_PER_DAY successful logins a day over the 365 days before `now`."""
    from django.db import connection

    from accounts.models import LoginEvent

    count = LOGINS_PER_DAY * 365
    source = (
        "(SELECT g, %(start)s::timestamptz + (g - 1) * %(step)s::interval AS at"
        " FROM generate_series(1, %(count)s::integer) AS g) AS r"
    )
    expressions = {"user_id": "%(user)s", "username": "%(username)s", "kind": "'success'", "at": "r.at"}
    sql, defaults = _insert_sql(LoginEvent, expressions, source)
    params = {
        **defaults,
        "start": now - timedelta(days=365),
        "step": timedelta(days=365) / count,
        "count": count,
        "user": user_id,
        "username": username,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def schema_fill(tenant: Any, per_day: int, now: Any) -> None:
    from accounts.models import OrgUnit, User, folded_name_of
    from core.audit import Actor
    from core.tenancy import in_tenant
    from qlvbdh.models import Register
    from qlvbdh.services import registers

    with in_tenant(tenant):
        unit = OrgUnit.objects.create(name="Văn phòng", folded_name=folded_name_of("Văn phòng"))
        person = User.objects.create_user(username="vanthu", full_name="Văn Thư", unit=unit)
        User.objects.filter(pk=person.pk).update(date_joined=now - timedelta(days=400))
        register = registers.register_create(
            actor=Actor(label="bench"),
            year=now.year,
            direction=Register.Direction.INCOMING,
            name="Sổ văn bản đến",
        )
        documents_fill(register_id=register.pk, count=per_day * 365, now=now)
        assignments_fill(register_id=register.pk, user_id=person.pk, unit_id=unit.pk, now=now)
        logins_fill(user_id=person.pk, username="vanthu", now=now)


def run(tenants: int, schemas: int, per_day: int, server: str) -> None:
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from core.audit import Actor
    from core.figures import figures_all
    from core.tenancy import in_public
    from oversight.models import FillState, UsageFigure
    from oversight.rollup import rollup
    from tenants import services as tenant_services
    from tenants.models import Tenant

    started_run = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"database    {connection.settings_dict['NAME']} on {server}, PostgreSQL {version}")
    actor = Actor(label="bench")
    tenant_services.public_tenant_ensure(name="Ủy ban nhân dân tỉnh Gia Lai", org_code="000.00.00.H21")
    now = timezone.now()
    started = time.perf_counter()
    real = []
    for index in range(schemas):
        tenant = tenant_services.tenant_create(
            actor=actor,
            name=f"Sở Dữ liệu {index + 1}",
            kind="department",
            org_code=org_code_for(9000 + index),
        )
        schema_fill(tenant, per_day, now)
        real.append(tenant)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"history     {schemas} schema(s), each {per_day * 365:,} documents, "
        f"{per_day * 365 // 100:,} tasks and {LOGINS_PER_DAY * 365:,} logins over 365 days "
        f"(filled in {time.perf_counter() - started:.1f} s, not counted)"
    )

    def tenant_of(index: int) -> Tenant:
        home = real[index % schemas]
        return Tenant(
            uuid=uuid.uuid4(),
            schema_name=home.schema_name,
            name=f"Đơn vị {index + 1}",
            kind="department",
            org_code=org_code_for(index),
        )

    baseline_tenants = [tenant_of(index) for index in range(5)]
    night_tenants = [tenant_of(index) for index in range(5, 5 + tenants)]
    yesterday = timezone.localdate() - timedelta(days=1)
    codes = [figure.code for figure in figures_all()]
    with in_public():
        FillState.objects.bulk_create(
            (
                FillState(
                    tenant_uuid=t.uuid, figure=code, filled_until=yesterday - timedelta(days=1), state="done"
                )
                for t in [*baseline_tenants, *night_tenants]
                for code in codes
            ),
            batch_size=5000,
        )
    print(f"tenants     {tenants} (+5 for the baseline) on {schemas} schema(s), {len(codes)} figures each\n")

    singles = []
    for tenant in baseline_tenants:
        begun = time.perf_counter()
        report = rollup(until=yesterday, tenants=[tenant])
        singles.append(time.perf_counter() - begun)
        assert report.days_written == 1, report  # noqa: S101
    one = statistics.median(singles)
    with CaptureQueriesContext(connection) as queries:
        rollup(until=yesterday, tenants=[baseline_tenants[0]], redo=True)

    print("all tenants ... ", end="", flush=True)
    begun = time.perf_counter()
    night = rollup(until=yesterday, tenants=night_tenants)
    night_seconds = time.perf_counter() - begun
    print(f"{night_seconds:.2f} s", flush=True)
    begun = time.perf_counter()
    again = rollup(until=yesterday, tenants=night_tenants)
    again_seconds = time.perf_counter() - begun
    with in_public():
        rows = UsageFigure.objects.filter(day=yesterday).count()
    if night.failures or again.days_written:
        raise RuntimeError(f"unexpected: failures {night.failures}, days written again {again.days_written}")

    print()
    print(f"{'run':<13} {'tenants':>7} {'seconds':>9} {'s/tenant':>9} {'ratio vs one tenant':>20}")
    print(f"{'one tenant':<13} {1:>7} {one:>9.4f} {one:>9.4f} {1.0:>20.1f}")
    print(
        f"{'all tenants':<13} {tenants:>7} {night_seconds:>9.2f} {night_seconds / tenants:>9.4f} "
        f"{night_seconds / one:>20.1f}"
    )
    print(
        f"{'again':<13} {tenants:>7} {again_seconds:>9.2f} {again_seconds / tenants:>9.4f} "
        f"{again_seconds / one:>20.1f}"
    )
    print(
        f"\ngoal: linear in the tenants, a ratio near {tenants} "
        f"(here {night_seconds / one / tenants:.2f} x {tenants}); "
        f"a run with nothing to do: {again_seconds / night_seconds:.1%} of a night"
    )
    print(
        f"one tenant's night: {len(queries.captured_queries)} SQL queries, {len(codes)} figures written; "
        f"{rows:,} figure rows for yesterday in all; one-tenant samples "
        + ", ".join(f"{s:.4f}" for s in singles)
    )
    print(f"\ntotal {time.perf_counter() - started_run:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tenants", type=int, default=1000, help="tenants in the nightly run (default 1000)")
    parser.add_argument("--schemas", type=int, default=4, help="real schemas holding the history (default 4)")
    parser.add_argument("--per-day", type=int, default=40, help="incoming documents a day (default 40)")
    args = parser.parse_args(argv)
    if args.tenants < 1 or args.schemas < 1 or args.per_day < 1:
        parser.error("--tenants, --schemas and --per-day must be at least 1")
    run_in_throwaway_database(lambda server: run(args.tenants, args.schemas, args.per_day, server))
    return 0


if __name__ == "__main__":
    sys.exit(main())
