"""What is signed is what is sent: the files of a draft are frozen from approval, their SHA-256
is recorded at signing from the stored bytes, and checked again at issue.

Changing a file of an approved or signed draft sends it back to draft (for approval again), so
no file ever changes under an approval or a signature.
"""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from core.audit import Actor, audit_record
from core.errors import ApplicationError
from qlvbdh.attachment_models import Attachment, SignedFile
from qlvbdh.models import Document
from qlvbdh.selectors.attachments import attachment_open
from qlvbdh.services.documents import event_record

_CHUNK = 1024 * 1024


def files_to_send(document: Document) -> list[Attachment]:
    """The latest version of each file name: what issuing sends (and what the hub packs)."""
    latest: dict[str, Attachment] = {}
    for attachment in Attachment.objects.filter(document=document).order_by("original_name", "-version"):
        latest.setdefault(attachment.original_name, attachment)
    return list(latest.values())


def stored_sha256(attachment: Attachment) -> str | None:
    """The SHA-256 of the bytes in storage now; None when storage has lost the file."""
    hasher = hashlib.sha256()
    try:
        with attachment_open(attachment=attachment) as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                hasher.update(chunk)
    except FileNotFoundError:
        return None
    return hasher.hexdigest()


def signed_files_record(*, document: Document) -> list[SignedFile]:
    """Inside the signing transaction (the document's row locked): each file's digest, read back
    from storage. A file whose stored bytes are not the uploaded ones cannot be signed."""
    assert document.signed_at is not None  # noqa: S101  (set by the caller before recording)
    rows = []
    for attachment in files_to_send(document):
        digest = stored_sha256(attachment)
        if digest != attachment.sha256:
            raise ApplicationError(
                _(
                    "Tệp “%(name)s” trong kho không khớp với tệp đã tải lên; không ký được, "
                    "hãy báo cán bộ CNTT."
                )
                % {"name": attachment.original_name},
                code="file_integrity",
                status=409,
            )
        rows.append(
            SignedFile(document=document, attachment=attachment, signed_at=document.signed_at, sha256=digest)
        )
    return SignedFile.objects.bulk_create(rows)


def signed_files_verify(*, document: Document) -> None:
    """Before issue: the files to send are exactly those signed, byte for byte; else a 409 that
    names the first difference (nothing is numbered or sent)."""
    rows = SignedFile.objects.filter(document=document)
    signed = {
        row.attachment_id: row.sha256
        for row in (rows.filter(signed_at=document.signed_at) if document.signed_at else rows.none())
    }
    current = files_to_send(document)
    changed = [attachment for attachment in current if attachment.pk not in signed]
    if changed or len(current) != len(signed):
        name = changed[0].original_name if changed else ""
        raise ApplicationError(
            _("Tệp đính kèm đã thay đổi sau khi ký (%(name)s); văn bản phải được duyệt và ký lại.")
            % {"name": name or _("thiếu tệp đã ký")},
            code="signed_files_changed",
            status=409,
        )
    for attachment in current:
        if stored_sha256(attachment) != signed[attachment.pk]:
            raise ApplicationError(
                _(
                    "Nội dung tệp “%(name)s” không còn giống tệp đã ký (SHA-256 khác); không ban hành được, "
                    "hãy báo cán bộ CNTT."
                )
                % {"name": attachment.original_name},
                code="signed_file_mismatch",
                status=409,
            )


def document_return_to_draft(*, actor: Actor, document: Document, reason: str, **detail: str) -> None:
    """Inside the caller's transaction (the row locked): an approved or signed draft whose files
    changed goes back to draft; approval and signature no longer hold."""
    if document.status not in (Document.Status.APPROVED, Document.Status.SIGNED):
        return
    previous = document.status
    document.status = Document.Status.DRAFT
    document.approved_by, document.signed_by, document.signed_at = "", "", None
    document.save(update_fields=["status", "approved_by", "signed_by", "signed_at"])
    event_record(document, actor, "returned_to_draft", reason=reason, previous=previous, **detail)
    audit_record(
        actor=actor,
        action="document.return_to_draft",
        target=document,
        reason=reason,
        previous=previous,
        **detail,
    )
