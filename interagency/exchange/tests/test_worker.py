"""A `hub work --forever` process wakes on the NOTIFY an agency's outbox entry sends at commit: it
relays and delivers the document and its 01 at once, not at its next poll."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings

from core.tenancy import in_tenant
from interagency.exchange.models import ExchangeStatus, InboxItem
from interagency.exchange.tests.flows import issue_to, office
from interagency.exchange.tests.test_crash import ROOT, _wait
from interagency.hub.services.deliveries import work
from interagency.hub.services.queue import CHANNEL
from tenants.tests.test_cli import _test_database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_listening_worker_carries_a_document_and_its_01_when_the_issue_commits(
    province, tenant, other_tenant
):
    a_people = office(tenant)
    office(other_tenant)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "HUB_KEY_SECRET": settings.HUB_KEY_SECRET,
    }
    # Polling only every 10 minutes: within the test, only the notifications can wake it.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "hub", "work", "--forever", "--interval", "600"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == b"hub worker ready"  # its first sweep is done

        sent = issue_to(tenant, a_people, [other_tenant])

        def carried() -> bool:
            with in_tenant(tenant):
                answered = ExchangeStatus.objects.filter(document=sent, status_code="01").exists()
            with in_tenant(other_tenant):
                return answered and InboxItem.objects.count() == 1

        _wait(carried, "the worker to deliver the document and bring its 01 back")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


def test_the_loops_own_01_statuses_wake_no_other_worker_and_go_back_in_the_same_run(
    province, tenant, other_tenant
):
    # With two workers, each 01 written by one woke the other too, which searched in vain.
    a_people = office(tenant)
    office(other_tenant)
    sent = issue_to(tenant, a_people, [other_tenant])
    with psycopg.connect(_test_database_url(), autocommit=True) as other_worker:
        other_worker.execute(f"LISTEN {CHANNEL}")

        work()  # relays the document, delivers it (its 01 is written), relays and delivers the 01

        heard = {notify.payload for notify in other_worker.notifies(timeout=0.5)}
    assert other_tenant.schema_name not in heard
    with in_tenant(tenant):
        assert ExchangeStatus.objects.filter(document=sent, status_code="01").exists()
    with in_tenant(other_tenant):
        assert InboxItem.objects.count() == 1
