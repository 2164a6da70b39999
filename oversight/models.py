"""The province's audit ledger (public schema): each schema's audit chain head, sealed on a
schedule and signed with the province's key, so that deleting a schema's newest entries or
rewriting and rehashing its chain no longer verifies (oversight.anchors)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAnchor(models.Model):
    """One seal: `schema`'s audit entry `entry_id` had hash `entry_hash` at `sealed_at`.

    Seals are chained too (`prev` is the previous seal's `digest`), and the table is append-only
    (oversight/migrations/0002): a removed seal breaks the ledger's own chain.
    """

    sealed_at = models.DateTimeField(_("thời điểm niêm phong"))
    schema = models.CharField(max_length=63, db_index=True)
    tenant_uuid = models.UUIDField(null=True, blank=True)  # None: the province's own (public) trail
    entry_id = models.BigIntegerField()
    entry_hash = models.CharField(max_length=64)
    prev = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    signature = models.TextField()  # base64, RSA PKCS#1 v1.5 SHA-256 over the canonical payload

    class Meta:
        ordering = ["id"]
        verbose_name = _("niêm phong nhật ký")
        verbose_name_plural = _("niêm phong nhật ký")

    def __str__(self) -> str:
        return f"{self.schema}#{self.entry_id} @ {self.sealed_at:%Y-%m-%d %H:%M:%S}"
