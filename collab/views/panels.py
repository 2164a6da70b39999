"""What collab adds to qlvbdh's document page: the document's discussion."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from accounts.permissions import can, permitted
from collab.models import Thread
from qlvbdh import events


def discussion_panel(reader: Any, document: Any) -> events.Panel | None:
    if not can(reader, "collab.view"):
        return None
    thread = (
        permitted(reader, "collab.view", Thread)
        .filter(document=document)
        .annotate(count=Count("messages"))
        .first()
    )
    return events.Panel(
        template="collab/_document_panel.html",
        context={
            "link": f"/discussions/document/{document.uuid}/",
            "count": getattr(thread, "count", 0) if thread is not None else 0,
        },
    )
