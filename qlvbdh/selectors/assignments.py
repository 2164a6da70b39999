"""Tasks (assignments): mine and my unit's."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils import timezone

from accounts.permissions import permitted
from core.ids import is_uuid
from qlvbdh.models import Assignment


def my_tasks(*, user: Any, include_done: bool = False) -> QuerySet[Assignment]:
    """The person's tasks and their unit's, overdue first, then by deadline (none last)."""
    tasks = permitted(user, "qlvbdh.process", Assignment).select_related("document", "unit", "assignee")
    if not include_done:
        tasks = tasks.filter(status=Assignment.Status.OPEN)
    today = timezone.localdate()
    return tasks.annotate(
        overdue=Case(When(deadline__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("overdue", F("deadline").asc(nulls_last=True), "id")


def assignment_get(*, user: Any, key: str) -> Assignment | None:
    if not is_uuid(key):
        return None
    return my_tasks(user=user, include_done=True).filter(uuid=key).first()


def my_tasks_count(*, reader: Any) -> int:
    """Open tasks of the person and their unit (the navigation's badge)."""
    return permitted(reader, "qlvbdh.process", Assignment).filter(status=Assignment.Status.OPEN).count()
