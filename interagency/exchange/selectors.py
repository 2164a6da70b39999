"""Reads of an agency's exchange: the clerk's hub inbox, the outbox backlog, and what each
recipient did with a document this agency sent."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When

from accounts.permissions import can
from interagency.exchange.models import ExchangeStatus, InboxItem, OutboxEntry
from qlvbdh.models import Distribution, Document


def inbox_item_list(*, reader: Any) -> Any:
    if not can(reader, "qlvbdh.register_incoming"):
        return InboxItem.objects.none()
    return InboxItem.objects.defer("content").order_by("-arrived_at", "-id")


def inbox_item_get(*, reader: Any, key: str) -> InboxItem | None:
    try:
        wanted = uuid.UUID(str(key))
    except ValueError:
        return None
    return inbox_item_list(reader=reader).filter(uuid=wanted).first()


def exchange_status_for(*, reader: Any, document: Document) -> list[dict[str, Any]]:
    """Per recipient of a document we sent: the latest status and its history, oldest first."""
    if not can(reader, "qlvbdh.view_documents"):
        raise PermissionDenied
    rows: dict[str, dict[str, Any]] = {}
    for distribution in Distribution.objects.filter(document=document, unit__isnull=True).order_by("id"):
        rows[distribution.org_code] = {
            "code": distribution.org_code,
            "name": distribution.org_name,
            "history": [],
        }
    for status in ExchangeStatus.objects.filter(document=document).order_by("reported_at", "id"):
        row = rows.setdefault(
            status.recipient_code,
            {"code": status.recipient_code, "name": status.recipient_name, "history": []},
        )
        if not row["name"]:
            row["name"] = status.recipient_name
        row["history"].append(status)
    for row in rows.values():
        received = [s for s in row["history"] if not s.outgoing]
        row["latest"] = received[-1] if received else None
    return list(rows.values())


def outbox_waiting_count() -> int:
    return OutboxEntry.objects.filter(relayed_at__isnull=True).count()


def inbox_item_queue(*, reader: Any, state: str = "") -> Any:
    """The inbox as the clerk works it: arrived items first (newest first), then the decided ones."""
    items = inbox_item_list(reader=reader)
    if state:
        items = items.filter(state=state)
    waiting = Case(
        When(state=InboxItem.State.ARRIVED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return items.annotate(waiting=waiting).order_by("waiting", "-arrived_at", "-id")


def inbox_arrived_count(*, reader: Any) -> int:
    """How many documents wait for the clerk (the navigation's badge)."""
    return int(inbox_item_list(reader=reader).filter(state=InboxItem.State.ARRIVED).count())
