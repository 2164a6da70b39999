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


class UsageFigure(models.Model):
    """One tenant's figure for one day (R12), written by the nightly rollup (oversight.rollup).

    The inspectors' pages, the ranking and the agencies' usage reports read these rows only, never a
    tenant's schema. Keyed by the tenant's UUID: the public schema outlives nothing of a tenant's."""

    tenant_uuid = models.UUIDField()
    day = models.DateField(_("ngày"))
    figure = models.CharField(_("chỉ số"), max_length=64)
    value = models.FloatField(_("giá trị"))

    class Meta:
        verbose_name = _("số liệu sử dụng")
        verbose_name_plural = _("số liệu sử dụng")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_uuid", "figure", "day"], name="oversight_figure_once_a_day"
            )
        ]
        indexes = [models.Index(fields=["day", "figure"], name="oversight_figure_by_day")]

    def __str__(self) -> str:
        return f"{self.tenant_uuid} {self.day} {self.figure}={self.value}"


class FillState(models.Model):
    """How far one figure of one tenant is filled (Zulip's FillState): every day up to `filled_until`
    is written. `started` while a day is being written: a crash leaves it, and the next run writes
    that day again from scratch (its rows are replaced, never added to)."""

    class State(models.TextChoices):
        STARTED = "started", _("Đang tính")
        DONE = "done", _("Đã tính")

    tenant_uuid = models.UUIDField()
    figure = models.CharField(max_length=64)
    filled_until = models.DateField()
    state = models.CharField(max_length=8, choices=State.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("trạng thái tổng hợp")
        verbose_name_plural = _("trạng thái tổng hợp")
        constraints = [
            models.UniqueConstraint(fields=["tenant_uuid", "figure"], name="oversight_fillstate_once")
        ]

    def __str__(self) -> str:
        return f"{self.tenant_uuid} {self.figure} {self.state} {self.filled_until}"
