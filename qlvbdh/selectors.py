"""QLVBĐH reads, limited to what the reader may see."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils import timezone

from accounts.permissions import can, permitted
from core.ids import is_uuid
from core.text import fold
from qlvbdh.models import Assignment, Document, DocumentEvent, Register


def register_list(*, reader: Any, year: int | None = None) -> QuerySet[Register]:
    if not can(reader, "qlvbdh.view_documents") and not can(reader, "qlvbdh.manage_registers"):
        return Register.objects.none()
    registers = Register.objects.all()
    return registers.filter(year=year) if year else registers


SEARCH_FILTERS = ("direction", "q", "type", "status", "urgency", "start", "end", "unit")


def document_list(
    *,
    reader: Any,
    direction: str = "",
    q: str = "",
    type: str = "",
    status: str = "",
    urgency: str = "",
    start: date | None = None,
    end: date | None = None,
    unit: str = "",
) -> QuerySet[Document]:
    """Documents the reader may see (need-to-know: qlvbdh.permissions), filtered; `q` matches
    metadata and attachment text without diacritics or case (all words, in any order)."""
    documents = (
        permitted(reader, "qlvbdh.view_documents", Document).select_related("register").defer("search_text")
    )
    if direction:
        documents = documents.filter(direction=direction)
    for word in fold(q.replace("\x00", "")).split()[:10]:
        documents = documents.filter(search_text__contains=word)
    if type:
        documents = documents.filter(document_type=type)
    if status:
        documents = documents.filter(status=status)
    if urgency:
        documents = documents.filter(urgency=urgency)
    if start is not None:
        documents = documents.filter(registered_at__gte=_local_midnight(start))
    if end is not None:
        documents = documents.filter(registered_at__lt=_local_midnight(end + timedelta(days=1)))
    if unit and is_uuid(unit):
        # A subquery, not a join: a document assigned to the unit twice is listed once, without DISTINCT.
        documents = documents.filter(pk__in=Assignment.objects.filter(unit__uuid=unit).values("document_id"))
    return documents.order_by("-registered_at", "-id")


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def document_get(*, reader: Any, key: str) -> Document | None:
    if not is_uuid(key):
        return None
    return document_list(reader=reader).filter(uuid=key).first()


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


def document_timeline(*, reader: Any, document: Document) -> QuerySet[DocumentEvent]:
    """The document's timeline, as far as the reader may see it (all of it, or nothing)."""
    return (
        permitted(reader, "qlvbdh.view_documents", DocumentEvent)
        .filter(document=document)
        .order_by("at", "id")
    )
