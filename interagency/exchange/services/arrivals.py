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
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import users_with
from accounts.services.notifications import notification_send
from core.audit import Actor, audit_record
from interagency.edxml.codes import same_org_code
from interagency.edxml.packets import DocumentPacket, StatusPacket
from interagency.edxml.reader import parse
from interagency.exchange.models import ExchangeStatus, InboxItem, OutboxEntry, ReceivedPacket
from interagency.exchange.services.outbox import outbox_status
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


def notify_clerks(message: str, link: str, dedupe: str) -> None:
    clerks = list(users_with("qlvbdh.register_incoming"))
    notification_send(users=clerks, kind="hub", message=message, link=link, dedupe=f"hub:{dedupe}")


def packet_receive(*, content: bytes, packet_id: uuid.UUID, sha256: str, warnings: Sequence[str] = ()) -> str:
    """The hub delivers one packet here (inside its transaction), with the warnings it recorded
    on it. Returns what it did: `arrived`, `duplicate`, `request`, `status` or `ignored`.
    Idempotent on the packet id."""
    if ReceivedPacket.objects.filter(packet_id=packet_id).exists():
        return "duplicate"
    packet = parse(content)
    if isinstance(packet, DocumentPacket):
        outcome = _receive_document(
            packet, content=content, packet_id=packet_id, sha256=sha256, warnings=warnings
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
    packet: DocumentPacket, *, content: bytes, packet_id: uuid.UUID, sha256: str, warnings: Sequence[str]
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
    replaces = ""
    if packet.business_doc_type == 3 and packet.replacements:
        replaces = packet.replacements[0].document_id
    item = InboxItem.objects.create(
        packet_id=packet_id,
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
        content=content,
        sha256=sha256,
        warnings=_item_warnings(packet, warnings),
        sent_codes=["01"],  # sent just below, in this transaction: no second write of the row
    )
    audit_record(
        actor=SYSTEM,
        action="hub.arrived",
        target=item,
        document_id=item.exchange_id,
        warnings=len(item.warnings),
    )
    outbox_status(actor=SYSTEM, item=item, code="01")
    notify_clerks(
        _("Văn bản mới đến qua trục: %(n)s/%(notation)s của %(sender)s.")
        % {"n": item.number, "notation": item.notation, "sender": item.sender_name or item.sender_code},
        f"/hub/inbox/{item.uuid}/",
        str(packet_id),
    )
    return "arrived"


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
    ExchangeStatus.objects.create(
        document=sent.document,
        recipient_code=reporter,
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
    Distribution.objects.filter(document=sent.document, org_code=reporter, unit__isnull=True).exclude(
        status=Distribution.Status.DELIVERED
    ).update(status=Distribution.Status.DELIVERED)
    return "status"
