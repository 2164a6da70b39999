"""A hub worker killed with SIGKILL in the middle of a delivery loses nothing and duplicates nothing.

A real worker process (`manage.py hub work`) delivers a real packet into tenant B. The test holds
a lock that B's outbox needs, so the worker stops half-way: B's inbox row is written but not
committed. The worker is then killed with SIGKILL; PostgreSQL rolls its transaction back. A new
worker delivers the packet exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from core.tenancy import in_public, in_tenant
from interagency.exchange.models import ExchangeStatus, InboxItem, ReceivedPacket
from interagency.exchange.services.relay import relay_all
from interagency.exchange.tests.flows import issue_to, office
from interagency.hub.models import HubAttempt, HubDelivery
from interagency.hub.services.deliveries import work
from tenants.tests.test_cli import _test_database_url

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db(transaction=True)


def _worker() -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "HUB_KEY_SECRET": settings.HUB_KEY_SECRET,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "hub", "work"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _wait(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _backends_waiting_on_lock(admin: psycopg.Connection) -> list[int]:
    rows = admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
        "AND pid <> pg_backend_pid()"
    ).fetchall()
    return [row[0] for row in rows]


def _backend_alive(admin: psycopg.Connection, pid: int) -> bool:
    return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone() == (1,)


def test_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing(province, tenant, other_tenant):
    a_people = office(tenant)
    office(other_tenant)
    sent = issue_to(tenant, a_people, [other_tenant])
    assert relay_all() == 1  # recorded at the hub; the delivery into B is due
    with in_public():
        delivery = HubDelivery.objects.get(recipient_code=other_tenant.org_code)
    assert delivery.state == "pending"

    url = _test_database_url()
    with psycopg.connect(url, autocommit=True) as admin, psycopg.connect(url) as blocker:
        # B's outbox is where the receiver writes status 01, after the inbox row: holding it stops
        # the worker half-way through the delivery's transaction.
        blocker.execute(f'LOCK TABLE "{other_tenant.schema_name}".interagency_outboxentry IN EXCLUSIVE MODE')
        worker = _worker()
        try:
            _wait(lambda: bool(_backends_waiting_on_lock(admin)), "the worker to block inside its delivery")
            (backend,) = _backends_waiting_on_lock(admin)
            row = admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone()
            query = row[0] if row else ""
            # Blocked on the 01 it writes after B's inbox row: that row exists, uncommitted.
            assert query.startswith('INSERT INTO "interagency_outboxentry"'), query
            os.killpg(worker.pid, signal.SIGKILL)
            assert worker.wait(timeout=30) == -signal.SIGKILL
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)
        blocker.rollback()  # the orphaned statement now finishes, finds its client gone and rolls back
        _wait(lambda: not _backend_alive(admin, backend), "PostgreSQL to end the killed worker's session")

    with in_tenant(other_tenant):
        assert InboxItem.objects.count() == 0
        assert ReceivedPacket.objects.count() == 0
    delivery.refresh_from_db()
    assert delivery.state == "pending"
    assert delivery.attempts == 0  # the try itself was rolled back with everything else
    assert HubAttempt.objects.count() == 0

    restarted = _worker()
    _out, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err.decode()
    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    with in_tenant(other_tenant):
        assert InboxItem.objects.count() == 1
        assert ReceivedPacket.objects.filter(outcome="arrived").count() == 1
    work()  # the 01 that B wrote in the same transaction reaches A
    with in_tenant(tenant):
        assert list(ExchangeStatus.objects.filter(document=sent).values_list("status_code", flat=True)) == [
            "01"
        ]
