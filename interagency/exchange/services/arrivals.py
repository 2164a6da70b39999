"""Receiving: the hub delivers one packet into this schema (`packet_receive`, inside the hub's
delivery transaction). Idempotent on the packet id (and, for documents, on the sender and its
DocumentId), so delivering twice has one effect. A document arrives as an `InboxItem` (status 01
goes back at once); a status updates what the sender sees of a document it sent; a request (13,
revoke, update) waits for the clerk's answer.

Who may say what, again here (the hub checks it first): DocumentIds are the sender's own, so
every lookup is by sender and DocumentId; a request counts only from the document's sender, a
status only from an organisation it was sent to, and 15/16 only for a request we made."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import users_with
from accounts.services.notifications import notifications_send
from core.audit import Actor, audit_record, audit_record_many
from core.blobs import bound_on_server, bulk_create_large
from interagency.edxml.codes import same_org_code
from interagency.edxml.packets import DocumentPacket, StatusPacket
from interagency.edxml.reader import parse_known
from interagency.exchange.models import ExchangeStatus, InboxItem, OutboxEntry, ReceivedPacket
from interagency.exchange.services.outbox import outbox_status, outbox_statuses
from qlvbdh.models import Distribution, Document

SYSTEM = Actor(label="hub")
NUMBER_KEPT = InboxItem._meta.get_field("number").max_length or 50


def _metadata(packet: DocumentPacket) -> dict[str, Any]:
    return {
        "type_name": packet.type_name,
        "priority": packet.priority,
        "signer": packet.signer.full_name,
        "signer_position": packet.signer.position,
        "competence": packet.signer.competence,
        "due_date": packet.due_date.isoformat() if packet.due_date else None,
        "page_amount": packet.page_amount,
        "promulgation_amount": packet.promulgation_amount,
        "place": packet.place,
        "to_places": list(packet.to_places),
        "content": packet.content,
        "steering_type": packet.steering_type,
        # The size the ZIP declares: the files are read when the clerk accepts.
        "attachments": [{"name": a.name, "size": a.size} for a in packet.attachments],
        "recipients": [r.organ_id for r in packet.recipients],
    }


# Answers to our own request (13) about a document we sent: agreed (15) or refused (16).
ANSWERS = ("15", "16")


def _item_of(sender_code: str, exchange_id: str) -> InboxItem | None:
    """The item this sender sent under this DocumentId, locked; another sender's never."""
    return (
        InboxItem.objects.select_for_update()
        .filter(exchange_id=exchange_id, sender_code__iexact=sender_code.strip())
        .first()
    )


def _request_open(document: Document, recipient_code: str) -> bool:
    """Whether we asked this recipient to take back or update the document (13) and it has not
    answered since."""
    rows = ExchangeStatus.objects.filter(document=document).order_by("-id")
    for row in rows.only("recipient_code", "status_code", "outgoing"):
        if not same_org_code(row.recipient_code, recipient_code):
            continue
        if row.outgoing and row.status_code == "13":
            return True
        if row.status_code in ANSWERS:
            return False
    return False


def _status_row(document: Document, packet: StatusPacket, packet_id: uuid.UUID) -> ExchangeStatus:
    return ExchangeStatus(
        document=document,
        recipient_code=packet.sender.organ_id,
        recipient_name=packet.sender.organ_name[:200],
        status_code=packet.status_code,
        description=packet.description[:500],
        staff={
            "department": packet.staff.department,
            "staff": packet.staff.staff,
            "email": packet.staff.email,
            "mobile": packet.staff.mobile,
        },
        reported_at=packet.timestamp,
        packet_id=packet_id,
    )


def notify_clerks_many(messages: list[tuple[str, str, str]]) -> None:
    """(message, link, dedupe) each to every clerk: two statements for the lot."""
    clerks = list(users_with("qlvbdh.register_incoming"))
    notifications_send(
        users=clerks,
        kind="hub",
        messages=[(message, link, f"hub:{dedupe}") for message, link, dedupe in messages],
    )


def notify_clerks(message: str, link: str, dedupe: str) -> None:
    notify_clerks_many([(message, link, dedupe)])


def packet_receive(
    *, content: bytes, packet_id: uuid.UUID, sha256: str, warnings: Sequence[str] = (), replay: bool = False
) -> str:
    """The hub delivers one packet here (inside its transaction), with the warnings it recorded
    on it. Returns what it did: `arrived`, `duplicate`, `request`, `status` or `ignored`.
    Idempotent on the packet id. `replay`: delivered again after a restore of this schema; the
    sender already has its 01 from the first time, so none goes out again."""
    if ReceivedPacket.objects.filter(packet_id=packet_id).exists():
        return "duplicate"
    packet = parse_known(content)  # as the hub read it when it took it in
    if isinstance(packet, DocumentPacket):
        outcome = _receive_document(
            packet, content=content, packet_id=packet_id, sha256=sha256, warnings=warnings, replay=replay
        )
        status_code = ""
    else:
        outcome = _receive_status(packet, packet_id=packet_id)
        status_code = packet.status_code
    ReceivedPacket.objects.create(
        packet_id=packet_id,
        kind="status" if isinstance(packet, StatusPacket) else "edoc",
        document_id=packet.document_id,
        sender_code=packet.sender.organ_id,
        status_code=status_code,
        sha256=sha256,
        outcome=outcome,
    )
    return outcome


@dataclass(frozen=True)
class Arrival:
    """One packet the hub hands over, with what it recorded of it."""

    content: bytes
    packet_id: uuid.UUID
    sha256: str
    warnings: Sequence[str] = ()


def _received_row(packet: DocumentPacket | StatusPacket, arrival: Arrival, outcome: str) -> ReceivedPacket:
    return ReceivedPacket(
        packet_id=arrival.packet_id,
        kind="status" if isinstance(packet, StatusPacket) else "edoc",
        document_id=packet.document_id,
        sender_code=packet.sender.organ_id,
        status_code=packet.status_code if isinstance(packet, StatusPacket) else "",
        sha256=arrival.sha256,
        outcome=outcome,
    )


def _batchable(packet: DocumentPacket | StatusPacket) -> bool:
    """New documents and plain statuses: what a batch takes in bulk. Requests (revoke, update,
    13) and answers (15, 16) go one at a time."""
    if isinstance(packet, DocumentPacket):
        return packet.business_doc_type not in (1, 2)
    return packet.status_code != "13" and packet.status_code not in ANSWERS


def packets_receive(*, packets: Sequence[tuple[bytes, uuid.UUID, str, Sequence[str]]]) -> list[str]:
    """`packet_receive` for a batch the hub delivers here at once, in a few statements for the
    whole batch instead of a dozen per packet; returns each packet's outcome, in order.

    All or nothing: when it raises, the hub undoes it and hands the packets over one at a time.
    A batch holding a request or an answer goes one at a time from the start (they act on what
    came before them)."""
    arrivals = [
        Arrival(content, packet_id, sha256, warnings) for content, packet_id, sha256, warnings in packets
    ]
    known = set(
        ReceivedPacket.objects.filter(packet_id__in=[a.packet_id for a in arrivals]).values_list(
            "packet_id", flat=True
        )
    )
    fresh = [(a, parse_known(a.content)) for a in arrivals if a.packet_id not in known]
    if not all(_batchable(packet) for _arrival, packet in fresh):
        return [
            packet_receive(content=a.content, packet_id=a.packet_id, sha256=a.sha256, warnings=a.warnings)
            for a in arrivals
        ]
    outcomes: dict[uuid.UUID, str] = {packet_id: "duplicate" for packet_id in known}
    documents = [(a, p) for a, p in fresh if isinstance(p, DocumentPacket)]
    statuses = [(a, p) for a, p in fresh if isinstance(p, StatusPacket)]
    outcomes.update(_documents_receive(documents))
    outcomes.update(_statuses_receive(statuses))
    ReceivedPacket.objects.bulk_create([_received_row(p, a, outcomes[a.packet_id]) for a, p in fresh])
    return [outcomes[a.packet_id] for a in arrivals]


def _sender_key(code: str, document_id: str) -> tuple[str, str]:
    return code.strip().upper(), document_id  # as `sender_code__iexact` compares


def _documents_receive(documents: list[tuple[Arrival, DocumentPacket]]) -> dict[uuid.UUID, str]:
    if not documents:
        return {}
    ids = {packet.document_id for _arrival, packet in documents}
    taken = {
        _sender_key(sender, exchange_id)
        for exchange_id, sender in InboxItem.objects.filter(exchange_id__in=ids).values_list(
            "exchange_id", "sender_code"
        )
    }
    outcomes: dict[uuid.UUID, str] = {}
    items: list[InboxItem] = []
    for arrival, packet in documents:
        key = _sender_key(packet.sender.organ_id, packet.document_id)
        if key in taken:
            outcomes[arrival.packet_id] = "duplicate"
            continue
        taken.add(key)
        items.append(_inbox_item(packet, arrival))
        outcomes[arrival.packet_id] = "arrived"
    if not items:
        return outcomes
    bulk_create_large(InboxItem, items)
    audit_record_many(
        actor=SYSTEM,
        action="hub.arrived",
        targets=items,
        details=[{"document_id": item.exchange_id, "warnings": len(item.warnings)} for item in items],
    )
    outbox_statuses(actor=SYSTEM, items=items, code="01")
    notify_clerks_many(
        [(_arrived_message(item), f"/hub/inbox/{item.uuid}/", str(item.packet_id)) for item in items]
    )
    return outcomes


def _statuses_receive(statuses: list[tuple[Arrival, StatusPacket]]) -> dict[uuid.UUID, str]:
    if not statuses:
        return {}
    sent: dict[str, OutboxEntry] = {}
    for issued in (
        OutboxEntry.objects.filter(
            kind=OutboxEntry.Kind.EDOC,
            exchange_id__in={packet.document_id for _arrival, packet in statuses},
            document__isnull=False,
        )
        .select_related("document")
        .defer("content")  # its packet's bytes: not needed to record a status
        .order_by("id")
    ):
        sent.setdefault(issued.exchange_id, issued)  # the first one, as `_receive_status` takes
    outcomes: dict[uuid.UUID, str] = {}
    rows: list[ExchangeStatus] = []
    reached: list[Q] = []
    for arrival, packet in statuses:
        entry = sent.get(packet.document_id)
        reporter = packet.sender.organ_id
        if (
            entry is None
            or entry.document is None
            or not any(same_org_code(code, reporter) for code in entry.recipient_codes)
        ):
            outcomes[arrival.packet_id] = "ignored"
            continue
        rows.append(_status_row(entry.document, packet, arrival.packet_id))
        reached.append(Q(document=entry.document, org_code=reporter))
        outcomes[arrival.packet_id] = "status"
    if rows:
        ExchangeStatus.objects.bulk_create(rows)
        Distribution.objects.filter(reduce(or_, reached), unit__isnull=True).exclude(
            status=Distribution.Status.DELIVERED
        ).update(status=Distribution.Status.DELIVERED)
    return outcomes


def _item_warnings(packet: DocumentPacket, hub_warnings: Sequence[str]) -> list[str]:
    """The reader's warnings and the hub's (broken attachments), each once, in that order."""
    found = [*packet.warnings, *hub_warnings]
    if len(packet.code_number) > NUMBER_KEPT:
        found.append(
            f"R.MessageHeader.Code.CodeNumber: dài {len(packet.code_number)} ký tự, "
            f"chỉ giữ {NUMBER_KEPT} ký tự đầu (kept the first {NUMBER_KEPT})"
        )
    return list(dict.fromkeys(found))


def _receive_document(
    packet: DocumentPacket,
    *,
    content: bytes,
    packet_id: uuid.UUID,
    sha256: str,
    warnings: Sequence[str],
    replay: bool = False,
) -> str:
    if packet.business_doc_type in (1, 2):
        # A revocation or an update of a document we have: the sender's request, for the clerk.
        target = packet.business_document_id or packet.document_id
        item = _item_of(packet.sender.organ_id, target)
        if item is None:
            return "ignored"
        item.request = {
            "kind": "revoke" if packet.business_doc_type == 1 else "update",
            "reason": packet.business_reason,
            "packet_id": str(packet_id),
            "at": timezone.now().isoformat(),
            "update": {
                "subject": packet.subject,
                "due_date": packet.due_date.isoformat() if packet.due_date else None,
            }
            if packet.business_doc_type == 2
            else None,
        }
        item.save(update_fields=["request"])
        notify_clerks(
            _("Bên gửi đề nghị thu hồi/cập nhật văn bản %s.") % item.exchange_id,
            "/hub/inbox/",
            str(packet_id),
        )
        return "request"
    if InboxItem.objects.filter(
        exchange_id=packet.document_id, sender_code__iexact=packet.sender.organ_id.strip()
    ).exists():
        return "duplicate"
    item = _inbox_item(
        packet, Arrival(content=content, packet_id=packet_id, sha256=sha256, warnings=warnings)
    )
    with bound_on_server():  # its packet's bytes in binary
        item.save(force_insert=True)
    audit_record(
        actor=SYSTEM,
        action="hub.arrived",
        target=item,
        document_id=item.exchange_id,
        warnings=len(item.warnings),
    )
    if not replay:
        outbox_status(actor=SYSTEM, item=item, code="01")
    notify_clerks(_arrived_message(item), f"/hub/inbox/{item.uuid}/", str(packet_id))
    return "arrived"


def _arrived_message(item: InboxItem) -> str:
    return _("Văn bản mới đến qua trục: %(n)s/%(notation)s của %(sender)s.") % {
        "n": item.number,
        "notation": item.notation,
        "sender": item.sender_name or item.sender_code,
    }


def _inbox_item(packet: DocumentPacket, arrival: Arrival) -> InboxItem:
    replaces = ""
    if packet.business_doc_type == 3 and packet.replacements:
        replaces = packet.replacements[0].document_id
    return InboxItem(
        packet_id=arrival.packet_id,
        exchange_id=packet.document_id,
        business=packet.business_doc_type,
        replaces_document_id=replaces,
        sender_code=packet.sender.organ_id,
        sender_name=packet.sender.organ_name,
        number=packet.code_number[:NUMBER_KEPT],  # as the sender wrote it
        notation=packet.code_notation[:30],
        issued_on=packet.promulgation_date,
        summary=packet.subject[:500] or "-",
        metadata=_metadata(packet),
        content=arrival.content,
        sha256=arrival.sha256,
        warnings=_item_warnings(packet, arrival.warnings),
        sent_codes=["01"],  # sent with it, in this transaction: no second write of the row
    )


def _receive_status(packet: StatusPacket, *, packet_id: uuid.UUID) -> str:
    if packet.status_code == "13":
        item = _item_of(packet.sender.organ_id, packet.document_id)
        if item is None:
            return "ignored"  # only the document's own sender may ask for it back
        item.request = {
            "kind": "revoke",
            "reason": packet.description,
            "packet_id": str(packet_id),
            "at": timezone.now().isoformat(),
            "update": None,
        }
        item.save(update_fields=["request"])
        notify_clerks(
            _("Bên gửi đề nghị lấy lại văn bản %(id)s: %(reason)s")
            % {"id": item.exchange_id, "reason": packet.description},
            f"/hub/inbox/{item.uuid}/",
            str(packet_id),
        )
        return "request"
    sent = (
        OutboxEntry.objects.filter(
            kind=OutboxEntry.Kind.EDOC, exchange_id=packet.document_id, document__isnull=False
        )
        .select_related("document")
        .defer("content")
        .order_by("id")
        .first()
    )
    if sent is None or sent.document is None:
        return "ignored"
    reporter = packet.sender.organ_id
    if not any(same_org_code(code, reporter) for code in sent.recipient_codes):
        return "ignored"  # a status counts only from an organisation the document was sent to
    if packet.status_code in ANSWERS and not _request_open(sent.document, reporter):
        return "ignored"  # an answer to a request we never made
    _status_row(sent.document, packet, packet_id).save(force_insert=True)
    Distribution.objects.filter(document=sent.document, org_code=reporter, unit__isnull=True).exclude(
        status=Distribution.Status.DELIVERED
    ).update(status=Distribution.Status.DELIVERED)
    return "status"
