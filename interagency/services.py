"""An agency's side of the exchange (runs in its tenant schema).

Sending: every change that another organisation must hear of (an issued document, a revocation,
a status such as 01 or 03) is written as an `OutboxEntry` in the same transaction as the change
itself; `outbox_relay` later builds the edXML packet, signs it with the agency's key and hands it
to the hub (`interagency.hub.packet_accept`) in one transaction, so an entry is relayed exactly
once however often the relay is interrupted.

Receiving: `packet_receive` is called by the hub inside its delivery transaction. It is
idempotent on the packet id (and, for documents, on the DocumentId), so delivering twice has one
effect. A document arrives as an `InboxItem` (status 01 goes back at once); the clerk accepts it
(an incoming document with an arrival number, 03) or refuses it (02); 04, 05 and 06 follow the
incoming document's processing by themselves.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can, require_actor, users_with
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import current_schema, in_public
from core.text import nfc
from interagency import edxml
from interagency.models import ExchangeStatus, InboxItem, OutboxEntry, ReceivedPacket
from qlvbdh import catalogue
from qlvbdh import events as document_events
from qlvbdh.models import Distribution, Document
from tenants.orgcode import normalize_org_code

SYSTEM = Actor(label="hub")
logger = logging.getLogger(__name__)
_PRIORITY: dict[str, int] = {
    catalogue.Urgency.NORMAL: 0,
    catalogue.Urgency.URGENT: 1,
    catalogue.Urgency.VERY_URGENT: 2,
    catalogue.Urgency.FLASH: 3,
}
_URGENCY: dict[int, str] = {value: key for key, value in _PRIORITY.items()} | {4: catalogue.Urgency.FLASH}
# The automatic statuses that follow the incoming document's processing, each sent once.
PROGRESS_CODES = ("04", "05", "06")


@dataclass(frozen=True)
class Agency:
    org_code: str
    name: str
    schema_name: str


def current_agency() -> Agency:
    """The agency whose schema is active, from the public tenant table."""
    from tenants.models import Tenant

    schema = current_schema()
    with in_public():
        tenant = Tenant.objects.get(schema_name=schema)
    return Agency(org_code=tenant.org_code, name=tenant.name, schema_name=schema)


def exchange_document_id(*, org_code: str, document: Document) -> str:
    """`{sender OrganId},{yyyy/MM/dd},{number}/{notation}`: the document's identity across systems."""
    issued = document.issued_on or timezone.localdate()
    return f"{org_code},{issued:%Y/%m/%d},{document.number}/{document.notation}"


def _now_vn() -> datetime:
    return timezone.now().astimezone(edxml.VIETNAM_TZ).replace(microsecond=0)


def _relay_on_commit() -> None:
    schema = current_schema()

    def enqueue() -> None:
        from interagency.tasks import outbox_relay_task

        try:
            outbox_relay_task.delay(schema_name=schema)
        except Exception:
            logger.warning("hub: could not queue the relay of %s; the sweep will", schema, exc_info=True)

    transaction.on_commit(enqueue)


# --- sending -----------------------------------------------------------------------------------


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
    _relay_on_commit()
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
        _relay_on_commit()
    return entries


def _outbox_status(*, actor: Actor, item: InboxItem, code: str, description: str = "") -> OutboxEntry:
    entry = OutboxEntry.objects.create(
        kind=OutboxEntry.Kind.STATUS,
        document=item.document,
        exchange_id=item.exchange_id,
        status_code=code,
        recipient_codes=[item.sender_code],
        description=(description or str(edxml.STATUS_CODES[code]))[:500],
        staff={"staff": actor.name},
    )
    if code not in item.sent_codes:
        item.sent_codes = [*item.sent_codes, code]
        item.save(update_fields=["sent_codes"])
    _relay_on_commit()
    return entry


def _attachments_of(document: Document) -> tuple[edxml.Attachment, ...]:
    from qlvbdh.selectors.attachments import attachment_open

    latest: dict[str, Any] = {}
    for attachment in document.attachments.order_by("original_name", "-version"):
        latest.setdefault(attachment.original_name, attachment)
    files = []
    for number, attachment in enumerate(latest.values(), start=1):
        with attachment_open(attachment=attachment) as handle:
            data = handle.read()
        files.append(
            edxml.Attachment(
                content_id=str(number),
                name=attachment.original_name,
                data=data,
                content_type=attachment.content_type or "application/octet-stream",
            )
        )
    return tuple(files)


def _packet_for(entry: OutboxEntry, agency: Agency) -> edxml.Packet:
    sender = edxml.Organisation(organ_id=agency.org_code, organ_name=agency.name[:200])
    staff = edxml.Staff(staff=str(entry.staff.get("staff", ""))[:100])
    if entry.kind == OutboxEntry.Kind.STATUS:
        organ_id = entry.recipient_codes[0]  # the addressee
        _sender_code, day, code = entry.exchange_id.split(",", 2)
        return edxml.StatusPacket(
            sender=sender,
            response_for=edxml.ResponseFor(
                organ_id=organ_id,
                document_id=entry.exchange_id,
                code=code,
                promulgation_date=date(*map(int, day.split("/"))),
            ),
            status_code=entry.status_code,
            timestamp=entry.created_at.astimezone(edxml.VIETNAM_TZ).replace(microsecond=0),
            staff=staff,
            description=entry.description,
        )
    document = entry.document
    if document is None:
        raise edxml.EdxmlError([f"N.Document: outbox entry {entry.packet_id} has no document"])
    names = dict(
        Distribution.objects.filter(document=document, unit__isnull=True).values_list("org_code", "org_name")
    )
    recipients = tuple(
        edxml.Organisation(organ_id=code, organ_name=(names.get(code) or "")[:200])
        for code in entry.recipient_codes
    )
    replacements: tuple[edxml.ReplacementInfo, ...] = ()
    if entry.business == 3 and entry.description:
        replacements = (
            edxml.ReplacementInfo(document_id=entry.description, organ_ids=tuple(entry.recipient_codes)),
        )
    issued: date = document.issued_on or entry.created_at.date()
    return edxml.DocumentPacket(
        sender=sender,
        recipients=recipients,
        document_id=entry.exchange_id,
        code_number=document.number,
        code_notation=document.notation,
        promulgation_date=issued,
        subject=document.summary,
        type_name=str(catalogue.DOCUMENT_TYPES.get(document.document_type, ""))[:100],
        signer=edxml.Signer(competence=document.signing_authority, full_name=document.signer_name),
        due_date=document.due_date,
        priority=_PRIORITY.get(document.urgency, 0),
        promulgation_amount=document.copy_count,
        page_amount=document.page_count,
        business_doc_type=entry.business or 0,
        business_document_id=entry.exchange_id if entry.business else "",
        replacements=replacements,
        attachments=_attachments_of(document),
        trace=((agency.org_code, entry.created_at.astimezone(edxml.VIETNAM_TZ).replace(microsecond=0)),),
    )


def _build(entry: OutboxEntry, agency: Agency) -> bytes:
    from interagency.keys import signing_hook

    return edxml.build(_packet_for(entry, agency), sign=signing_hook())


def outbox_relay(*, limit: int = 50) -> int:
    """Hand waiting entries of this agency to the hub, oldest first; returns how many went.

    Each entry: lock it (SKIP LOCKED: two relays never take the same one), build and sign it once
    (kept, so a retry sends the same bytes), then record it at the hub and mark it relayed in the
    same transaction. A crash anywhere rolls all of it back; the hub ignores a packet id it has.
    """
    from interagency import hub

    agency = current_agency()
    relayed = 0
    failed: set[int] = set()
    # Packets about one document leave in the order they were written, whatever relays run at once.
    earlier_waiting = OutboxEntry.objects.filter(
        exchange_id=OuterRef("exchange_id"), relayed_at__isnull=True, id__lt=OuterRef("id")
    )
    for _round in range(limit):
        with transaction.atomic():
            entry = (
                OutboxEntry.objects.select_for_update(skip_locked=True)
                .filter(relayed_at__isnull=True)
                .exclude(pk__in=failed)
                .exclude(Exists(earlier_waiting))
                .order_by("id")
                .first()
            )
            if entry is None:
                break
            try:
                with transaction.atomic():
                    if entry.content is None:
                        content = _build(entry, agency)
                        entry.content = content
                        entry.sha256 = hashlib.sha256(content).hexdigest()
                    with in_public():
                        hub.packet_accept(
                            content=bytes(entry.content),
                            packet_id=entry.packet_id,
                            source=f"tenant:{agency.schema_name}",
                            expected_sender=agency.org_code,
                        )
            except (edxml.EdxmlError, hub.PacketRefused, FileNotFoundError, OSError) as exc:
                # Not retried in this round: it would fail the same way. Kept waiting and visible;
                # the agency's other documents still go.
                OutboxEntry.objects.filter(pk=entry.pk).update(
                    attempts=entry.attempts + 1, last_error=str(exc)[:2000]
                )
                logger.warning("hub: outbox entry %s not relayed: %s", entry.packet_id, exc)
                failed.add(entry.pk)
                continue
            entry.relayed_at = timezone.now()
            entry.attempts += 1
            entry.last_error = ""
            entry.save(update_fields=["content", "sha256", "relayed_at", "attempts", "last_error"])
            relayed += 1
    return relayed


# --- receiving ---------------------------------------------------------------------------------


def _metadata(packet: edxml.DocumentPacket) -> dict[str, Any]:
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
        "attachments": [{"name": a.name, "size": len(a.data)} for a in packet.attachments],
        "recipients": [r.organ_id for r in packet.recipients],
    }


def _notify_clerks(message: str, link: str, dedupe: str) -> None:
    from accounts.services.notifications import notification_send

    clerks = list(users_with("qlvbdh.register_incoming"))
    notification_send(users=clerks, kind="hub", message=message, link=link, dedupe=f"hub:{dedupe}")


def packet_receive(*, content: bytes, packet_id: uuid.UUID, sha256: str) -> str:
    """The hub delivers one packet here (inside its transaction). Returns what it did:
    `arrived`, `duplicate`, `request`, `status` or `ignored`. Idempotent on the packet id."""
    if ReceivedPacket.objects.filter(packet_id=packet_id).exists():
        return "duplicate"
    packet = edxml.parse(content)
    if isinstance(packet, edxml.DocumentPacket):
        outcome = _receive_document(packet, content=content, packet_id=packet_id, sha256=sha256)
        status_code = ""
    else:
        outcome = _receive_status(packet, packet_id=packet_id)
        status_code = packet.status_code
    ReceivedPacket.objects.create(
        packet_id=packet_id,
        kind="status" if isinstance(packet, edxml.StatusPacket) else "edoc",
        document_id=packet.document_id,
        sender_code=packet.sender.organ_id,
        status_code=status_code,
        sha256=sha256,
        outcome=outcome,
    )
    return outcome


def _receive_document(
    packet: edxml.DocumentPacket, *, content: bytes, packet_id: uuid.UUID, sha256: str
) -> str:
    if packet.business_doc_type in (1, 2):
        # A revocation or an update of a document we have: the sender's request, for the clerk.
        target = packet.business_document_id or packet.document_id
        item = InboxItem.objects.select_for_update().filter(exchange_id=target).first()
        if item is None or not _same_org(item.sender_code, packet.sender.organ_id):
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
        _notify_clerks(
            _("Bên gửi đề nghị thu hồi/cập nhật văn bản %s.") % item.exchange_id,
            "/hub/inbox/",
            str(packet_id),
        )
        return "request"
    if InboxItem.objects.filter(exchange_id=packet.document_id).exists():
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
        number=packet.code_number[:11],
        notation=packet.code_notation[:30],
        issued_on=packet.promulgation_date,
        summary=packet.subject[:500] or "-",
        metadata=_metadata(packet),
        content=content,
        sha256=sha256,
    )
    audit_record(actor=SYSTEM, action="hub.arrived", target=item, document_id=item.exchange_id)
    _outbox_status(actor=SYSTEM, item=item, code="01")
    _notify_clerks(
        _("Văn bản mới đến qua trục: %(n)s/%(notation)s của %(sender)s.")
        % {"n": item.number, "notation": item.notation, "sender": item.sender_name or item.sender_code},
        f"/hub/inbox/{item.uuid}/",
        str(packet_id),
    )
    return "arrived"


def _same_org(first: str, second: str) -> bool:
    try:
        return bool(normalize_org_code(first) == normalize_org_code(second))
    except ValidationError:
        return first.strip().upper() == second.strip().upper()


def _receive_status(packet: edxml.StatusPacket, *, packet_id: uuid.UUID) -> str:
    if packet.status_code == "13":
        item = InboxItem.objects.select_for_update().filter(exchange_id=packet.document_id).first()
        if item is None or not _same_org(item.sender_code, packet.sender.organ_id):
            return "ignored"  # only the document's own sender may ask for it back
        item.request = {
            "kind": "revoke",
            "reason": packet.description,
            "packet_id": str(packet_id),
            "at": timezone.now().isoformat(),
            "update": None,
        }
        item.save(update_fields=["request"])
        _notify_clerks(
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
    if not any(_same_org(code, reporter) for code in sent.recipient_codes):
        return "ignored"  # a status counts only from an organisation the document was sent to
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


# --- the clerk's decisions ---------------------------------------------------------------------


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


def _lock_item(item: InboxItem) -> InboxItem:
    return InboxItem.objects.select_for_update().get(pk=item.pk)


def inbox_item_accept(*, actor: Actor, item: InboxItem) -> Document:
    """The clerk accepts an arrived document: an incoming document with the next arrival number
    and the packet's files (03 goes back). Accepting again returns the same document."""
    from qlvbdh.services.attachments import attachment_add
    from qlvbdh.services.incoming import IncomingData, incoming_document_register

    require_actor(actor, "qlvbdh.register_incoming")
    with transaction.atomic():
        locked = _lock_item(item)
        if locked.state == InboxItem.State.ACCEPTED and locked.document is not None:
            return locked.document
        if locked.state != InboxItem.State.ARRIVED:
            raise ApplicationError(
                _("Văn bản này đã được xử lý (%s).") % locked.get_state_display(),
                code="invalid_state",
                status=409,
            )
        packet = edxml.parse(bytes(locked.content))
        if not isinstance(packet, edxml.DocumentPacket):
            raise ApplicationError(_("Gói tin không phải là văn bản."), code="not_a_document")
        document_type = _document_type(packet.type_name)
        document = incoming_document_register(
            actor=actor,
            data=IncomingData(
                issuer_name=(packet.sender.organ_name or packet.sender.organ_id)[: catalogue.ISSUER_NAME_MAX],
                issuer_code=packet.sender.organ_id,
                document_type=document_type,
                summary=packet.subject[: catalogue.SUMMARY_MAX],
                number=packet.code_number,
                notation=packet.code_notation,
                signer_name=packet.signer.full_name[:150],
                issued_on=packet.promulgation_date,
                urgency=_URGENCY.get(packet.priority, catalogue.Urgency.NORMAL),
                page_count=packet.page_amount or None,
                copy_count=packet.promulgation_amount or None,
                due_date=packet.due_date,
                delivery_mode=catalogue.DeliveryMode.BOTH
                if packet.paper
                else catalogue.DeliveryMode.ELECTRONIC,
                source=catalogue.Source.HUB,
            ),
            accept_duplicate=True,  # the DocumentId already made it unique
        )
        skipped = []
        for attachment in packet.attachments:
            try:
                with transaction.atomic():
                    attachment_add(
                        actor=Actor(label=actor.name, ip=actor.ip),
                        document=document,
                        upload=ContentFile(attachment.data, name=attachment.name),
                    )
            except ApplicationError as exc:
                skipped.append({"name": attachment.name, "reason": str(exc)})
        locked.state = InboxItem.State.ACCEPTED
        locked.document = document
        locked.decided_by = actor.name
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "document", "decided_by", "decided_at"])
        if locked.replaces_document_id:
            _replace_earlier(actor, locked)
        audit_record(
            actor=actor, action="hub.accept", target=locked, document=str(document.uuid), skipped=skipped
        )
        _outbox_status(actor=actor, item=locked, code="03")
    return document


def _replace_earlier(actor: Actor, item: InboxItem) -> None:
    from qlvbdh.services.documents import document_revoke

    earlier = (
        InboxItem.objects.filter(exchange_id=item.replaces_document_id).select_related("document").first()
    )
    if earlier is None or earlier.document is None:
        return
    document_revoke(
        actor=actor,
        document=earlier.document,
        reason=_("Được thay thế bởi văn bản %(n)s/%(notation)s.")
        % {"n": item.number, "notation": item.notation},
    )


def _document_type(type_name: str) -> str:
    from core.text import fold

    wanted = fold(type_name or "")
    for code, name in catalogue.DOCUMENT_TYPES.items():
        if fold(str(name)) == wanted:
            return code
    return "CV" if "CV" in catalogue.DOCUMENT_TYPES else next(iter(catalogue.DOCUMENT_TYPES))


def inbox_item_refuse(*, actor: Actor, item: InboxItem, reason: str) -> InboxItem:
    """The clerk refuses an arrived document with a reason (02 goes back with it)."""
    require_actor(actor, "qlvbdh.register_incoming")
    reason = nfc((reason or "").replace("\x00", "")).strip()
    if not reason:
        raise ValidationError({"reason": [_("Cần ghi lý do từ chối.")]})
    with transaction.atomic():
        locked = _lock_item(item)
        if locked.state == InboxItem.State.REFUSED:
            return locked
        if locked.state != InboxItem.State.ARRIVED:
            raise ApplicationError(
                _("Văn bản này đã được xử lý (%s).") % locked.get_state_display(),
                code="invalid_state",
                status=409,
            )
        locked.state = InboxItem.State.REFUSED
        locked.reason = reason[:500]
        locked.decided_by = actor.name
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "reason", "decided_by", "decided_at"])
        audit_record(actor=actor, action="hub.refuse", target=locked, reason=reason)
        _outbox_status(actor=actor, item=locked, code="02", description=reason)
    return locked


def inbox_item_answer(*, actor: Actor, item: InboxItem, agree: bool, reason: str = "") -> InboxItem:
    """The clerk answers the sender's request to take back or update a document: agree (15: the
    item or the incoming document is cancelled, or its data updated) or refuse (16, with a reason)."""
    from qlvbdh.services.documents import document_revoke

    require_actor(actor, "qlvbdh.register_incoming")
    reason = nfc((reason or "").replace("\x00", "")).strip()
    if not agree and not reason:
        raise ValidationError({"reason": [_("Cần ghi lý do từ chối.")]})
    with transaction.atomic():
        locked = _lock_item(item)
        request = locked.request
        if not request or request.get("answer"):
            if request and request.get("answer") == ("agree" if agree else "refuse"):
                return locked  # a retry
            raise ApplicationError(_("Không có đề nghị nào đang chờ trả lời."), code="no_request", status=409)
        if agree:
            if request["kind"] == "revoke":
                if locked.document is not None:
                    document_revoke(
                        actor=actor,
                        document=locked.document,
                        reason=request.get("reason") or _("Bên gửi thu hồi văn bản."),
                    )
                locked.state = InboxItem.State.CANCELLED
            elif request.get("update"):
                update = request["update"]
                if update.get("subject"):
                    locked.summary = update["subject"][:500]
                    if locked.document is not None:
                        Document.objects.filter(pk=locked.document.pk).update(summary=locked.summary)
        locked.request = {
            **request,
            "answer": "agree" if agree else "refuse",
            "answered_by": actor.name,
            "reason_answer": reason,
        }
        locked.save(update_fields=["state", "summary", "request"])
        audit_record(actor=actor, action="hub.answer", target=locked, agree=agree, reason=reason)
        _outbox_status(actor=actor, item=locked, code="15" if agree else "16", description=reason)
    return locked


def document_progress(*, document: Document, code: str) -> None:
    """Called inside the processing services' transactions: 04 (directed), 05 (being processed),
    06 (finished) go back to the sender of a document that came through the hub, each once."""
    if code not in PROGRESS_CODES or document.direction != Document.Direction.INCOMING:
        return
    item = InboxItem.objects.select_for_update().filter(document=document).first()
    if item is None or code in item.sent_codes or item.state != InboxItem.State.ACCEPTED:
        return
    _outbox_status(actor=SYSTEM, item=item, code=code)


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


# --- reads for the clerk's pages and the API ---------------------------------------------------


def inbox_item_queue(*, reader: Any, state: str = "") -> Any:
    """The inbox as the clerk works it: arrived items first (newest first), then the decided ones."""
    from django.db.models import Case, IntegerField, Value, When

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


# --- subscriptions to qlvbdh's document events (registered in InteragencyConfig.ready) -----------

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
    return document_events.Panel(template="interagency/_exchange_status.html", context={"rows": rows})
