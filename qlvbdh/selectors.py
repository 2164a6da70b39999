"""QLVBĐH reads, limited to what the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.permissions import can
from core.text import fold
from qlvbdh.models import Document, Register


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
    import uuid

    try:
        uuid.UUID(key)
    except ValueError:
        return None
    return document_list(reader=reader).filter(uuid=key).first()
