"""Backups of one tenant's schema and files (public schema): state, where, how big, who."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Backup(models.Model):
    class State(models.TextChoices):
        RUNNING = "running", _("Đang sao lưu")
        COMPLETE = "complete", _("Hoàn tất")
        FAILED = "failed", _("Thất bại")
        EXPIRED = "expired", _("Đã xoá theo chính sách lưu giữ")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Thủ công")
        SCHEDULED = "scheduled", _("Theo lịch")
        SAFETY = "safety", _("Trước khi khôi phục")
        OFFICER = "officer", _("Cán bộ CNTT của đơn vị")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="backups")
    schema_name = models.CharField(max_length=63)
    org_code = models.CharField(max_length=32)
    state = models.CharField(_("trạng thái"), max_length=16, choices=State.choices, default=State.RUNNING)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    store = models.CharField(max_length=16)
    location = models.CharField(max_length=512)
    key_id = models.CharField(max_length=16, blank=True)
    size_plain = models.BigIntegerField(default=0)
    size_stored = models.BigIntegerField(default=0)
    actor = models.CharField(max_length=150, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bản sao lưu")
        verbose_name_plural = _("bản sao lưu")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.schema_name} {self.uuid}"


class Drill(models.Model):
    """A restore drill: a backup restored into a scratch schema and compared with its manifest."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="backup_drills")
    backup = models.ForeignKey(Backup, on_delete=models.PROTECT, related_name="drills")
    ok = models.BooleanField(null=True)  # None while it runs
    detail = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("diễn tập khôi phục")
        verbose_name_plural = _("diễn tập khôi phục")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"drill {self.uuid} of {self.backup_id}"


class Alert(models.Model):
    """Something an operator must look at: a failed or missed backup, a failed drill."""

    class Kind(models.TextChoices):
        BACKUP_FAILED = "backup_failed", _("Sao lưu thất bại")
        BACKUP_MISSED = "backup_missed", _("Không có bản sao lưu đúng hạn")
        DRILL_FAILED = "drill_failed", _("Diễn tập khôi phục thất bại")

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="backup_alerts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("cảnh báo sao lưu")
        verbose_name_plural = _("cảnh báo sao lưu")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open alert per tenant and kind: a repeated failure does not flood the console.
            models.UniqueConstraint(
                fields=["tenant", "kind"],
                condition=models.Q(resolved_at__isnull=True),
                name="backups_alert_one_open_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.tenant_id}"
