"""The organisation directory of the document exchange (public schema).

`interagency` sits in both SHARED_APPS and TENANT_APPS (each tenant will keep its own outbox
and inbox here), so django-tenants also creates an empty `interagency_organisation` table in
every tenant schema. That copy is harmless and never used: the directory is read and written
only through `interagency.directory`, which always works inside `core.tenancy.in_public()`.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """One organisation that can send or receive documents: a tenant of ours or an external one."""

    class Kind(models.TextChoices):
        TENANT = "tenant", _("Đơn vị trong tỉnh")
        EXTERNAL = "external", _("Cơ quan bên ngoài")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Stored as `normalize_org_code` returns it (stripped, upper-case).
    org_code = models.CharField(_("mã định danh"), max_length=32, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=255)  # NFC
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    # Blank for our tenants (the hub delivers to them directly); https for external organisations.
    hub_url = models.URLField(_("địa chỉ trục"), max_length=500, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cơ quan trong danh bạ")
        verbose_name_plural = _("danh bạ cơ quan")
        ordering = ["org_code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="tenant") & Q(hub_url=""))
                | (Q(kind="external") & Q(hub_url__startswith="https://")),
                name="interagency_organisation_hub_url_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_code} {self.name}"
