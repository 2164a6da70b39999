"""How fast the hub carries documents between agencies: capacity (deliveries per second) and
issue-to-arrival time at half that load, each next to its goal.

    python bench/hub.py [--tenants 50] [--documents 200] [--workers 2] [--seed 1] [--profile FILE]
                        [--offered R]

    (from the project root; the default size takes a few minutes on 2 cores, most of it making the
    50 schemas)

50 tenants are made with the real `tenants.services.tenant_create` from the spare-schema pool
(the spares are clones of one migrated template, not timed). Each gets a clerk, an official, a
head, an outgoing register and its signing key (generating an RSA key is a one-time cost, kept
out of the figures). 2 x N documents, each with a ~100 KB PDF (random bytes, so the packet does not
compress away), are drafted, approved and signed through the real `qlvbdh` services (not timed),
each from a random agency to 1-3 random other agencies. Then, in two phases:

- capacity: N documents are issued (`outgoing_issue`: one outbox row each) while the K
  `manage.py hub work --forever` processes are paused (SIGSTOP); they are resumed and the drain is
  timed until every document has arrived and every automatic 01 status has gone back. With
  `--workers 0` the drain runs in this process (`deliveries.work()`), under cProfile with
  `--profile FILE` (read it with `python -m pstats FILE`).
- latency: with the workers running, the other N documents are issued at a steady rate offering
  half the measured capacity; p50/p95 of issue (the sender's OutboxEntry.created_at) to arrival
  (the recipient's InboxItem.arrived_at).

A baseline measured in the same run: the median parse + signature check of one of the run's
document packets. Printed as ratios next to the goals of issue 11: wall time per delivery at most
1.5 x that baseline with two workers, and p95 issue-to-arrival under 1 s at half capacity. Each
phase also prints its CPU per delivery (the workers, this process, the whole PostgreSQL server:
read on a quiet machine). A measurement to read, never a pass/fail timing.

Everything happens in a throwaway database `tinhso_bench_<pid>` with a private Redis and a
temporary MEDIA_ROOT, all removed at the end, on error and on Ctrl-C too.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
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


def pdf_bytes(rng: random.Random) -> bytes:
    body = rng.randbytes(PDF_BYTES)
    return (
        b"%PDF-1.4\n1 0 obj<< /Length "
        + str(len(body)).encode()
        + b" >>stream\n"
        + body
        + b"\nendstream endobj\n"
        b"trailer<<>>\n%%EOF\n"
    )


def percentile(values: list[float], share: float) -> float:
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


def _prepare(tenant: Any, people: dict[str, Any], pdf: bytes, number: int) -> Any:
    """A signed draft with its PDF, ready to issue (not timed)."""
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
    return draft


def _issue(tenant: Any, people: dict[str, Any], draft: Any, recipients: list[Any]) -> None:
    from core.tenancy import in_tenant
    from qlvbdh.services import outgoing as documents

    with in_tenant(tenant):
        documents.outgoing_issue(
            actor=people["clerk"],
            document=draft,
            recipients=[documents.Recipient(org_code=r.org_code, org_name=r.name) for r in recipients],
        )


# --- measuring ---------------------------------------------------------------------------------


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (Linux /proc; 0 where unreadable)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _postgres_pids() -> list[int]:
    """The local PostgreSQL server's processes (its backends do the statements' work)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in {"postgres", "postmaster"}:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class CpuMeter:
    """CPU seconds spent by the hub workers, this process and PostgreSQL between start() and stop()."""

    def __init__(self, workers: list[subprocess.Popen[bytes]]) -> None:
        self.workers = [worker.pid for worker in workers]
        self._start: dict[str, float] = {}
        self.spent: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        own = os.times()
        return {
            "hub workers": _cpu_seconds(self.workers),
            "bench process": own.user + own.system,
            "postgresql": _cpu_seconds(_postgres_pids()),
        }

    def start(self) -> None:
        self._start = self._now()

    def stop(self) -> None:
        end = self._now()
        self.spent = {name: end[name] - self._start[name] for name in end}

    def line(self, deliveries: int, seconds: float) -> str:
        parts = [
            f"{name} {spent * 1000 / max(deliveries, 1):.1f} ms ({spent / max(seconds, 1e-9):.2f} cores)"
            for name, spent in self.spent.items()
        ]
        return "  CPU per delivery                       " + ", ".join(parts)


def _delivered_count() -> int:
    from core.tenancy import in_public
    from interagency.hub.models import HubDelivery

    with in_public():
        return HubDelivery.objects.filter(state=HubDelivery.State.DELIVERED).count()


def workers_start(count: int, *, paused: bool = True) -> list[subprocess.Popen[bytes]]:
    """`count` hub workers, each past its start-up (Django loaded, first poll done), then paused
    (SIGSTOP) unless asked otherwise."""
    import threading

    command = [sys.executable, "manage.py", "hub", "work", "--forever"]  # woken by NOTIFY, else every 1 s
    pool = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, env=os.environ.copy())
        for _ in range(count)
    ]
    for worker in pool:
        output = worker.stdout
        if output is None or not output.readline():  # "hub worker ready" after its first sweep
            raise RuntimeError("a hub worker process ended before it was ready")
        threading.Thread(target=output.read, daemon=True).start()  # a full pipe would block it
    if paused:
        _workers_signal(pool, signal.SIGSTOP)
    return pool


def _workers_signal(workers: list[subprocess.Popen[bytes]], signum: int) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.kill(worker.pid, signum)


def workers_stop(workers: list[subprocess.Popen[bytes]]) -> None:
    _workers_signal(workers, signal.SIGCONT)
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _wait_for(expected: int, workers: list[subprocess.Popen[bytes]], in_process: Any = None) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while _delivered_count() < expected:
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"only {_delivered_count()} of {expected} deliveries after {WAIT_LIMIT_SECONDS} s"
            )
        if any(worker.poll() is not None for worker in workers):
            raise RuntimeError("a hub worker process ended early")
        if in_process is not None:
            in_process()  # statuses enqueued by the last round
        else:
            time.sleep(0.02)


def issue_to_arrival(
    tenants: list[Any], exchange_ids: set[str] | None = None
) -> tuple[list[float], list[float]]:
    """Seconds from the sender's outbox row to each recipient's inbox item, per (document, recipient),
    and of that, from the outbox row to its relay to the hub."""
    from core.tenancy import in_tenant
    from interagency.exchange.models import InboxItem, OutboxEntry

    issued: dict[str, Any] = {}
    relayed: dict[str, Any] = {}
    arrived: list[tuple[str, Any]] = []
    for tenant in tenants:
        with in_tenant(tenant):
            for exchange, created, relayed_at in OutboxEntry.objects.filter(kind="edoc").values_list(
                "exchange_id", "created_at", "relayed_at"
            ):
                issued[exchange] = created
                relayed[exchange] = relayed_at
            arrived.extend(InboxItem.objects.values_list("exchange_id", "arrived_at"))
    chosen = [
        (exchange, at)
        for exchange, at in arrived
        if exchange in issued and (exchange_ids is None or exchange in exchange_ids)
    ]
    return (
        [(at - issued[exchange]).total_seconds() for exchange, at in chosen],
        [(relayed[exchange] - issued[exchange]).total_seconds() for exchange, _at in chosen],
    )


def _exchange_ids(tenants: list[Any]) -> set[str]:
    from core.tenancy import in_tenant
    from interagency.exchange.models import OutboxEntry

    found: set[str] = set()
    for tenant in tenants:
        with in_tenant(tenant):
            found.update(OutboxEntry.objects.filter(kind="edoc").values_list("exchange_id", flat=True))
    return found


def _baseline() -> float:
    """Median parse + signature check of one of the run's document packets."""
    from core.tenancy import in_public
    from interagency.edxml.reader import parse
    from interagency.edxml.signatures import verify_packet
    from interagency.hub.models import HubPacket
    from interagency.hub.services.authority import trust_roots

    with in_public():
        packet = HubPacket.objects.filter(kind="edoc").order_by("id").first()
        roots = trust_roots()
    if packet is None:
        return float("nan")
    content = bytes(packet.content)

    def check() -> None:
        parse(content)
        verify_packet(content, trust_roots_pem=roots, expected_org_code=packet.sender_code)

    return _median_seconds(check, 30)


def _profiled(path: str | None, call: Any) -> tuple[Counter[str], dict[str, float]]:
    """Run `call` counting its SQL statements by shape, and their seconds (from sending to the
    result), and under cProfile into `path`."""
    import cProfile
    import re

    from django.db import connection

    statements: Counter[str] = Counter()
    seconds: dict[str, float] = {}

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        shape = re.sub(r"\d+", "N", re.sub(r"\s+", " ", sql))[:90]
        statements[shape] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds[shape] = seconds.get(shape, 0.0) + time.perf_counter() - started

    profile = cProfile.Profile() if path else None
    with connection.execute_wrapper(count):
        try:
            if profile is not None:
                profile.runcall(call)
            else:
                call()
        finally:
            if profile is not None and path:
                profile.dump_stats(path)
    return statements, seconds


def _print_statements(statements: Counter[str], seconds: dict[str, float], expected: int) -> None:
    print(
        f"SQL statements per delivery in the drain: {sum(statements.values()) / expected:.1f};"
        " the most frequent:"
    )
    for shape, times in statements.most_common(25):
        print(f"  {times / expected:6.2f}  {shape}")
    print(
        f"SQL time per delivery in the drain: {sum(seconds.values()) / expected * 1000:.1f} ms"
        " (sent to result, this process's side); the longest:"
    )
    for shape, spent in sorted(seconds.items(), key=lambda item: -item[1])[:15]:
        print(f"  {spent / expected * 1000:6.2f} ms  {shape}")


def run(
    tenants_count: int,
    documents: int,
    workers: int,
    seed: int,
    server: str,
    profile: str | None,
    offered_rate: float | None = None,
) -> None:
    import io

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

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
    for _number in range(2 * documents if workers else documents):
        sender = rng.randrange(tenants_count)
        others = [index for index in range(tenants_count) if index != sender]
        plan.append((sender, rng.sample(others, k=min(len(others), rng.randint(1, 3)))))
    pdf = pdf_bytes(rng)
    print(
        f"documents   {len(plan)} signed drafts with a {len(pdf) // 1024} KB PDF each ...",
        end=" ",
        flush=True,
    )
    started = time.perf_counter()
    drafts = [
        _prepare(tenants[sender], offices[sender], pdf, number)
        for number, (sender, _recipients) in enumerate(plan, start=1)
    ]
    print(f"made in {time.perf_counter() - started:.1f} s (not counted)", flush=True)

    def issue(index: int) -> None:
        sender, recipients = plan[index]
        _issue(tenants[sender], offices[sender], drafts[index], [tenants[i] for i in recipients])

    def expected_after(count: int) -> int:
        return 2 * sum(len(recipients) for _sender, recipients in plan[:count])  # each document and its 01

    statements: Counter[str] = Counter()
    pool: list[subprocess.Popen[bytes]] = workers_start(workers) if workers else []
    try:
        # (a) capacity: issue with the workers paused, then time the drain.
        started = time.perf_counter()
        for index in range(documents):
            issue(index)
        issue_seconds = time.perf_counter() - started
        expected = expected_after(documents)
        print(
            f"capacity    {documents} documents issued in {issue_seconds:.1f} s, hub paused;"
            f" {f'{workers} worker processes' if workers else 'this process'} drain"
            f" {expected} deliveries ...",
            end=" ",
            flush=True,
        )
        capacity_cpu = CpuMeter(pool)
        capacity_cpu.start()
        started_drain = time.perf_counter()
        if workers:
            _workers_signal(pool, signal.SIGCONT)
            _wait_for(expected, pool)
        else:
            statements, statement_seconds = _profiled(
                profile, lambda: _wait_for(expected, [], in_process=lambda: work(rounds=100_000))
            )
        drain_seconds = time.perf_counter() - started_drain
        capacity_cpu.stop()
        print(f"done in {drain_seconds:.2f} s", flush=True)
        capacity = expected / drain_seconds
        per_delivery = drain_seconds / expected

        # (b) latency: a steady rate offering half the capacity, the workers running.
        latencies: list[float] = []
        to_hub: list[float] = []
        offered = achieved = 0.0
        if workers:
            before = _exchange_ids(tenants)
            per_document = expected / documents
            offered = offered_rate or capacity / 2
            interval = per_document / offered
            print(
                f"latency     {documents} documents, one every {interval * 1000:.0f} ms"
                f" (offering {offered:.1f} deliveries/s) ...",
                end=" ",
                flush=True,
            )
            latency_cpu = CpuMeter(pool)
            latency_cpu.start()
            started = time.perf_counter()
            for number, index in enumerate(range(documents, 2 * documents)):
                pause = started + number * interval - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                issue(index)
            issue_seconds = time.perf_counter() - started
            _wait_for(expected_after(2 * documents), pool)
            latency_cpu.stop()
            latency_seconds = time.perf_counter() - started
            print(f"issued in {issue_seconds:.1f} s, all arrived", flush=True)
            achieved = (expected_after(2 * documents) - expected) / max(issue_seconds, 1e-9)
            latencies, to_hub = issue_to_arrival(tenants, _exchange_ids(tenants) - before)
    finally:
        workers_stop(pool)

    check = _baseline()
    print()
    print("baseline (same run)")
    print(
        f"  parse + signature check of one packet  {check * 1000:8.2f} ms"
        f" (median, {len(pdf) // 1024} KB attachment)"
    )
    print("capacity")
    print(
        f"  deliveries per second                  {capacity:8.1f}   ({expected} in {drain_seconds:.2f} s,"
        f" {workers or 'no'} worker processes)"
    )
    ratio = per_delivery / check
    print(
        f"  wall time per delivery                 {per_delivery * 1000:8.2f} ms"
        f" = {ratio:.2f}x parse+check   (goal <= 1.5x{', with 2 workers' if workers != 2 else ''})"
    )
    print(capacity_cpu.line(expected, drain_seconds))
    if latencies:
        p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
        at = "half capacity" if not offered_rate else "a set rate"
        print(f"latency at {at} ({offered:.1f} offered, {achieved:.1f} deliveries/s achieved)")
        print(f"  issue -> arrival p50                   {p50 * 1000:8.1f} ms")
        print(
            f"  of which issue -> relayed to the hub   {statistics.median(to_hub) * 1000:8.1f} ms p50,"
            f" {percentile(to_hub, 0.95) * 1000:.1f} ms p95"
        )
        print(
            f"  issue -> arrival p95                   {p95 * 1000:8.1f} ms = {p95:.2f}x 1 s   (goal < 1x)"
            f"   max {max(latencies) * 1000:.0f} ms, {len(latencies)} document-recipient pairs"
        )
        print(latency_cpu.line(expected_after(2 * documents) - expected, latency_seconds))
    elif not workers:
        print("latency     needs --workers K (the documents must be issued while workers run)")
        _print_statements(statements, statement_seconds, expected)
    print(f"\ntotal {time.perf_counter() - started_run:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tenants", type=int, default=50, metavar="N", help="agencies (default 50)")
    parser.add_argument(
        "--documents", type=int, default=200, metavar="N", help="documents per phase (default 200)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, metavar="K", help="`hub work` processes (default 2; 0: in process)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--offered",
        type=float,
        metavar="R",
        help="latency phase: offer R deliveries/s instead of half the measured capacity (to read a curve)",
    )
    parser.add_argument("--profile", metavar="FILE", help="with --workers 0: cProfile the drain into FILE")
    args = parser.parse_args(argv)
    if args.tenants < 2 or args.documents < 1 or args.workers < 0:
        parser.error("needs at least 2 tenants, 1 document and 0 or more workers")
    if args.profile and args.workers:
        parser.error("--profile needs --workers 0 (the drain in this process)")
    profile = str(Path(args.profile).resolve()) if args.profile else None

    media = tempfile.mkdtemp(prefix="tinhso-bench-media-")
    os.environ["MEDIA_ROOT"] = media  # before Django reads its settings; the workers inherit it
    try:
        run_in_throwaway_database(
            lambda server: run(
                args.tenants, args.documents, args.workers, args.seed, server, profile, args.offered
            )
        )
    finally:
        shutil.rmtree(media, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
