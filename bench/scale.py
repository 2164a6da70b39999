"""Many tenants on one web worker: the inbox's p95 with N tenants against 10, and the worker's memory.

    python bench/scale.py [--tenants 2000] [--few 10] [--requests 300]
                          [--memory-tenants 500] [--memory-requests 10000] [--sessions 2]
                          [--server own|configured] [--shared-buffers SIZE]

    (from the project root; the full size takes about 33 minutes on 2 cores, most of it making
    the 2,000 schemas and analyzing them: --tenants 100 --memory-tenants 100 takes a few minutes)

The server: by default a PostgreSQL of the bench's own (provisioning.own_postgres: the embedded
package's binaries, a temporary folder) with shared_buffers a quarter of the machine's memory, as a
province's database server is set up, and autovacuum off (the bench vacuums at one point of its
own, not during a measurement); --server configured uses DATABASE_URL's server as it is.

Setup (not timed): a template tenant schema, migrated, with a unit, a clerk, an incoming register
and 200 documents (bench/qlvbdh.py's fill); dumped once and loaded under N names
(bench/migrations.py's way); N Tenant rows with a workspace host each; a session of the clerk in
every schema (the clerk is the same row in each: the schemas are copies).

Then one gunicorn worker (config/gunicorn.py, WEB_CONCURRENCY=1, WEB_THREADS=1, gunicorn's
max_requests off so the same process serves every request) on loopback, requested over HTTP with
each tenant's host and session cookie:

1. as loaded, a new worker: the inbox (/documents/, 50 a page), --requests times over the first
   --few tenants in turn and --requests times over all N (each a tenant picked at random),
   alternated, p50 and p95 of each. Most of the N are read from disk: printed, not the goal.
2. VACUUM (ANALYZE) of the catalogs and ANALYZE of every table, then every tenant's inbox once by
   a worker of its own (not timed): the server's cache as after a working day.
3. the same as 1 on a new worker, whose database connection (and PostgreSQL's caches of the
   tables it opens) start empty. Issue 19's goal: p95 over N within 1.2x of p95 over --few.
4. a new worker: --memory-requests requests (inbox, a document list page through the API,
   "my tasks") spread in turn over --memory-tenants tenants; the worker's RSS before and after,
   and the private memory (RssAnon) of its PostgreSQL backend. Goal: the worker under 150 MB.

The worker's database connection is kept DATABASE_CONN_MAX_AGE seconds (60 unless set, as
shipped): one connection serves every schema, switched by one `SET search_path` per request;
PostgreSQL caches each table it opens in that backend, so its memory grows with the schemas it
served until the connection is closed at its age. Run with DATABASE_CONN_MAX_AGE=0 to compare
(a connection per request). A measurement to read, never a pass/fail timing. Everything happens
in a throwaway database with a private Redis, both removed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.migrations import pg_dump_schema, schemas_load  # noqa: E402
from bench.provisioning import (  # noqa: E402
    memory_quarter,
    org_code_for,
    own_postgres,
    run_in_throwaway_database,
)

TEMPLATE_SCHEMA = "bench_scale_template"
CLERK = "bench.clerk"
DOCUMENTS = 200
P95_GOAL = 1.2
RSS_GOAL_MB = 150.0
INBOX = "/documents/"
MEMORY_PATHS = ("/documents/", "/api/v1/documents/?limit=50", "/api/v1/tasks/")


def schema_name_for(index: int) -> str:
    return f"bench_scale_{index + 1:05d}"


@dataclass(frozen=True)
class Site:
    host: str
    cookie: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unique_mb(pid: int) -> float:
    """Memory only this process holds (Private_Clean + Private_Dirty of smaps_rollup): what one more
    worker costs, where RSS also counts the pages it shares with gunicorn's master and the others."""
    total = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1])
    return total / 1024


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def worker(port: int) -> Iterator[int]:
    """One gunicorn worker of the shipped configuration on loopback; yields the worker's pid."""
    env = {**os.environ, "WEB_CONCURRENCY": "1", "WEB_THREADS": "1", "PORT": str(port)}
    env["LOG_LEVEL"] = "WARNING"
    log = tempfile.TemporaryFile()  # noqa: SIM115  (read back if gunicorn fails)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:config.gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--max-requests",
            "0",
            "config.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                log.seek(0)
                raise SystemExit("gunicorn did not start:\n" + log.read().decode(errors="replace")[-3000:])
            time.sleep(0.5)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        yield int(children[0])
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


class Requester:
    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, site: Site, path: str) -> float:
        started = time.perf_counter()
        headers = {"Host": site.host, "Cookie": f"sessionid={site.cookie}"}
        self.connection.request("GET", path, headers=headers)
        response = self.connection.getresponse()
        response.read()
        seconds = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"GET {path} on {site.host} answered {response.status}")
        return seconds


def p95(seconds: list[float]) -> float:
    return statistics.quantiles(seconds, n=20, method="inclusive")[18]


def inbox_rounds(
    port: int, few: list[Site], many: list[Site], requests: int, rng: random.Random
) -> tuple[float, float, float, float]:
    """p50 and p95 (ms) of the inbox over the few and over the many, on a new worker (its database
    connection, PostgreSQL's backend and its caches, new too)."""
    with worker(port):
        requester = Requester(port)
        for site in few:
            requester.get(site, INBOX)  # warm the code, not the many
        rounds: dict[str, list[float]] = {"few": [], "many": []}
        for _ in range(2):  # alternated, so a change of the machine's load falls on both
            rounds["few"] += [requester.get(few[i % len(few)], INBOX) for i in range(requests // 2)]
            rounds["many"] += [requester.get(rng.choice(many), INBOX) for _ in range(requests // 2)]
    return (
        statistics.median(rounds["few"]) * 1000,
        p95(rounds["few"]) * 1000,
        statistics.median(rounds["many"]) * 1000,
        p95(rounds["many"]) * 1000,
    )


def server_warm(port: int, sites: list[Site]) -> None:
    """Every tenant's inbox once, by a worker of its own: the server's state after a working day
    (each agency's pages in its cache), which the measured worker, new, does not share: its
    connection, and PostgreSQL's caches of the tables it opened, start empty."""
    with worker(port):
        requester = Requester(port)
        for site in sites:
            requester.get(site, INBOX)


def catalogs_vacuum() -> None:
    """VACUUM (ANALYZE) every table of pg_catalog. Loading thousands of schemas leaves their
    catalogs with dead row versions, unset hint bits and no statistics; autovacuum clears that in
    a deployment, but this machine's PostgreSQL runs with it off."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_class c"
            " WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r' ORDER BY 1"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def template_fill() -> None:
    """A unit, a clerk, an incoming register with DOCUMENTS documents and their tasks."""
    from django.utils import timezone

    from accounts.models import OrgUnit, RoleGrant, User, folded_name_of
    from bench.qlvbdh import assignments_fill, documents_fill
    from core.audit import Actor
    from qlvbdh.models import Register
    from qlvbdh.services import registers

    now = timezone.now()
    unit = OrgUnit.objects.create(name="Văn phòng", folded_name=folded_name_of("Văn phòng"))
    clerk = User.objects.create_user(
        username=CLERK, full_name="Văn Thư Thử", folded_name=folded_name_of("Văn Thư Thử"), unit=unit
    )
    for role in ("clerk", "official"):
        RoleGrant.objects.create(user=clerk, role=role, granted_by="bench")
    register = registers.register_create(
        actor=Actor(label="bench"),
        year=now.year,
        direction=Register.Direction.INCOMING,
        name="Sổ văn bản đến",
    )
    documents_fill(register_id=register.pk, count=DOCUMENTS, now=now, quiet=True)
    Register.objects.filter(pk=register.pk).update(last_number=DOCUMENTS)
    assignments_fill(register_id=register.pk, user_id=clerk.pk, unit_id=unit.pk, now=now)


def run(args: argparse.Namespace, server: str) -> None:
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from core.tenancy import in_schema, in_tenant
    from tenants import provisioning
    from tenants import services as tenant_services
    from tenants.models import Domain, Tenant

    started_run = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    print(f"database    {connection.settings_dict['NAME']} on {server}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_setting('shared_buffers')")
        version, shared_buffers = cursor.fetchone()
    print(f"server      PostgreSQL {version}, shared_buffers {shared_buffers}")
    print("load        {:.2f} {:.2f} {:.2f} (1, 5, 15 min; the machine is shared)".format(*os.getloadavg()))
    tenant_services.public_tenant_ensure(name="Ủy ban nhân dân tỉnh Gia Lai", org_code="000.00.00.H21")
    started = time.perf_counter()
    provisioning.schema_create_migrated(TEMPLATE_SCHEMA)
    with in_schema(TEMPLATE_SCHEMA):
        template_fill()
    dump = pg_dump_schema(os.environ["DATABASE_URL"], TEMPLATE_SCHEMA)
    print(f"template    {TEMPLATE_SCHEMA} with {DOCUMENTS} documents ({time.perf_counter() - started:.1f} s)")

    count = max(args.tenants, args.memory_tenants, args.few)
    names = [schema_name_for(i) for i in range(count)]
    started = time.perf_counter()
    print(f"schemas     {count:,} from the template's dump ...", flush=True)
    schemas_load(os.environ["DATABASE_URL"], dump, TEMPLATE_SCHEMA, names, args.sessions)
    tenants = Tenant.objects.bulk_create(
        [
            Tenant(schema_name=name, name=f"Đơn vị thử {i + 1}", kind="department", org_code=org_code_for(i))
            for i, name in enumerate(names)
        ]
    )
    hosts = [f"{name.replace('_', '')}.{settings.BASE_DOMAIN}" for name in names]
    Domain.objects.bulk_create(
        [
            Domain(domain=host, tenant=tenant, is_primary=True, purpose=Domain.Purpose.WORKSPACE)
            for host, tenant in zip(hosts, tenants, strict=True)
        ]
    )
    sites = []
    for tenant, host in zip(tenants, hosts, strict=True):
        with in_tenant(tenant):
            client = Client(HTTP_HOST=host)
            client.force_login(User.objects.get(username=CLERK), backend="accounts.backends.AccountBackend")
            sites.append(Site(host, client.cookies["sessionid"].value))
    print(f"            made in {time.perf_counter() - started:.1f} s (not counted), each with a session")
    age = settings.DATABASE_CONN_MAX_AGE
    print(f"worker      one gunicorn worker, one thread, DATABASE_CONN_MAX_AGE={age}\n", flush=True)

    port = free_port()
    few, many = sites[: args.few], sites[: args.tenants]
    rng = random.Random(19)
    loaded = inbox_rounds(port, few, many, args.requests, rng)
    started = time.perf_counter()
    catalogs_vacuum()
    print(f"vacuumed    the catalogs, VACUUM (ANALYZE) ({time.perf_counter() - started:.1f} s, not counted)")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"analyzed    every table, ANALYZE ({time.perf_counter() - started:.1f} s, not counted)", flush=True
    )
    started = time.perf_counter()
    server_warm(port, many)
    print(
        f"warmed      the server: each of the {len(many):,} inboxes once, by a worker of its own"
        f" ({time.perf_counter() - started:.1f} s, not counted)\n",
        flush=True,
    )
    few_p50, few_p95, many_p50, many_p95 = inbox_rounds(port, few, many, args.requests, rng)
    memory_sites = sites[: args.memory_tenants]
    with worker(port) as worker_pid:
        requester = Requester(port)
        requester.get(memory_sites[0], INBOX)
        rss_start, unique_start = rss_mb(worker_pid), unique_mb(worker_pid)
        started = time.perf_counter()
        for i in range(args.memory_requests):
            requester.get(memory_sites[i % len(memory_sites)], MEMORY_PATHS[(i // len(memory_sites)) % 3])
        memory_seconds = time.perf_counter() - started
        rss_end, unique_end = rss_mb(worker_pid), unique_mb(worker_pid)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            backends = [row[0] for row in cursor.fetchall()]
        backend_anon = [rss_mb(pid, "RssAnon") for pid in backends if Path(f"/proc/{pid}").exists()]

    print(f"{'figure':<60} {'value':>10} {'goal':>10} {'ratio':>8}")
    print("as loaded: most of the many read from disk, their pages not read since the load:")
    print(f"{f'  inbox over {len(few)} tenants: p50 / p95 ms':<60} {loaded[0]:>5.1f}/{loaded[1]:<5.1f}")
    print(f"{f'  inbox over {len(many):,} tenants: p50 / p95 ms':<60} {loaded[2]:>5.1f}/{loaded[3]:<5.1f}")
    print(f"{f'  p95 over {len(many):,} / p95 over {len(few)}':<60} {loaded[3] / loaded[1]:>9.2f}x")
    print("vacuumed, analyzed and every inbox served once (a working day's server), a new worker:")
    print(f"{f'inbox over {len(few)} tenants: p50 / p95 ms':<60} {few_p50:>5.1f}/{few_p95:<5.1f}")
    print(f"{f'inbox over {len(many):,} tenants: p50 / p95 ms':<60} {many_p50:>5.1f}/{many_p95:<5.1f}")
    ratio = many_p95 / few_p95
    print(
        f"{f'p95 over {len(many):,} / p95 over {len(few)}':<60} {ratio:>9.2f}x {P95_GOAL:>9.1f}x "
        f"{ratio / P95_GOAL:>7.2f}x  {'holds' if ratio <= P95_GOAL else 'MISSED'}"
    )
    print(
        f"{f'worker RSS after {args.memory_requests:,} requests over {len(memory_sites):,} tenants, MB':<60} "
        f"{rss_end:>10.1f} {RSS_GOAL_MB:>10.0f} {rss_end / RSS_GOAL_MB:>7.2f}x  "
        f"{'holds' if rss_end <= RSS_GOAL_MB else 'MISSED'}"
    )
    print(f"{'  worker RSS after its first request, MB':<60} {rss_start:>10.1f}")
    private = f"{unique_start:.1f} / {unique_end:.1f}"
    print(f"{'  worker private memory (not shared), first request / end, MB':<60} {private:>10}")
    print(
        f"{'  requests/s over them (one thread, HTTP on loopback)':<60} "
        f"{args.memory_requests / memory_seconds:>10.1f}"
    )
    if backend_anon:
        print(f"{'  its PostgreSQL backend, private memory (RssAnon), MB':<60} {max(backend_anon):>10.1f}")
    print("load        {:.2f} {:.2f} {:.2f} at the end".format(*os.getloadavg()))
    print(f"\ntotal {time.perf_counter() - started_run:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tenants", type=int, default=2000, metavar="N", help="tenants in all (2000)")
    parser.add_argument("--few", type=int, default=10, metavar="N", help="the small set (default 10)")
    parser.add_argument("--requests", type=int, default=300, metavar="N", help="inbox requests per set (300)")
    parser.add_argument("--memory-tenants", type=int, default=500, metavar="N", help="default 500")
    parser.add_argument("--memory-requests", type=int, default=10_000, metavar="N", help="default 10000")
    parser.add_argument("--sessions", type=int, default=2, metavar="N", help="psql sessions making schemas")
    parser.add_argument(
        "--server",
        choices=("own", "configured"),
        default="own",
        help="own (default): a PostgreSQL of the bench's own with a deployment's settings;"
        " configured: DATABASE_URL's server (or the embedded one) as it is set up",
    )
    parser.add_argument(
        "--shared-buffers",
        default=None,
        metavar="SIZE",
        help="the own server's shared_buffers (default: a quarter of this machine's memory)",
    )
    args = parser.parse_args(argv)
    if args.few < 1 or args.tenants <= args.few or args.requests < 40 or args.memory_requests < 1:
        parser.error("--tenants must exceed --few (at least 1), --requests be at least 40")
    if args.memory_tenants < 1 or args.sessions < 1:
        parser.error("--memory-tenants and --sessions must be at least 1")
    if args.server == "configured":
        run_in_throwaway_database(lambda server: run(args, server))
        return 0
    parameters = {
        "shared_buffers": args.shared_buffers or memory_quarter(),
        # The bench vacuums and analyzes at one point of its own, not during a measurement.
        "autovacuum": "off",
        "max_wal_size": "8GB",  # loading thousands of schemas without a checkpoint every minute
    }
    with own_postgres(parameters) as url:
        os.environ["DATABASE_URL"] = url
        settings = ", ".join(f"{name}={value}" for name, value in parameters.items())
        run_in_throwaway_database(
            lambda server: run(args, f"{server}, a server of the bench's own ({settings})")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
