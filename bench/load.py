"""Load: clerks, heads, officials and senders of many agencies against gunicorn and the hub.

    python bench/load.py [--users 200] [--tenants 50] [--minutes 10] [--spawn-rate 10]
                         [--max-tasks 1000] [--sessions 2] [--hub-workers 2]
    python bench/load.py --users 20 --tenants 5 --minutes 1      (a short run)

Setup (not timed): a template tenant schema, migrated, with a unit, a clerk, a head and an
official, 200 documents (bench/qlvbdh.py's fill) and an outgoing register, dumped and loaded
under --tenants names (bench/migrations.py's way), each a Tenant with a workspace host; a
personal API token for each of the three people of every tenant (a token counts as the head's
second factor) and the tenant's signing key (`signing_key_current`, as bench/hub.py does: the
one-time RSA key outside the figures).

Then gunicorn as shipped (config/gunicorn.py: WEB_CONCURRENCY processes x WEB_THREADS threads,
2 x 4 unless set) on 127.0.0.1, --hub-workers `manage.py hub work --forever` processes, and
`locust --headless` with bench/locustfile.py: --users people (4 clerks : 1 head : 3 officials :
1 sender, each of one tenant, tenants in turn) started --spawn-rate a second, for --minutes, each
stopping after --max-tasks tasks (bounded in time and in count). Clerks register incoming
documents, search, read the inbox and accept what the hub brought; heads direct registered ones
to their official; officials read their tasks (open and done) and report on one; a sender walks
an outgoing document through its agency (the official drafts it and attaches a 100 KB PDF, the
head approves and signs, the clerk issues it to one to three other agencies of the run).

Prints, per request type: count, failures, p50 and p95 (ms), and the requests per second. Then
waits (at most DRAIN_SECONDS) for the hub to carry everything issued, and prints the
document-recipient pairs issued (from the senders' outboxes) and arrived, the hub's deliveries
by state and issue-to-arrival p50/p95. The goal is zero errors: a failed request, a document
that never arrived, a delivery dead or still pending, an outbox entry never relayed (exit
status 1 otherwise). A measurement to read. Everything happens in a throwaway database with a
private Redis and a temporary MEDIA_ROOT, all removed at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.hub import issue_to_arrival, pdf_bytes, percentile, workers_start, workers_stop  # noqa: E402
from bench.migrations import pg_dump_schema, schemas_load  # noqa: E402
from bench.provisioning import org_code_for, run_in_throwaway_database  # noqa: E402
from bench.scale import free_port  # noqa: E402

TEMPLATE_SCHEMA = "bench_load_template"
DOCUMENTS = 200
DRAIN_SECONDS = 300  # after locust stops, for the hub to carry what was issued last
PEOPLE = {"clerk": ("bench.clerk", "Văn Thư Thử"), "head": ("bench.head", "Thủ Trưởng Thử"),
          "official": ("bench.official", "Chuyên Viên Thử")}  # fmt: skip


def template_fill() -> None:
    from django.utils import timezone

    from accounts.models import OrgUnit, RoleGrant, User, folded_name_of
    from bench.qlvbdh import assignments_fill, documents_fill
    from core.audit import Actor
    from qlvbdh.models import Register
    from qlvbdh.services import registers

    now = timezone.now()
    unit = OrgUnit.objects.create(name="Văn phòng", folded_name=folded_name_of("Văn phòng"))
    people = {}
    for role, (username, full_name) in PEOPLE.items():
        people[role] = User.objects.create_user(
            username=username, full_name=full_name, folded_name=folded_name_of(full_name), unit=unit
        )
        RoleGrant.objects.create(user=people[role], role=role, granted_by="bench")
    register = registers.register_create(
        actor=Actor(label="bench"),
        year=now.year,
        direction=Register.Direction.INCOMING,
        name="Sổ văn bản đến",
    )
    registers.register_create(
        actor=Actor(label="bench"),
        year=now.year,
        direction=Register.Direction.OUTGOING,
        name="Sổ văn bản đi",
        agency_abbreviation="STN",
    )
    documents_fill(register_id=register.pk, count=DOCUMENTS, now=now, quiet=True)
    Register.objects.filter(pk=register.pk).update(last_number=DOCUMENTS)
    assignments_fill(register_id=register.pk, user_id=people["official"].pk, unit_id=unit.pk, now=now)


def gunicorn_start(port: int) -> subprocess.Popen[bytes]:
    import http.client

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:config.gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "config.wsgi",
        ],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while True:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                return server
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit("gunicorn did not start")
        time.sleep(0.5)


def locust_argv(port: int, args: argparse.Namespace, prefix: str) -> list[str]:
    return [
        *(sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"),
        *("--host", f"http://127.0.0.1:{port}", "--users", str(args.users)),
        *("--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.minutes * 60:.0f}s"),
        *("--stop-timeout", "30", "--csv", prefix, "--only-summary", "--loglevel", "WARNING"),
    ]


def stats_print(prefix: str) -> int:
    """Locust's CSV of the run: a line per request type; returns the failures."""
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        rows = list(csv.DictReader(stats))
    print(f"{'request':<28} {'count':>8} {'fail':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>7}")
    failures = 0
    for row in rows:
        label = row["Name"] if row["Name"] != "Aggregated" else "all"  # names carry their method
        print(
            f"{label[:28]:<28} {int(row['Request Count']):>8} {int(row['Failure Count']):>6} "
            f"{float(row['50%']):>8.0f} {float(row['95%']):>8.0f} {float(row['Max Response Time']):>8.0f} "
            f"{float(row['Requests/s']):>7.1f}"
        )
        if row["Name"] == "Aggregated":
            failures = int(row["Failure Count"])
    failures_file = Path(f"{prefix}_failures.csv")
    if failures and failures_file.exists():
        print("\nfailures (first 10):")
        with failures_file.open(encoding="utf-8") as listed:
            for row in list(csv.DictReader(listed))[:10]:
                print(f"  {row['Method']} {row['Name']} x{row['Occurrences']}: {row['Error'][:200]}")
    return failures


def run(args: argparse.Namespace, server: str) -> int:
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from accounts.services.tokens import token_create
    from core.audit import Actor
    from core.tenancy import in_schema, in_tenant
    from interagency.exchange.services.keys import signing_key_current
    from tenants import provisioning
    from tenants import services as tenant_services
    from tenants.models import Domain, Tenant

    started_run = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    print(f"database    {connection.settings_dict['NAME']} on {server}")
    print("load        {:.2f} {:.2f} {:.2f} (1, 5, 15 min; the machine is shared)".format(*os.getloadavg()))
    tenant_services.public_tenant_ensure(name="Ủy ban nhân dân tỉnh Gia Lai", org_code="000.00.00.H21")
    started = time.perf_counter()
    provisioning.schema_create_migrated(TEMPLATE_SCHEMA)
    with in_schema(TEMPLATE_SCHEMA):
        template_fill()
    names = [f"bench_load_{i + 1:04d}" for i in range(args.tenants)]
    schemas_load(
        os.environ["DATABASE_URL"], pg_dump_schema(os.environ["DATABASE_URL"], TEMPLATE_SCHEMA),
        TEMPLATE_SCHEMA, names, args.sessions,
    )  # fmt: skip
    tenants = Tenant.objects.bulk_create(
        [
            Tenant(schema_name=name, name=f"Đơn vị thử {i + 1}", kind="department", org_code=org_code_for(i))
            for i, name in enumerate(names)
        ]
    )
    people: dict[str, list[dict[str, Any]]] = {role: [] for role in (*PEOPLE, "sender")}
    actor = Actor(label="bench")
    for tenant in tenants:
        host = f"{tenant.schema_name.replace('_', '')}.{settings.BASE_DOMAIN}"
        Domain.objects.create(domain=host, tenant=tenant, is_primary=True, purpose=Domain.Purpose.WORKSPACE)
        tokens = {}
        with in_tenant(tenant):
            for role, (username, _name) in PEOPLE.items():
                user = User.objects.get(username=username)
                _token, tokens[role] = token_create(
                    actor=actor, user=user, name="bench", scope="write", days=2
                )
                people[role].append({"host": host, "token": tokens[role], "official": PEOPLE["official"][0]})
            signing_key_current()  # the one-time RSA key and certificate, outside the figures
        people["sender"].append(
            {"host": host, "token": tokens["official"], "tokens": tokens, "org_code": tenant.org_code}
        )
    print(
        f"tenants     {args.tenants} with {DOCUMENTS} documents, tokens and a signing key each"
        f" ({time.perf_counter() - started:.1f} s)"
    )

    workdir = Path(tempfile.mkdtemp(prefix="tinhso-load-"))
    pdf = workdir / "cong-van.pdf"
    pdf.write_bytes(pdf_bytes(random.Random(1)))
    people_file = workdir / "people.json"
    agencies = [{"org_code": tenant.org_code, "org_name": tenant.name} for tenant in tenants]
    people_file.write_text(
        json.dumps({"people": people, "agencies": agencies, "pdf": str(pdf)}), encoding="utf-8"
    )
    port = free_port()
    web = gunicorn_start(port)
    hub: list[subprocess.Popen[bytes]] = []
    prefix = str(workdir / "run")
    try:
        hub = workers_start(args.hub_workers, paused=False)
        print(
            f"gunicorn    127.0.0.1:{port}, {os.environ.get('WEB_CONCURRENCY', '2')} processes"
            f" x {os.environ.get('WEB_THREADS', '4')} threads; {args.hub_workers} `hub work --forever`"
        )
        print(
            f"locust      {args.users} users over {args.tenants} tenants, {args.spawn_rate}/s, "
            f"{args.minutes} min, at most {args.max_tasks} tasks each\n",
            flush=True,
        )
        with (workdir / "locust.log").open("wb") as locust_log:  # its own summary repeats ours
            locust = subprocess.run(
                locust_argv(port, args, prefix),
                cwd=ROOT,
                env={**os.environ, "LOAD_PEOPLE": str(people_file), "LOAD_MAX_TASKS": str(args.max_tasks)},
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=locust_log,
                timeout=args.minutes * 60 + 180,
            )
        load_end = os.getloadavg()
        if not Path(f"{prefix}_stats.csv").exists():
            print((workdir / "locust.log").read_text(encoding="utf-8", errors="replace")[-3000:])
            raise SystemExit(f"locust ended with status {locust.returncode} and no figures")
        failures = stats_print(prefix)
        missing = deliveries_report(tenants, hub)
    finally:
        web.send_signal(signal.SIGTERM)
        workers_stop(hub)
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    errors = failures + missing
    print(
        f"\nerrors: {errors} ({failures} requests, {missing} deliveries; goal: 0)"
        f" -> {'holds' if errors == 0 else 'MISSED'}"
    )
    print("load        {:.2f} {:.2f} {:.2f} as locust ended".format(*load_end))
    print(f"total {time.perf_counter() - started_run:.1f} s")
    return 1 if errors else 0


def deliveries_report(tenants: list[Any], hub: list[subprocess.Popen[bytes]]) -> int:
    """Waits (at most DRAIN_SECONDS after locust stopped) for the hub to carry every issued
    document to each of its recipients and every status back (nothing left in an outbox or
    pending at the hub); prints the counts and issue-to-arrival. Returns the errors: (document,
    recipient) pairs that never arrived, deliveries dead or still pending, entries never relayed."""
    from django.db.models import Count

    from core.tenancy import in_public, in_tenant
    from interagency.exchange.models import OutboxEntry
    from interagency.hub.models import HubDelivery

    def outboxes() -> tuple[int, int]:
        """Document-recipient pairs issued (from the senders' outboxes: a document whose response
        was lost to a timeout counts too) and entries not yet relayed to the hub."""
        pairs = unrelayed = 0
        for tenant in tenants:
            with in_tenant(tenant):
                codes = OutboxEntry.objects.filter(kind="edoc").values_list("recipient_codes", flat=True)
                pairs += sum(len(recipients) for recipients in codes)
                unrelayed += OutboxEntry.objects.filter(relayed_at__isnull=True).count()
        return pairs, unrelayed

    def hub_states() -> dict[str, int]:
        with in_public():
            rows = HubDelivery.objects.values("state").annotate(n=Count("id"))
            return {row["state"]: row["n"] for row in rows}

    started = time.perf_counter()
    while True:
        wanted, unrelayed = outboxes()
        arrived, _to_hub = issue_to_arrival(tenants)
        states = hub_states()
        pending = states.get(HubDelivery.State.PENDING, 0)
        if (len(arrived) >= wanted and not unrelayed and not pending) or (
            time.perf_counter() - started > DRAIN_SECONDS
        ):
            break
        if any(worker.poll() is not None for worker in hub):
            print("a hub worker process ended early")
            break
        time.sleep(1)
    drained = time.perf_counter() - started
    missing = max(wanted - len(arrived), 0)
    dead = states.get(HubDelivery.State.DEAD, 0)
    print(
        f"\nhub         {wanted} document-recipient pairs issued, {len(arrived)} arrived; hub deliveries"
        f" (documents and their statuses): {', '.join(f'{n} {state}' for state, n in sorted(states.items()))}"
        f"; {unrelayed} outbox entries not relayed ({drained:.1f} s after locust stopped)"
    )
    if arrived:
        print(
            f"            issue -> arrival p50 {statistics.median(arrived) * 1000:.0f} ms,"
            f" p95 {percentile(arrived, 0.95) * 1000:.0f} ms, max {max(arrived) * 1000:.0f} ms"
        )
    return missing + dead + pending + unrelayed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=200, metavar="N", help="concurrent users (200)")
    parser.add_argument("--tenants", type=int, default=50, metavar="N", help="agencies they belong to (50)")
    parser.add_argument("--minutes", type=float, default=10.0, metavar="M", help="run time (10)")
    parser.add_argument(
        "--spawn-rate", type=float, default=10.0, metavar="R", help="users started a second (10)"
    )
    parser.add_argument(
        "--max-tasks", type=int, default=1000, metavar="N", help="tasks per user at most (1000)"
    )
    parser.add_argument("--sessions", type=int, default=2, metavar="N", help="psql sessions making schemas")
    parser.add_argument(
        "--hub-workers", type=int, default=2, metavar="K", help="`hub work --forever` processes (2)"
    )
    args = parser.parse_args(argv)
    if (
        min(args.users, args.max_tasks, args.sessions, args.hub_workers) < 1
        or args.tenants < 2
        or args.minutes <= 0
        or args.spawn_rate <= 0
    ):
        parser.error("every number must be positive, with at least 2 tenants (senders send to the others)")
    status: list[int] = []
    media = tempfile.mkdtemp(prefix="tinhso-load-media-")
    os.environ["MEDIA_ROOT"] = media  # before Django reads its settings; gunicorn and the hub inherit it
    try:
        run_in_throwaway_database(lambda server: status.append(run(args, server)))
    finally:
        shutil.rmtree(media, ignore_errors=True)
    return status[0] if status else 1


if __name__ == "__main__":
    sys.exit(main())
