"""QLVBĐH reads, limited to what the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.permissions import can
from core.text import fold
from qlvbdh.models import Assignment, Document, DocumentEvent, Register


def register_list(*, reader: Any, year: int | None = None) -> QuerySet[Register]:
    if not can(reader, "qlvbdh.view_documents") and not can(reader, "qlvbdh.manage_registers"):
        return Register.objects.none()
    registers = Register.objects.all()
    return registers.filter(year=year) if year else registers


def document_list(*, reader: Any, direction: str = "", q: str = "") -> QuerySet[Document]:
    if not can(reader, "qlvbdh.view_documents"):
        return Document.objects.none()
    documents = Document.objects.select_related("register")
    if direction:
        documents = documents.filter(direction=direction)
    needle = " ".join(fold(q.replace("\x00", "")).split())
    if needle:
        documents = documents.filter(search_text__contains=needle)
    return documents.order_by("-registered_at", "-id")


def document_get(*, reader: Any, key: str) -> Document | None:
    if not _is_uuid(key):
        return None
    return document_list(reader=reader).filter(uuid=key).first()


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
    if not _is_uuid(key):
        return None
    return my_tasks(user=user, include_done=True).filter(uuid=key).first()


def document_timeline(*, document: Document) -> QuerySet[DocumentEvent]:
    return document.events.order_by("at", "id")


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
