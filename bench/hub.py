"""How fast the hub carries documents between agencies: deliveries per second and issue-to-arrival time.

    python bench/hub.py [--tenants 50] [--documents 200] [--workers K] [--seed 1]

    (from the project root; --tenants 50 --documents 200 takes a few minutes on 2 cores, most of
    it making the 50 schemas)

50 tenants are made with the real `tenants.services.tenant_create` from the spare-schema pool
(the spares are clones of one migrated template, not timed). Each gets a clerk, an official, a
head, an outgoing register and its signing key (generating an RSA key is a one-time cost, kept
out of the figures). Then N documents, each with a ~100 KB PDF (random bytes, so the packet does
not compress away), are drafted, approved, signed and issued through the real
`qlvbdh` services, each from a random agency to 1-3 random other agencies: one outbox row each.

The hub then runs until every document has arrived and every automatic 01 status has gone back:

- `--workers 0` (default): `interagency.hub.services.deliveries.work()` in this process, after all are issued.
- `--workers K`: K processes of `manage.py hub work --forever` against the bench database, started
  before the first issue, so they relay and deliver while documents are being issued and compete
  for deliveries with SELECT ... FOR UPDATE SKIP LOCKED.

Printed: deliveries per second (HubAttempt ok=True over the hub's wall time), p50/p95/max of the
time from issue (the sender's OutboxEntry.created_at) to arrival (the recipient's
InboxItem.arrived_at), and a baseline measured in the same run: the median `SELECT 1` round trip
and the median parse + signature check of one of the run's packets, with each figure as a ratio
of them. A measurement to read, never a pass/fail timing.

Everything happens in a throwaway database `tinhso_bench_<pid>` with a private Redis and a
temporary MEDIA_ROOT, all removed at the end, on error and on Ctrl-C too.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
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

from bench.provisioning import (  # noqa: E402  (importable via the path above)
    TEMPLATE_SCHEMA,
    org_code_for,
    run_in_throwaway_database,
)

PDF_BYTES = 100 * 1024
WAIT_LIMIT_SECONDS = 1800


def _pdf(rng: random.Random) -> bytes:
    body = rng.randbytes(PDF_BYTES)
    return (
        b"%PDF-1.4\n1 0 obj<< /Length "
        + str(len(body)).encode()
        + b" >>stream\n"
        + body
        + b"\nendstream endobj\n"
        b"trailer<<>>\n%%EOF\n"
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _median_seconds(call: Any, repeat: int) -> float:
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


# --- setting up --------------------------------------------------------------------------------


def _tenants_make(count: int) -> list[Any]:
    """`count` tenants through tenant_create, each taking a spare cloned from a migrated template."""
    from core.audit import Actor
    from tenants import provisioning, services
    from tenants.models import SpareSchema

    provisioning.schema_create_migrated(TEMPLATE_SCHEMA)
    fingerprint = provisioning.tenant_migrations_fingerprint()
    for index in range(count):
        name = f"{provisioning.SPARE_PREFIX}bench{index:04d}"
        provisioning.schema_clone(TEMPLATE_SCHEMA, name)
        SpareSchema.objects.create(name=name, fingerprint=fingerprint)
    actor = Actor(label="bench")
    return [
        services.tenant_create(
            actor=actor, name=f"Sở Thử nghiệm {index + 1}", kind="department", org_code=org_code_for(index)
        )
        for index in range(count)
    ]


def _office(tenant: Any) -> dict[str, Any]:
    """A clerk, an official and a head, and this year's outgoing register (as the flow tests make)."""
    from django.utils import timezone

    from accounts.models import RoleGrant, User
    from core.audit import Actor
    from core.tenancy import in_tenant
    from interagency.exchange.services.keys import signing_key_current
    from qlvbdh.services import registers as documents

    people = {}
    with in_tenant(tenant):
        documents.register_create(
            actor=Actor(label="bench"),
            year=timezone.localdate().year,
            direction="outgoing",
            name="Sổ văn bản đi",
            agency_abbreviation="STN",
        )
        for key, username, role in (
            ("clerk", "vanthu", "clerk"),
            ("official", "chuyenvien", "official"),
            ("head", "giamdoc", "head"),
        ):
            user = User.objects.create(username=username, full_name=username)
            RoleGrant.objects.create(user=user, role=role, granted_by="bench")
            people[key] = Actor(user=user)
        signing_key_current()  # the one-time RSA key and certificate, outside the figures
    return people


def _issue(tenant: Any, people: dict[str, Any], recipients: list[Any], pdf: bytes, number: int) -> None:
    from django.core.files.base import ContentFile

    from core.tenancy import in_tenant
    from qlvbdh.services import outgoing as documents
    from qlvbdh.services.attachments import attachment_add

    with in_tenant(tenant):
        draft = documents.outgoing_draft_create(
            actor=people["official"],
            data=documents.OutgoingData(
                document_type="CV",
                summary=f"Về việc kết nối liên thông văn bản điện tử (thử tải số {number})",
                signer_name="Nguyễn Văn Giám",
                signing_authority="",
                drafting_unit="VP",
            ),
        )
        attachment_add(actor=people["official"], document=draft, upload=ContentFile(pdf, name="cong-van.pdf"))
        documents.outgoing_approve(actor=people["head"], document=draft)
        documents.outgoing_sign(actor=people["head"], document=draft)
        documents.outgoing_issue(
            actor=people["clerk"],
            document=draft,
            recipients=[documents.Recipient(org_code=r.org_code, org_name=r.name) for r in recipients],
        )


# --- measuring ---------------------------------------------------------------------------------


def _delivered_count() -> int:
    from core.tenancy import in_public
    from interagency.hub.models import HubDelivery

    with in_public():
        return HubDelivery.objects.filter(state=HubDelivery.State.DELIVERED).count()


def _workers_start(count: int) -> list[subprocess.Popen[bytes]]:
    command = [sys.executable, "manage.py", "hub", "work", "--forever", "--interval", "0.2"]
    return [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, env=os.environ.copy())
        for _ in range(count)
    ]


def _workers_stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _latencies(tenants: list[Any]) -> list[float]:
    """Seconds from the sender's outbox row to each recipient's inbox item, per (document, recipient)."""
    from core.tenancy import in_tenant
    from interagency.exchange.models import InboxItem, OutboxEntry

    issued: dict[str, Any] = {}
    arrived: list[tuple[str, Any]] = []
    for tenant in tenants:
        with in_tenant(tenant):
            issued.update(OutboxEntry.objects.filter(kind="edoc").values_list("exchange_id", "created_at"))
            arrived.extend(InboxItem.objects.values_list("exchange_id", "arrived_at"))
    return [(at - issued[exchange]).total_seconds() for exchange, at in arrived if exchange in issued]


def _baseline() -> tuple[float, float]:
    """Median SELECT 1 round trip, and median parse + signature check of one stored packet."""
    from django.db import connection

    from core.tenancy import in_public
    from interagency.edxml.reader import parse
    from interagency.edxml.signatures import verify_packet
    from interagency.hub.models import HubPacket
    from interagency.hub.services.authority import trust_roots

    def select_one() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    with in_public():
        packet = HubPacket.objects.filter(kind="edoc").order_by("id").first()
        roots = trust_roots()
    round_trip = _median_seconds(select_one, 200)
    if packet is None:
        return round_trip, float("nan")
    content = bytes(packet.content)

    def check() -> None:
        parse(content)
        verify_packet(content, trust_roots_pem=roots, expected_org_code=packet.sender_code)

    return round_trip, _median_seconds(check, 20)


def run(tenants_count: int, documents: int, workers: int, seed: int, server: str) -> None:
    import io

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from core.tenancy import in_public
    from interagency.hub.models import HubAttempt, HubPacket
    from interagency.hub.services.deliveries import work
    from tenants.services import public_tenant_ensure

    rng = random.Random(seed)
    started_run = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"database    {connection.settings_dict['NAME']} on {server}, PostgreSQL {version}")
    public_tenant_ensure(name="UBND tỉnh Thử nghiệm", org_code="000.00.00.H21")

    print(f"tenants     {tenants_count} ...", end=" ", flush=True)
    started = time.perf_counter()
    tenants = _tenants_make(tenants_count)
    offices = [_office(tenant) for tenant in tenants]
    print(f"made in {time.perf_counter() - started:.1f} s (not counted)", flush=True)

    plan = []
    for _number in range(documents):
        sender = rng.randrange(tenants_count)
        others = [index for index in range(tenants_count) if index != sender]
        plan.append((sender, rng.sample(others, k=min(len(others), rng.randint(1, 3)))))
    expected = 2 * sum(len(recipients) for _sender, recipients in plan)  # each document and its 01
    pdf = _pdf(rng)

    pool: list[subprocess.Popen[bytes]] = _workers_start(workers) if workers else []
    try:
        print(f"documents   {documents} with a {len(pdf) // 1024} KB PDF each ...", end=" ", flush=True)
        started_issue = time.perf_counter()
        for number, (sender, recipients) in enumerate(plan, start=1):
            _issue(tenants[sender], offices[sender], [tenants[index] for index in recipients], pdf, number)
        issue_seconds = time.perf_counter() - started_issue
        print(f"issued in {issue_seconds:.1f} s ({documents / issue_seconds:.1f} documents/s)", flush=True)

        print(
            f"hub         {f'{workers} worker processes' if workers else 'in this process, after the issue'},"
            f" waiting for {expected} deliveries ...",
            end=" ",
            flush=True,
        )
        started_hub = started_issue if workers else time.perf_counter()
        if not workers:
            work(rounds=100_000)
        deadline = time.monotonic() + WAIT_LIMIT_SECONDS
        while _delivered_count() < expected and time.monotonic() < deadline:
            if workers and any(worker.poll() is not None for worker in pool):
                raise RuntimeError("a hub worker process ended early")
            if not workers:
                work(rounds=100_000)  # statuses enqueued by the last round
            time.sleep(0.05)
        hub_seconds = time.perf_counter() - started_hub
        print(f"done in {hub_seconds:.1f} s", flush=True)
    finally:
        _workers_stop(pool)

    delivered = _delivered_count()
    with in_public():
        tries = HubAttempt.objects.count()
        failed = HubAttempt.objects.filter(ok=False).count()
        packets = HubPacket.objects.count()
        first_try = HubAttempt.objects.order_by("at").values_list("at", flat=True).first()
        last_try = HubAttempt.objects.order_by("-at").values_list("at", flat=True).first()
    latencies = _latencies(tenants)
    round_trip, check = _baseline()
    busy = (last_try - first_try).total_seconds() if first_try and last_try else float("nan")
    per_second = delivered / hub_seconds
    per_delivery = hub_seconds / max(delivered, 1)

    print()
    print(f"packets {packets}, deliveries {delivered} of {expected}, tries {tries} ({failed} failed)")
    print(
        f"deliveries per second  {per_second:8.1f}   over the hub's wall time {hub_seconds:.2f} s"
        f" ({delivered / busy:.1f}/s between the first and last try, {busy:.2f} s)"
    )
    if latencies:
        p50, p95 = statistics.median(latencies), _percentile(latencies, 0.95)
        print(
            f"issue -> arrival (s)   p50 {p50:8.3f}   p95 {p95:8.3f}   max {max(latencies):8.3f}"
            f"   ({len(latencies)} document-recipient pairs)"
        )
    print()
    print("baseline (same run, medians)")
    print(f"  SELECT 1 round trip              {round_trip * 1000:8.3f} ms")
    print(f"  parse + verify one edXML packet  {check * 1000:8.3f} ms ({len(pdf) // 1024} KB attachment)")
    print("ratios")
    print(
        f"  wall time per delivery           {per_delivery * 1000:8.3f} ms"
        f" = {per_delivery / round_trip:8.1f} x SELECT 1 = {per_delivery / check:6.2f} x parse+verify"
    )
    if latencies:
        print(
            f"  issue -> arrival p50             {p50 * 1000:8.1f} ms = {p50 / check:8.1f} x parse+verify"
            f"; p95 {p95 / check:.1f} x"
        )
    if not workers:
        print(
            "  (with --workers 0 every document waits until all are issued: latency includes the issue phase)"
        )
    print(f"\ntotal {time.perf_counter() - started_run:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tenants", type=int, default=50, metavar="N", help="agencies (default 50)")
    parser.add_argument("--documents", type=int, default=200, metavar="N", help="documents (default 200)")
    parser.add_argument(
        "--workers", type=int, default=0, metavar="K", help="`hub work` processes (default 0)"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.tenants < 2 or args.documents < 1 or args.workers < 0:
        parser.error("needs at least 2 tenants, 1 document and 0 or more workers")

    media = tempfile.mkdtemp(prefix="tinhso-bench-media-")
    os.environ["MEDIA_ROOT"] = media  # before Django reads its settings; the workers inherit it
    try:
        run_in_throwaway_database(
            lambda server: run(args.tenants, args.documents, args.workers, args.seed, server)
        )
    finally:
        shutil.rmtree(media, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
