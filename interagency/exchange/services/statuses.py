"""Statuses that follow an incoming document's processing by themselves: 04 (directed), 05 (being
processed) and 06 (finished) go back to the sender of a document that came through the hub, once
each."""

from __future__ import annotations

from interagency.exchange.models import InboxItem
from interagency.exchange.services.arrivals import SYSTEM
from interagency.exchange.services.outbox import outbox_status
from qlvbdh.models import Document

# The automatic statuses that follow the incoming document's processing, each sent once.
PROGRESS_CODES = ("04", "05", "06")


def document_progress(*, document: Document, code: str) -> None:
    """Called inside the processing services' transactions: 04 (directed), 05 (being processed),
    06 (finished) go back to the sender of a document that came through the hub, each once."""
    if code not in PROGRESS_CODES or document.direction != Document.Direction.INCOMING:
        return
    item = InboxItem.objects.select_for_update().filter(document=document).first()
    if item is None or code in item.sent_codes or item.state != InboxItem.State.ACCEPTED:
        return
    outbox_status(actor=SYSTEM, item=item, code=code)
