"""The clerk's decisions on what arrived: accept (an incoming document with the next arrival
number and the packet's files, 03 goes back), refuse with a reason (02), and answer the sender's
request to take back or update a document (15 agree, 16 refuse)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import fold, nfc
from interagency.edxml.packets import DocumentPacket, EdxmlError, ReadAttachment
from interagency.edxml.reader import parse, read_attachments
from interagency.exchange.models import InboxItem
from interagency.exchange.services.outbox import outbox_status
from interagency.exchange.services.relay import PRIORITY
from interagency.hub.deviations import attachment_warning
from interagency.hub.services.packets import attachment_budget
from qlvbdh import catalogue
from qlvbdh.models import Document
from qlvbdh.services.attachments import attachment_add, attachment_add_raw
from qlvbdh.services.documents import document_revoke
from qlvbdh.services.incoming import IncomingData, incoming_document_register

_URGENCY: dict[int, str] = {value: key for key, value in PRIORITY.items()} | {4: catalogue.Urgency.FLASH}


def _lock_item(item: InboxItem) -> InboxItem:
    return InboxItem.objects.select_for_update().get(pk=item.pk)


def inbox_item_accept(*, actor: Actor, item: InboxItem) -> Document:
    """The clerk accepts an arrived document: an incoming document with the next arrival number
    and the packet's files (03 goes back). Accepting again returns the same document."""
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
        packet = parse(bytes(locked.content))
        if not isinstance(packet, DocumentPacket):
            raise ApplicationError(_("Gói tin không phải là văn bản."), code="not_a_document")
        # Read before anything is registered: a refusal leaves nothing half-written.
        try:
            files = read_attachments(bytes(locked.content), budget=attachment_budget())
        except EdxmlError as exc:
            raise ApplicationError(
                _("Tệp đính kèm của gói tin vượt giới hạn cho phép: %s") % "; ".join(exc.errors),
                code="attachments_refused",
            ) from exc
        document_type = _document_type(packet.type_name)
        document = incoming_document_register(
            actor=actor,
            data=IncomingData(
                issuer_name=(packet.sender.organ_name or packet.sender.organ_id)[: catalogue.ISSUER_NAME_MAX],
                issuer_code=packet.sender.organ_id,
                document_type=document_type,
                summary=packet.subject[: catalogue.SUMMARY_MAX],
                number=locked.number,  # as the sender wrote it (the hub kept it)
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
        skipped, kept_raw = _attach_files(actor, document, files)
        # A file kept raw is flagged on the item (the hub flagged it too, unless it never read it).
        locked.warnings = list(dict.fromkeys([*(locked.warnings or []), *kept_raw]))
        locked.state = InboxItem.State.ACCEPTED
        locked.document = document
        locked.decided_by = actor.name
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "document", "decided_by", "decided_at", "warnings"])
        if locked.replaces_document_id:
            _replace_earlier(actor, locked)
        audit_record(
            actor=actor, action="hub.accept", target=locked, document=str(document.uuid), skipped=skipped
        )
        outbox_status(actor=actor, item=locked, code="03")
    return document


def _attach_files(
    actor: Actor, document: Document, files: list[ReadAttachment]
) -> tuple[list[dict[str, str]], list[str]]:
    """Attach the packet's files; one that is not what it claims is kept as its raw bytes
    (``<name>.raw``). Returns the files the register refused, and a warning per file kept raw."""
    by = Actor(label=actor.name, ip=actor.ip)
    skipped: list[dict[str, str]] = []
    kept_raw: list[str] = []
    for index, attachment in enumerate(files, start=1):
        try:
            with transaction.atomic():
                if attachment.broken:
                    attachment_add_raw(
                        actor=by,
                        document=document,
                        name=attachment.name,
                        data=attachment.data,
                        reason=attachment.broken,
                    )
                    kept_raw.append(attachment_warning(index, attachment.name, attachment.broken))
                else:
                    attachment_add(
                        actor=by, document=document, upload=ContentFile(attachment.data, name=attachment.name)
                    )
        except ApplicationError as exc:
            skipped.append({"name": attachment.name, "reason": str(exc)})
    return skipped, kept_raw


def _replace_earlier(actor: Actor, item: InboxItem) -> None:
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
        outbox_status(actor=actor, item=locked, code="02", description=reason)
    return locked


def inbox_item_answer(*, actor: Actor, item: InboxItem, agree: bool, reason: str = "") -> InboxItem:
    """The clerk answers the sender's request to take back or update a document: agree (15: the
    item or the incoming document is cancelled, or its data updated) or refuse (16, with a reason)."""
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
        outbox_status(actor=actor, item=locked, code="15" if agree else "16", description=reason)
    return locked
