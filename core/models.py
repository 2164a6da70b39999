"""The audit trail: one append-only, hash-chained table in every schema (R11).

Each entry's hash covers its content and the previous entry's hash, so an edited or removed
row breaks the chain (`core.audit.audit_verify`); a database trigger refuses UPDATE and DELETE.
Actors are recorded by name and UUID, never by foreign key, so the trail outlives any row.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    at = models.DateTimeField(_("thời điểm"), default=timezone.now, db_index=True)
    actor = models.CharField(_("người thực hiện"), max_length=150)
    actor_uuid = models.UUIDField(null=True, blank=True)
    actor_ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    action = models.CharField(_("hành động"), max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    target_label = models.CharField(_("đối tượng"), max_length=255, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("nhật ký")
        verbose_name_plural = _("nhật ký")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.target_label}"
