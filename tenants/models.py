"""Tenants (agencies and schools), their hosts, their lifecycle history and the spare-schema pool.

Public schema only. Anything that refers to a tenant from elsewhere uses `uuid` or `org_code`.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tenants.models import DomainMixin, TenantMixin


class Tenant(TenantMixin):
    class Kind(models.TextChoices):
        PROVINCE = "province", _("Tỉnh (bảng điều khiển)")
        DEPARTMENT = "department", _("Sở, ban, ngành")
        COMMUNE = "commune", _("Xã, phường, huyện")
        SCHOOL = "school", _("Trường học")
        OTHER = "other", _("Đơn vị khác")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang hoạt động")
        # The same words are the console's buttons ("Suspend", "Archive"): a context keeps them apart.
        SUSPENDED = "suspended", pgettext_lazy("tenant status", "Tạm ngừng")
        ARCHIVED = "archived", pgettext_lazy("tenant status", "Lưu trữ")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("tên đơn vị"), max_length=255)
    kind = models.CharField(_("loại đơn vị"), max_length=16, choices=Kind.choices)
    org_code = models.CharField(_("mã định danh"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    # Schemas are provisioned by tenants.provisioning (spare pool), never implicitly on save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["name"]
        permissions = [
            ("manage_tenants", _("Tạo, tạm ngừng và lưu trữ đơn vị")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.kind == self.Kind.PROVINCE


class Domain(DomainMixin):
    class Purpose(models.TextChoices):
        WORKSPACE = "workspace", _("Hệ thống QLVBĐH")
        PORTAL = "portal", _("Cổng thông tin điện tử")
        CONSOLE = "console", _("Bảng điều khiển của tỉnh")

    purpose = models.CharField(_("mục đích"), max_length=16, choices=Purpose.choices)

    class Meta:
        verbose_name = _("tên miền")
        verbose_name_plural = _("tên miền")
        ordering = ["domain"]


class TenantEvent(models.Model):
    """Lifecycle history of a tenant as the console shows it: who did what, when, from where."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=32)
    actor = models.CharField(max_length=150, blank=True)
    actor_ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class SpareSchema(models.Model):
    """A fully migrated, unused schema waiting to be renamed into a new tenant's."""

    name = models.CharField(max_length=63, unique=True)
    fingerprint = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name
