"""Attachments of a document: add a file (a new version when the name repeats), read its text and
signatures, list them, and record each download (R11: every view is on record).

Files go to the default storage, which is tenant-scoped (`tenants/<schema>/...`). What a file
is comes from its bytes (puremagic, then the ZIP directory for Office formats), never from its
name or the browser's Content-Type; the name's extension must agree with it."""

from __future__ import annotations

import hashlib
import logging
import os
import unicodedata
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max, Q, TextField, Value
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.outages import storage_unavailable_error, unavailable_service
from core.text import fold, nfc
from qlvbdh.attachment_models import Attachment
from qlvbdh.filekinds import HEAD_BYTES, KINDS, allowed_labels, extract_text, sniff_kind
from qlvbdh.models import Document, DocumentEvent
from qlvbdh.selectors.attachments import attachment_open
from qlvbdh.services.signing import document_return_to_draft
from qlvbdh.signatures import configured_trust_roots, pdf_signatures

logger = logging.getLogger(__name__)

ATTACHMENT_MAX_BYTES_DEFAULT = 50 * 1024 * 1024
_SYSTEM = Actor(label="system")


def max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES_DEFAULT))


# --- permissions ---------------------------------------------------------------------------------


def attachment_can_add(user: Any, document: Document | None = None) -> bool:
    """Who may attach to this document (R11: no one forges a file onto another's document):
    the clerk; the drafter or a head while an outgoing document is not yet issued; and anyone
    holding an open task on it. Issued and revoked documents are frozen."""
    if not (can(user, "qlvbdh.register_incoming") or can(user, "qlvbdh.process")):
        return False
    if document is not None and not can(user, "qlvbdh.view_documents", document):
        return False  # need-to-know: nobody attaches to a document they may not see
    if document is None or can(user, "qlvbdh.register_incoming"):
        return True  # a frozen (issued, revoked) document is refused with its reason by attachment_add
    if can(user, "qlvbdh.register_incoming"):
        return True
    if document.status in (Document.Status.DRAFT, Document.Status.APPROVED, Document.Status.SIGNED):
        return document.created_by == user.get_username() or can(user, "qlvbdh.sign")
    from qlvbdh.models import Assignment

    mine = Q(assignee=user)
    if getattr(user, "unit_id", None):
        mine |= Q(unit_id=user.unit_id)
    return Assignment.objects.filter(mine, document=document, status=Assignment.Status.OPEN).exists()


# --- add -----------------------------------------------------------------------------------------


def _clean_name(raw: str | None) -> str:
    # Browsers on Windows may send a path; only the last part is the name.
    name = nfc((raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    if not name or any(unicodedata.category(char) == "Cc" for char in name):
        raise ApplicationError(_("Tên tệp không hợp lệ."), code="invalid_name")
    if len(name) > 255:
        raise ApplicationError(_("Tên tệp dài quá 255 ký tự."), code="invalid_name")
    stem, extension = os.path.splitext(name)
    if not stem or not extension:
        raise ApplicationError(_("Tên tệp phải có phần mở rộng, ví dụ .pdf hoặc .docx."), code="invalid_name")
    return name


def _measure(upload: File[Any], limit: int) -> tuple[str, int, bytes]:
    """SHA-256, size and first bytes in one streaming pass (the file is never held whole)."""
    hasher = hashlib.sha256()
    size = 0
    head = b""
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        hasher.update(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
    upload.seek(0)
    return hasher.hexdigest(), size, head


def _too_large(limit: int) -> ApplicationError:
    return ApplicationError(
        _("Tệp lớn quá giới hạn %(limit)s MB.") % {"limit": f"{limit / (1024 * 1024):g}"},
        code="file_too_large",
        status=413,
    )


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    size: int
    sha256: str
    content_type: str


def upload_check(upload: File[Any]) -> CheckedUpload:
    """Name, size, kind (sniffed from the bytes) and checksum of an upload, or the refusal with a
    sentence; nothing is stored. Shared by every place that keeps a user's file."""
    name = _clean_name(upload.name)
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit)
    sha256, size, head = _measure(upload, limit)
    if size == 0:
        raise ApplicationError(_("Tệp rỗng, không có nội dung."), code="empty_file")
    kind_code, looks_like = sniff_kind(head, upload)
    if kind_code is None:
        raise ApplicationError(
            _("Loại tệp này không được phép đính kèm; chỉ nhận: %(kinds)s.") % {"kinds": allowed_labels()},
            code="file_type_not_allowed",
        )
    kind = KINDS[kind_code]
    extension = os.path.splitext(name)[1].lower()
    if extension not in kind.extensions:
        raise ApplicationError(
            _(
                "Tên tệp có đuôi %(ext)s nhưng nội dung là %(kind)s; hãy kiểm tra lại tệp hoặc đặt tên "
                "đúng loại (%(expected)s)."
            )
            % {"ext": extension, "kind": kind.label, "expected": ", ".join(sorted(kind.extensions))},
            code="file_type_mismatch",
            extra={"detected": kind.content_type, "looks_like": looks_like},
        )

    return CheckedUpload(name=name, size=size, sha256=sha256, content_type=kind.content_type)


def attachment_add(*, actor: Actor, document: Document, upload: File[Any]) -> Attachment:
    """Store a file on the document. The same name again is the next version; older ones stay.

    Everything is checked before anything is stored; the file is written inside the transaction
    and removed again if the transaction fails, so a refusal leaves neither row nor object.
    """
    if actor.user is not None and not attachment_can_add(actor.user, document):
        raise PermissionDenied
    checked = upload_check(upload)
    return _store(
        actor=actor,
        document=document,
        name=checked.name,
        upload=upload,
        size=checked.size,
        sha256=checked.sha256,
        content_type=checked.content_type,
    )


def _store(
    *,
    actor: Actor,
    document: Document,
    name: str,
    upload: File[Any],
    size: int,
    sha256: str,
    content_type: str,
    extra: dict[str, str] | None = None,
) -> Attachment:
    """Write a checked file as the next version of its name; ``extra`` (a raw file's reason) goes
    on the event and the audit entry, and such a file is not analysed."""
    extra = extra or {}
    stored: FieldFile | None = None
    try:
        with transaction.atomic():
            # The document's row serialises uploads to it, so two uploads of a name get 1 and 2.
            locked = Document.objects.select_for_update().get(pk=document.pk)
            if locked.status in (Document.Status.REVOKED, Document.Status.ISSUED):
                raise ApplicationError(
                    _("Văn bản đã ban hành hoặc đã thu hồi, không đính kèm thêm tệp được."),
                    code="document_revoked",
                    status=409,
                )
            latest = Attachment.objects.filter(document=locked, original_name=name).aggregate(
                latest=Max("version")
            )["latest"]
            attachment = Attachment(
                document=locked,
                original_name=name,
                version=(latest or 0) + 1,
                size=size,
                sha256=sha256,
                content_type=content_type,
                uploaded_by=actor.name,
            )
            attachment.file.save(name, upload, save=False)
            stored = attachment.file
            attachment.save(force_insert=True)
            # What is signed is what is sent: a new file or version undoes approval and signature.
            document_return_to_draft(
                actor=actor,
                document=locked,
                reason="attachment_changed",
                name=name,
                version=str(attachment.version),
            )
            DocumentEvent.objects.create(
                document=locked,
                actor=actor.name,
                kind="attachment_added",
                detail={
                    "attachment": str(attachment.uuid),
                    "name": name,
                    "version": attachment.version,
                    **extra,
                },
            )
            audit_record(
                actor=actor,
                action="attachment.add",
                target=attachment,
                document=str(locked.uuid),
                name=name,
                sha256=sha256,
                size=size,
                version=attachment.version,
                content_type=content_type,
                **extra,
            )
            if not extra:
                # Robust: a broker outage must not turn a stored upload into an error for the clerk.
                transaction.on_commit(partial(_enqueue_analysis, str(attachment.uuid)), robust=True)
    except BaseException as exc:
        if stored is not None:
            _discard(stored)
        if unavailable_service(exc) == "storage":
            # Nothing was committed: the clerk gets a sentence and uploads again later.
            raise storage_unavailable_error() from exc
        raise
    return attachment


RAW_SUFFIX = ".raw"


def attachment_add_raw(
    *, actor: Actor, document: Document, name: str, data: bytes, reason: str
) -> Attachment:
    """Keep a received file that is not what it claims to be (a "ZIP" that is not one) as its raw
    bytes, named ``<name>.raw`` and never opened or analysed, with the reason on the record."""
    if actor.user is not None and not attachment_can_add(actor.user, document):
        raise PermissionDenied
    name = _clean_name(f"{(name or 'tep-dinh-kem').replace(chr(0), '')[:240]}{RAW_SUFFIX}")
    limit = max_bytes()
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise ApplicationError(_("Tệp rỗng, không có nội dung."), code="empty_file")
    return _store(
        actor=actor,
        document=document,
        name=name,
        upload=ContentFile(data, name=name),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type="application/octet-stream",
        extra={"raw": reason[:500] or "raw"},
    )


def _enqueue_analysis(attachment_id: str) -> None:
    from qlvbdh.tasks import attachment_analyse_task  # tasks import this module

    attachment_analyse_task.delay(attachment_id)


def _discard(stored: FieldFile) -> None:
    """Remove an object written by a transaction that then failed (never a committed attachment)."""
    try:
        if stored.name:
            stored.storage.delete(stored.name)
    except Exception:  # the original error matters more than a failed clean-up
        logger.exception("could not remove %s after a failed upload", stored.name)


# --- analysis: text and signatures ---------------------------------------------------------------


def attachment_analyse(*, attachment_id: uuid.UUID | str) -> Attachment | None:
    """Extract the text (appended, folded, to the document's search text) and verify PDF
    signatures. Idempotent: once done, a second run returns without changing anything."""
    attachment = Attachment.objects.filter(uuid=attachment_id).first()
    if attachment is None or attachment.analysed_at is not None:
        return attachment
    try:
        with attachment_open(attachment=attachment) as handle:
            data = handle.read()
    except FileNotFoundError:
        logger.error("attachment %s: stored file %s is missing", attachment.uuid, attachment.file.name)
        return attachment
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        # R11: the stored bytes are not the uploaded ones; nothing is read from them.
        logger.error("attachment %s: stored file does not match its SHA-256", attachment.uuid)
        return attachment
    # The slow part runs outside any transaction and lock.
    text = extract_text(data, attachment.content_type)
    signatures = (
        pdf_signatures(data, configured_trust_roots()) if attachment.content_type == "application/pdf" else []
    )

    with transaction.atomic():
        locked = Attachment.objects.select_for_update().select_related("document").get(pk=attachment.pk)
        if locked.analysed_at is not None:
            return locked  # a concurrent delivery finished first
        locked.extracted_text = text
        locked.signatures = signatures
        locked.analysed_at = timezone.now()
        locked.save(update_fields=["extracted_text", "signatures", "analysed_at"])
        folded = " ".join(fold(text).split())
        if folded:
            Document.objects.filter(pk=locked.document_id).update(
                search_text=Concat(F("search_text"), Value(" " + folded), output_field=TextField())
            )
        detail: dict[str, Any] = {
            "attachment": str(locked.uuid),
            "name": locked.original_name,
            "version": locked.version,
            "characters": len(text),
            "signatures": [signature["summary"] for signature in signatures],
        }
        DocumentEvent.objects.create(
            document=locked.document, actor=_SYSTEM.name, kind="attachment_analysed", detail=detail
        )
        audit_record(actor=_SYSTEM, action="attachment.analyse", target=locked, **detail)
    return locked


# --- downloads -----------------------------------------------------------------------------------


def attachment_download_record(*, actor: Actor, attachment: Attachment) -> None:
    """R11: every download is on the document's timeline and in the audit trail."""
    if actor.user is not None and not can(actor.user, "qlvbdh.view_documents", attachment):
        raise PermissionDenied
    with transaction.atomic():
        DocumentEvent.objects.create(
            document_id=attachment.document_id,
            actor=actor.name,
            kind="attachment_downloaded",
            detail={
                "attachment": str(attachment.uuid),
                "name": attachment.original_name,
                "version": attachment.version,
            },
        )
        audit_record(
            actor=actor,
            action="attachment.download",
            target=attachment,
            sha256=attachment.sha256,
            version=attachment.version,
        )
