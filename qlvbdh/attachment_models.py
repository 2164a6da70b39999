"""Files attached to a document: every version kept, never deleted (R11), with their SHA-256.

Registered through the last line of qlvbdh/models.py, so the app label is qlvbdh.
"""

from __future__ import annotations

import os
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def attachment_path(instance: Attachment, filename: str) -> str:
    """The key in storage (below the tenant's `tenants/<schema>/` prefix): ids only, so a user's
    file name never becomes a path; the name itself is kept in `original_name`."""
    extension = os.path.splitext(filename)[1].lower()
    return f"attachments/{instance.document.uuid}/{instance.uuid}{extension}"


class Attachment(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(
        "qlvbdh.Document", on_delete=models.PROTECT, related_name="attachments", verbose_name=_("văn bản")
    )
    original_name = models.CharField(_("tên tệp"), max_length=255)
    # 1, 2, ... per document and name: uploading the same name again adds a version.
    version = models.PositiveIntegerField(_("phiên bản"))
    file = models.FileField(_("tệp"), upload_to=attachment_path, max_length=300)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # Sniffed from the content, never taken from the name or the browser.
    content_type = models.CharField(_("loại tệp"), max_length=100)
    extracted_text = models.TextField(_("nội dung trích xuất"), blank=True, editable=False)
    signatures = models.JSONField(_("chữ ký số"), default=list, blank=True, editable=False)
    # Set once text and signatures have been read: a second run of the analysis changes nothing.
    analysed_at = models.DateTimeField(null=True, blank=True, editable=False)
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["original_name", "-version"]
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "original_name", "version"], name="qlvbdh_attachment_unique_version"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="qlvbdh_attachment_version_from_1"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="qlvbdh_attachment_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.version})"


class SignedFile(models.Model):
    """A file as it was when the head signed: the SHA-256 read back from storage at signing.

    One row per file sent (the latest version of each name) and signing; a draft sent back and
    signed again gets new rows, the old ones stay as the record of the earlier signature.
    """

    document = models.ForeignKey(
        "qlvbdh.Document", on_delete=models.PROTECT, related_name="signed_files", verbose_name=_("văn bản")
    )
    attachment = models.ForeignKey(
        Attachment, on_delete=models.PROTECT, related_name="signatures_of", verbose_name=_("tệp")
    )
    signed_at = models.DateTimeField(_("thời điểm ký"))
    sha256 = models.CharField(_("SHA-256 khi ký"), max_length=64)

    class Meta:
        verbose_name = _("tệp đã ký")
        verbose_name_plural = _("tệp đã ký")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "attachment", "signed_at"], name="qlvbdh_signedfile_once_per_signing"
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="qlvbdh_signedfile_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attachment} @ {self.signed_at:%Y-%m-%d %H:%M}"
