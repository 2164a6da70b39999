"""What every document use case shares (its timeline, its row lock), reading receipts, revocation."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import permitted, require_actor
from accounts.roles import PermissionCode
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import nfc
from qlvbdh import events
from qlvbdh.models import Document, DocumentEvent, ReadReceipt


def event_record(document: Document, actor: Actor, kind: str, **detail: Any) -> None:
    DocumentEvent.objects.create(document=document, actor=actor.name, kind=kind, detail=detail)


def document_lock(document: Document, *, actor: Actor | None = None) -> Document:
    """The document's row, locked. With an actor, through what that person may see (need-to-know):
    a document they may not see is a 404, whoever called the service."""
    documents = Document.objects.all()
    if actor is not None and actor.user is not None:
        documents = permitted(actor.user, "qlvbdh.view_documents", Document)
    locked = documents.select_for_update(of=("self",)).filter(pk=document.pk).first()
    if locked is None:
        raise Http404
    return locked


def document_mark_read(*, actor: Actor, document: Document) -> None:
    """R11: every view of a document is on record (read receipt, timeline, audit trail)."""
    if actor.user is None:
        return
    with transaction.atomic():
        receipt, created = ReadReceipt.objects.get_or_create(document=document, reader=actor.user)
        if not created:
            ReadReceipt.objects.filter(pk=receipt.pk).update(
                times=F("times") + 1, last_read_at=timezone.now()
            )
        event_record(document, actor, "viewed")
        audit_record(actor=actor, action="document.view", target=document)


def document_revoke(*, actor: Actor, document: Document, reason: str) -> Document:
    """An issued outgoing document is revoked by its head, or an incoming one is marked revoked by
    its sender (the clerk records it): frozen, marked, kept — never deleted."""
    reason = nfc((reason or "").replace("\x00", ""))
    if not reason:
        raise ValidationError({"reason": [_("Cần ghi lý do thu hồi.")]})
    issued_here = document.direction in (Document.Direction.OUTGOING, Document.Direction.INTERNAL)
    code: PermissionCode = "qlvbdh.sign" if issued_here else "qlvbdh.register_incoming"
    require_actor(actor, code)
    with transaction.atomic():
        locked = document_lock(document, actor=actor)
        if locked.status == Document.Status.REVOKED:
            return locked
        if issued_here and locked.status != Document.Status.ISSUED:
            raise ApplicationError(
                _("Chỉ thu hồi được văn bản đã ban hành."), code="invalid_state", status=409
            )
        locked.status = Document.Status.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoked_reason = reason[:500]
        locked.save(update_fields=["status", "revoked_at", "revoked_reason"])
        event_record(locked, actor, "revoked", reason=reason)
        audit_record(actor=actor, action="document.revoke", target=locked, reason=reason)
        if issued_here:
            events.publish(events.DocumentRevoked(actor=actor, document=locked, reason=reason))
    return locked
