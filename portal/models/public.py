"""What the public sends (P8): feedback and petitions with their answers, and comments on draft
documents put out for consultation (regulation Điều 3.3, 14.2). A sender's contact details are
kept for the board only: no public page reads them."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def _attachment_path(instance: models.Model, filename: str) -> str:
    # The file name the sender chose is kept in `attachment_name`; the stored name is ours.
    from core.tenancy import current_schema

    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"{current_schema()}/portal/feedback/{uuid.uuid4().hex}.{suffix}"


class Feedback(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("Mới nhận")
        ASSIGNED = "assigned", _("Đã giao xử lý")
        ANSWERED = "answered", _("Đã trả lời")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tracking_code = models.CharField(_("mã theo dõi"), max_length=16, unique=True, editable=False)
    name = models.CharField(_("họ và tên"), max_length=120)
    contact = models.CharField(_("điện thoại hoặc thư điện tử"), max_length=120)
    subject = models.CharField(_("tiêu đề"), max_length=200)
    text = models.TextField(_("nội dung"))
    attachment = models.FileField(_("tệp đính kèm"), upload_to=_attachment_path, blank=True)
    attachment_name = models.CharField(max_length=120, blank=True)
    consent_publish = models.BooleanField(_("đồng ý công khai câu hỏi và trả lời"), default=False)
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        "accounts.User",
        verbose_name=_("người xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answer = models.TextField(_("trả lời"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("công khai lúc"), null=True, blank=True, db_index=True)
    # The form's one-time token: the same form sent twice (a double click, a retry) is one item.
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("góp ý, kiến nghị")
        verbose_name_plural = _("góp ý, kiến nghị")
        constraints = [
            # Published only when answered and the sender agreed.
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(consent_publish=True, status="answered"),
                name="portal_feedback_published_with_consent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.subject}"


class Consultation(models.Model):
    """A draft document put out for comments between two dates (both included, local days)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("tên dự thảo"), max_length=255)
    summary = models.TextField(_("nội dung tóm tắt"))
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("tệp dự thảo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    drafting_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("đơn vị soạn thảo"), on_delete=models.PROTECT, related_name="+"
    )
    opens_on = models.DateField(_("mở lấy ý kiến từ ngày"))
    closes_on = models.DateField(_("đến hết ngày"))
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("dự thảo lấy ý kiến")
        verbose_name_plural = _("dự thảo lấy ý kiến")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="portal_consultation_dates"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ConsultationComment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ duyệt")
        APPROVED = "approved", _("Đã duyệt")
        REJECTED = "rejected", _("Không đăng")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="comments")
    name = models.CharField(_("họ và tên"), max_length=120)
    contact = models.CharField(_("điện thoại hoặc thư điện tử"), max_length=120, blank=True)
    text = models.TextField(_("ý kiến"))
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.PENDING)
    moderated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ý kiến góp ý dự thảo")
        verbose_name_plural = _("ý kiến góp ý dự thảo")

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.text[:40]}"
