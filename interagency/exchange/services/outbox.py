"""Writing to the agency's outbox: every change another organisation must hear of (an issued
document, a revocation, a status such as 01 or 03) becomes an `OutboxEntry` in the same
transaction as the change itself; the relay (`relay.py`) sends it after commit."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from core.audit import Actor, audit_record
from core.tenancy import current_schema
from interagency.edxml.codes import STATUS_CODES
from interagency.exchange.models import ExchangeStatus, InboxItem, OutboxEntry
from interagency.exchange.services.agency import current_agency, exchange_document_id
from interagency.exchange.tasks import outbox_relay_task
from interagency.hub.services.queue import in_loop, loop_wrote, workers_wake
from qlvbdh.models import Distribution, Document

logger = logging.getLogger(__name__)


def relay_on_commit() -> None:
    schema = current_schema()
    if in_loop():
        loop_wrote(schema)  # the hub's loop writing a 01 relays it in its next round
        return
    # Sent at commit with the entry (NOTIFY is transactional): a listening `hub work` relays this
    # agency at once. The same schema twice in one transaction is one notification.
    workers_wake(schema)

    def enqueue() -> None:
        try:
            outbox_relay_task.delay(schema_name=schema)
        except Exception:
            logger.warning("hub: could not queue the relay of %s; the sweep will", schema, exc_info=True)

    transaction.on_commit(enqueue)


def outbox_document_issued(*, actor: Actor, document: Document) -> OutboxEntry | None:
    """Called inside `outgoing_issue`'s transaction: one edoc entry for the external recipients."""
    external = list(document.distribution.filter(unit__isnull=True).order_by("id"))
    if not external:
        return None
    agency = current_agency()
    business = 0
    description = ""
    if document.replaces_id is not None and document.replaces is not None:
        business = 3
        description = _exchange_id_of(document.replaces) or ""
    entry = OutboxEntry.objects.create(
        kind=OutboxEntry.Kind.EDOC,
        document=document,
        exchange_id=exchange_document_id(org_code=agency.org_code, document=document),
        business=business,
        recipient_codes=[row.org_code for row in external],
        description=description,
        staff={"staff": actor.name},
    )
    audit_record(actor=actor, action="hub.outbox", target=document, packet=str(entry.packet_id))
    relay_on_commit()
    return entry


def _exchange_id_of(document: Document) -> str | None:
    entry = (
        OutboxEntry.objects.filter(kind=OutboxEntry.Kind.EDOC, document=document, business__in=(0, 3))
        .order_by("id")
        .first()
    )
    return entry.exchange_id if entry else None


def outbox_document_revoked(*, actor: Actor, document: Document, reason: str) -> list[OutboxEntry]:
    """Called inside `document_revoke`'s transaction: ask each recipient to take it back (13).
    A status packet has one addressee (ResponseFor/OrganId), so one entry per recipient."""
    document_id = _exchange_id_of(document)
    if document_id is None:
        return []
    recipients = Distribution.objects.filter(document=document, unit__isnull=True).order_by("id")
    entries = []
    for recipient in recipients:
        entry = OutboxEntry.objects.create(
            kind=OutboxEntry.Kind.STATUS,
            document=document,
            exchange_id=document_id,
            status_code="13",
            recipient_codes=[recipient.org_code],
            description=reason[:500],
            staff={"staff": actor.name},
        )
        ExchangeStatus.objects.create(
            document=document,
            recipient_code=recipient.org_code,
            recipient_name=recipient.org_name,
            status_code="13",
            description=reason[:500],
            staff={"staff": actor.name},
            outgoing=True,
            reported_at=timezone.now(),
            packet_id=entry.packet_id,
        )
        entries.append(entry)
    if entries:
        relay_on_commit()
    return entries


def outbox_statuses(*, actor: Actor, items: list[InboxItem], code: str) -> list[OutboxEntry]:
    """`outbox_status` for a batch of items that already list `code` in `sent_codes` (just made
    with it): one INSERT for the lot."""
    entries = OutboxEntry.objects.bulk_create(
        [
            OutboxEntry(
                kind=OutboxEntry.Kind.STATUS,
                document=item.document,
                exchange_id=item.exchange_id,
                status_code=code,
                recipient_codes=[item.sender_code],
                description=str(STATUS_CODES[code])[:500],
                staff={"staff": actor.name},
            )
            for item in items
        ]
    )
    if entries:
        relay_on_commit()
    return entries


def outbox_status(*, actor: Actor, item: InboxItem, code: str, description: str = "") -> OutboxEntry:
    entry = OutboxEntry.objects.create(
        kind=OutboxEntry.Kind.STATUS,
        document=item.document,
        exchange_id=item.exchange_id,
        status_code=code,
        recipient_codes=[item.sender_code],
        description=(description or str(STATUS_CODES[code]))[:500],
        staff={"staff": actor.name},
    )
    if code not in item.sent_codes:
        item.sent_codes = [*item.sent_codes, code]
        item.save(update_fields=["sent_codes"])
    relay_on_commit()
    return entry
