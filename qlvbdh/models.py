"""Registers and official documents of one agency (its tenant schema).

Documents are never deleted (R11): revocation and replacement freeze and link them instead.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qlvbdh.catalogue import DOCUMENT_TYPES, DeliveryMode, Source, Urgency


class Register(models.Model):
    """A numbering register (sổ) for one year: arrival numbers or outgoing numbers from 01."""

    class Direction(models.TextChoices):
        INCOMING = "incoming", _("Sổ văn bản đến")
        OUTGOING = "outgoing", _("Sổ văn bản đi")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("năm"))
    direction = models.CharField(_("loại sổ"), max_length=16, choices=Direction.choices)
    name = models.CharField(_("tên sổ"), max_length=150)
    # Type codes this register numbers; empty: every type not claimed by another register.
    document_types = models.JSONField(_("loại văn bản"), default=list, blank=True)
    last_number = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "direction", "name"]
        verbose_name = _("sổ văn bản")
        verbose_name_plural = _("sổ văn bản")
        constraints = [
            models.UniqueConstraint(fields=["year", "direction", "name"], name="qlvbdh_register_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"


class Document(models.Model):
    class Direction(models.TextChoices):
        INCOMING = "incoming", _("Văn bản đến")
        OUTGOING = "outgoing", _("Văn bản đi")
        INTERNAL = "internal", _("Văn bản nội bộ")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Đã vào sổ")
        SUBMITTED = "submitted", _("Đã trình")
        ASSIGNED = "assigned", _("Đã giao xử lý")
        DONE = "done", _("Đã xử lý xong")
        DRAFT = "draft", _("Dự thảo")
        ISSUED = "issued", _("Đã ban hành")
        REVOKED = "revoked", _("Đã thu hồi")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    direction = models.CharField(_("loại"), max_length=16, choices=Direction.choices)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices)
    register = models.ForeignKey(
        Register, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    register_number = models.PositiveIntegerField(_("số đến/số đi"), null=True, blank=True)
    registered_at = models.DateTimeField(_("ngày vào sổ"), null=True, blank=True)
    number = models.CharField(_("số"), max_length=11, blank=True)
    notation = models.CharField(_("ký hiệu"), max_length=30, blank=True)
    issuer_name = models.CharField(_("cơ quan ban hành"), max_length=200)
    issuer_code = models.CharField(_("mã định danh cơ quan ban hành"), max_length=20, blank=True)
    document_type = models.CharField(
        _("loại văn bản"), max_length=4, choices=[(code, name) for code, name in DOCUMENT_TYPES.items()]
    )
    summary = models.CharField(_("trích yếu"), max_length=500)
    signer_name = models.CharField(_("người ký"), max_length=150, blank=True)
    signing_authority = models.CharField(_("thẩm quyền ký"), max_length=8, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    received_at = models.DateTimeField(_("ngày đến"), null=True, blank=True)
    urgency = models.CharField(_("độ khẩn"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    page_count = models.PositiveIntegerField(_("số trang"), null=True, blank=True)
    copy_count = models.PositiveIntegerField(_("số bản"), null=True, blank=True)
    recipients = models.CharField(_("nơi nhận"), max_length=150, blank=True)
    due_date = models.DateField(_("hạn xử lý"), null=True, blank=True)
    delivery_mode = models.CharField(
        _("hình thức"), max_length=16, choices=DeliveryMode.choices, default=DeliveryMode.PAPER
    )
    source = models.CharField(_("nguồn"), max_length=16, choices=Source.choices, default=Source.PAPER)
    # Folded (no diacritics, lower case) metadata for diacritic-insensitive search.
    search_text = models.TextField(blank=True, editable=False)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("văn bản")
        verbose_name_plural = _("văn bản")
        constraints = [
            models.UniqueConstraint(
                fields=["register", "register_number"], name="qlvbdh_document_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(register__isnull=True) | Q(register_number__gte=1),
                name="qlvbdh_document_number_from_1",
            ),
        ]
        indexes = [models.Index(fields=["number", "notation", "issuer_code"], name="qlvbdh_doc_identity")]

    def __str__(self) -> str:
        label = f"{self.number}/{self.notation}" if self.number else self.notation
        return f"{label} {self.summary[:60]}".strip()
