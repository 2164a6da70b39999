"""Deadline reminders (Celery beat): a day before a task's deadline, and every day it is overdue.

Beat runs `deadline_reminders_all_tenants` in the public schema; it queues one
`deadline_reminders` per active tenant inside that tenant's context, so each message carries
its schema (tenant-schemas-celery) and each run sees only that agency's tasks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import app


def reminders_send() -> int:
    """In the current schema: notify the holders of tasks due by tomorrow or overdue, once a day each."""
    from accounts.models import User
    from accounts.services.notifications import notification_send
    from qlvbdh.models import Assignment

    today = timezone.localdate()
    due = Assignment.objects.filter(
        status=Assignment.Status.OPEN, deadline__isnull=False, deadline__lte=today + timedelta(days=1)
    ).select_related("document", "assignee", "unit")
    sent = 0
    for task in due.iterator(chunk_size=500):
        overdue = task.deadline is not None and task.deadline < today
        people: list[Any] = (
            [task.assignee]
            if task.assignee_id
            else list(User.objects.filter(unit_id=task.unit_id, is_active=True, locked_at__isnull=True))
        )
        message = (
            _("Quá hạn xử lý (%(date)s): %(summary)s")
            if overdue
            else _("Sắp đến hạn xử lý (%(date)s): %(summary)s")
        ) % {"date": f"{task.deadline:%d/%m/%Y}", "summary": task.document.summary[:200]}
        sent += notification_send(
            users=[person for person in people if person is not None and person.is_active],
            kind="overdue" if overdue else "due_soon",
            message=message,
            link=f"/api/v1/documents/{task.document.uuid}/",
            dedupe=f"{task.uuid}:{'overdue' if overdue else 'due_soon'}:{today.isoformat()}",
        )
    return sent


@app.task(acks_late=True)
def deadline_reminders() -> int:
    return reminders_send()


@app.task(acks_late=True)
def deadline_reminders_all_tenants() -> int:
    from core.tenancy import in_tenant
    from tenants.models import Tenant

    queued = 0
    for tenant in Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(schema_name="public"):
        with in_tenant(tenant):
            deadline_reminders.delay()
        queued += 1
    return queued
