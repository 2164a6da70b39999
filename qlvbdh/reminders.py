"""Deadline reminders (Celery beat): a day before a task's deadline, and every day it is overdue.

Beat runs `deadline_reminders_all_tenants` in the public schema; it queues one
`deadline_reminders` per active tenant inside that tenant's context, so each message carries
its schema (tenant-schemas-celery) and each run sees only that agency's tasks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import app


def reminders_send() -> int:
    """In the current schema: notify the holders of tasks due by tomorrow or overdue, once a day each.

    Per person, through the queryset forms of the rules (need-to-know): the tasks they may act
    on, on documents they may see; a reminder never names a document to someone who may not
    open it. Two queries per person, not per task.
    """
    from accounts.models import User
    from accounts.permissions import permitted
    from accounts.services.notifications import notification_send
    from qlvbdh.models import Assignment, Document

    today = timezone.localdate()
    due = Assignment.objects.filter(
        status=Assignment.Status.OPEN, deadline__isnull=False, deadline__lte=today + timedelta(days=1)
    )
    people = User.objects.filter(
        Q(pk__in=due.order_by().values("assignee_id")) | Q(unit_id__in=due.order_by().values("unit_id")),
        is_active=True,
        locked_at__isnull=True,
    ).order_by("pk")
    sent = 0
    for person in people.iterator(chunk_size=500):
        visible = permitted(person, "qlvbdh.view_documents", Document).order_by().values("pk")
        tasks = (
            permitted(person, "qlvbdh.process", Assignment)
            .filter(pk__in=due.order_by().values("pk"), document__in=visible)
            .select_related("document")
            .order_by("deadline", "pk")
        )
        for task in tasks:
            sent += _remind(notification_send, person, task, today)
    return sent


def _remind(send: Any, person: Any, task: Any, today: Any) -> int:
    overdue = task.deadline is not None and task.deadline < today
    message = (
        _("Quá hạn xử lý (%(date)s): %(summary)s")
        if overdue
        else _("Sắp đến hạn xử lý (%(date)s): %(summary)s")
    ) % {"date": f"{task.deadline:%d/%m/%Y}", "summary": task.document.summary[:200]}
    return int(
        send(
            users=[person],
            kind="overdue" if overdue else "due_soon",
            message=message,
            link=f"/api/v1/documents/{task.document.uuid}/",
            dedupe=f"{task.uuid}:{'overdue' if overdue else 'due_soon'}:{today.isoformat()}",
        )
    )


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
