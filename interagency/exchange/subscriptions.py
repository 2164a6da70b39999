"""Where the exchange plugs into the rest: qlvbdh's document events (an issued document goes out,
a revocation asks for it back, processing sends 04-06 back to the sender), the panel on the
sender's document page, the hub's port to the agencies (receiver and sweep feeder), and the
replay of the hub's packets into an agency restored to an earlier moment.
Connected once, from `ExchangeConfig.ready()`."""

from __future__ import annotations

from typing import Any

from interagency.exchange.selectors import exchange_status_for
from interagency.exchange.services.arrivals import packet_receive, packets_receive
from interagency.exchange.services.outbox import outbox_document_issued, outbox_document_revoked
from interagency.exchange.services.relay import relay_all
from interagency.exchange.services.restore import exchange_replay_after_restore
from interagency.exchange.services.statuses import document_progress
from interagency.hub import agencies
from qlvbdh import events as document_events
from qlvbdh.models import Document
from tenants import events as tenant_events

_PROGRESS_CODE = {
    document_events.Stage.DIRECTED: "04",
    document_events.Stage.IN_PROGRESS: "05",
    document_events.Stage.FINISHED: "06",
}


def on_document_issued(event: document_events.DocumentIssued) -> None:
    outbox_document_issued(actor=event.actor, document=event.document)


def on_document_revoked(event: document_events.DocumentRevoked) -> None:
    outbox_document_revoked(actor=event.actor, document=event.document, reason=event.reason)


def on_document_progressed(event: document_events.DocumentProgressed) -> None:
    document_progress(document=event.document, code=_PROGRESS_CODE[event.stage])


def exchange_panel(reader: Any, document: Document) -> document_events.Panel | None:
    """The sender's document page: each external recipient's latest status and its history."""
    if document.direction != Document.Direction.OUTGOING:
        return None
    rows = exchange_status_for(reader=reader, document=document)
    return document_events.Panel(template="exchange/_exchange_status.html", context={"rows": rows})


def connect() -> None:
    document_events.subscribe(document_events.DocumentIssued, on_document_issued)
    document_events.subscribe(document_events.DocumentRevoked, on_document_revoked)
    document_events.subscribe(document_events.DocumentProgressed, on_document_progressed)
    document_events.add_document_panel(exchange_panel)
    agencies.connect(receiver=packet_receive, feeder=relay_all, batch_receiver=packets_receive)
    tenant_events.subscribe_restored(exchange_replay_after_restore)
