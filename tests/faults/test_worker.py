"""A Celery worker process killed (SIGKILL) in the middle of a task that writes.

A real worker (`celery worker`, prefork, one child) takes the analysis of an uploaded attachment,
queued by the upload itself after commit. The test holds the attachment's row lock, so the child
stops inside its write transaction; the child is then killed with SIGKILL, as the kernel's OOM
killer would. Guarantees (acks_late, reject on a lost worker, an idempotent task): the message is
not lost but handed out again, the killed child's transaction leaves nothing, and the analysis is
written exactly once (one event, one audit entry).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from config.celery import app
from core.models import AuditEntry
from core.tenancy import in_tenant
from interagency.exchange.tests.flows import PDF, draft_by, office
from qlvbdh.attachment_models import Attachment
from qlvbdh.models import DocumentEvent
from qlvbdh.services.attachments import attachment_add
from tenants.tests.test_cli import _test_database_url
from tests.faults.servers import celery_worker, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _analysed(tenant, attachment) -> tuple[bool, int, int]:
    with in_tenant(tenant):
        done = Attachment.objects.filter(pk=attachment.pk, analysed_at__isnull=False).exists()
        events = DocumentEvent.objects.filter(kind="attachment_analysed").count()
        audits = AuditEntry.objects.filter(action="attachment.analyse").count()
    return done, events, audits


def test_a_worker_killed_mid_task_redoes_it_once_and_leaves_nothing_half_written(tenant, tmp_path):
    app.control.purge()  # this test worker's own queue (its key prefix): only the task below
    people = office(tenant)
    with in_tenant(tenant):
        draft = draft_by(people["official"], "Về việc thử tiến trình nền")

    url = _test_database_url()
    table = f'"{tenant.schema_name}".qlvbdh_attachment'
    with psycopg.connect(url, autocommit=True) as admin, psycopg.connect(url) as blocker:
        with in_tenant(tenant):
            attachment = attachment_add(
                actor=people["official"], document=draft, upload=ContentFile(PDF, name="phan-tich.pdf")
            )
        # the upload queued its analysis at commit; its row is held, so the analysis will wait
        blocker.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [attachment.pk])  # noqa: S608
        log = tmp_path / "worker.log"
        worker = celery_worker(
            log=log,
            env={
                "DATABASE_URL": url,
                "REDIS_URL": settings.REDIS_URL,
                "REDIS_KEY_PREFIX": str(settings.CACHES["default"].get("KEY_PREFIX", "")),
            },
        )
        try:
            # when the child is inside the analysis' write transaction (waiting for the row) ...
            def waiting() -> list[int]:
                rows = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE %s",
                    ['SELECT "qlvbdh_attachment".%'],
                ).fetchall()
                return [row[0] for row in rows]

            (backend,) = wait_for(
                waiting, f"the worker to block inside the analysis; its log: {log}", timeout=90
            )
            children = _children(worker.pid)
            assert len(children) == 1, children
            # ... it is killed outright
            os.kill(children[0], signal.SIGKILL)
            blocker.rollback()
            wait_for(
                lambda: (
                    admin.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend]
                    ).fetchone()
                    == (0,)
                ),
                "PostgreSQL to end the killed child's session",
            )
            # then nothing of it stayed; the task is handed out again and done, once
            wait_for(lambda: _analysed(tenant, attachment)[0], "the task to be redone", timeout=90)
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
    assert _analysed(tenant, attachment) == (True, 1, 1)
