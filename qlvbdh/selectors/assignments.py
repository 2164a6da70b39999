"""Tasks (assignments): mine and my unit's."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from accounts.permissions import can, permitted
from core.ids import is_uuid
from core.paging import OrderedUnion
from qlvbdh.models import Assignment
from qlvbdh.permissions import own_or_unit_task_parts

# Overdue first, then by deadline, none last: with overdue meaning "deadline before today" this is
# the deadline's own ascending order (NULLS LAST), which an index can hold; the id breaks ties.
TASK_ORDER = ("deadline", "id")


def my_tasks(*, user: Any, include_done: bool = False) -> QuerySet[Assignment]:
    """The person's tasks and their unit's, overdue first, then by deadline (none last)."""
    tasks = permitted(user, "qlvbdh.process", Assignment).select_related("document", "unit", "assignee")
    if not include_done:
        tasks = tasks.filter(status=Assignment.Status.OPEN)
    today = timezone.localdate()
    # A task finished or handed on is not late any more, whatever its deadline.
    late = When(deadline__lt=today, status=Assignment.Status.OPEN, then=Value(0))
    return tasks.annotate(overdue=Case(late, default=Value(1), output_field=IntegerField())).order_by(
        *TASK_ORDER
    )


def my_tasks_list(*, user: Any, include_done: bool = False) -> OrderedUnion:
    """`my_tasks` for a list: the person's part and the unit's part of the rule each walk their
    own index in the list's order (qlvbdh_task_person*, qlvbdh_task_unit*) for as many rows as
    the page needs and are merged, so a page reads about a page of tasks however many the
    person and the unit have had. Each part is filtered by its own condition only: the rule's
    whole OR in it would make PostgreSQL misjudge how many rows a part holds and sort them all."""
    tasks = Assignment.objects.all()
    if not include_done:
        tasks = tasks.filter(status=Assignment.Status.OPEN)
    if can(user, "qlvbdh.process"):
        parts = [tasks.filter(part) for part in own_or_unit_task_parts(user)]
    else:
        parts = [tasks.none()]
    return OrderedUnion(parts, TASK_ORDER, lambda: my_tasks(user=user, include_done=include_done))


def assignment_get(*, user: Any, key: str) -> Assignment | None:
    if not is_uuid(key):
        return None
    return my_tasks(user=user, include_done=True).filter(uuid=key).first()


def my_tasks_count(*, reader: Any) -> int:
    """Open tasks of the person and their unit (the navigation's badge)."""
    return permitted(reader, "qlvbdh.process", Assignment).filter(status=Assignment.Status.OPEN).count()
