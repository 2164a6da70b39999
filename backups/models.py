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

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="backups")
    schema_name = models.CharField(max_length=63)
    org_code = models.CharField(max_length=32)
    state = models.CharField(_("trạng thái"), max_length=16, choices=State.choices, default=State.RUNNING)
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
