"""Tasks (assignments): mine and my unit's."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.permissions import can
from core.ids import is_uuid
from qlvbdh.models import Assignment


def my_tasks(*, user: Any, include_done: bool = False) -> QuerySet[Assignment]:
    """The person's tasks and their unit's, overdue first, then by deadline (none last)."""
    if not can(user, "qlvbdh.process"):
        return Assignment.objects.none()
    mine = Q(assignee=user)
    if getattr(user, "unit_id", None):
        mine |= Q(unit_id=user.unit_id)
    tasks = Assignment.objects.filter(mine).select_related("document", "unit", "assignee")
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
