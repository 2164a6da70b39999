"""Attachments, read only through a document the reader may see."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files import File
from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from accounts.permissions import permitted
from qlvbdh.attachment_models import Attachment
from qlvbdh.models import Document


def attachment_list(*, reader: Any, document: Document) -> QuerySet[Attachment]:
    """Every version of every file of a document the reader may see, newest version first per name."""
    visible = permitted(reader, "qlvbdh.view_documents", Attachment)
    return visible.filter(document=document).order_by("original_name", "-version")


def attachment_get(*, reader: Any, key: str) -> Attachment | None:
    """One attachment, only through a document the reader may see (else None: a 404)."""
    try:
        wanted = uuid.UUID(key)
    except ValueError:
        return None
    visible = permitted(reader, "qlvbdh.view_documents", Attachment)
    return visible.select_related("document").filter(uuid=wanted).first()


def attachment_open(*, attachment: Attachment) -> File[Any]:
    """The stored file, open for reading; FileNotFoundError when storage has lost it."""
    name = attachment.file.name
    if not name:
        raise FileNotFoundError(str(attachment.uuid))
    return attachment.file.storage.open(name, "rb")


def signed_digests(*, document: Document) -> dict[int, str] | None:
    """The SHA-256 of each file as its latest signature found it, by attachment id; None for a
    document with no recorded signature (incoming, or signed before digests were kept)."""
    from qlvbdh.attachment_models import SignedFile

    if document.signed_at is None:
        return None
    fetched = getattr(document, "signed_files_fetched", None)  # sending_prefetch
    if fetched is not None:
        digests = {row.attachment_id: row.sha256 for row in fetched if row.signed_at == document.signed_at}
    else:
        rows = SignedFile.objects.filter(document=document, signed_at=document.signed_at)
        digests = dict(rows.values_list("attachment_id", "sha256"))
    return digests or None


def sending_files(document: Document) -> list[Attachment]:
    """Every version of every file of the document, newest version first per name (as
    `sending_prefetch` fetched them, else now)."""
    fetched = getattr(document, "files_fetched", None)
    if fetched is not None:
        return list(fetched)
    return list(document.attachments.order_by("original_name", "-version"))


def sending_prefetch(documents: list[Document]) -> None:
    """What `sending_files` and `signed_digests` read of these documents, in two queries for all."""
    from qlvbdh.attachment_models import SignedFile

    prefetch_related_objects(
        documents,
        Prefetch(
            "attachments",
            queryset=Attachment.objects.order_by("original_name", "-version"),
            to_attr="files_fetched",
        ),
        Prefetch("signed_files", queryset=SignedFile.objects.all(), to_attr="signed_files_fetched"),
    )
