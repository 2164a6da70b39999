"""Backups of a tenant taken each day, for the province's usage rollup (core.figures).

Backups live in the public schema, so this provider runs there (scope PUBLIC)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from core.figures import Figure, FigureProvider, TenantRef, day_bounds

FIGURES = (
    Figure("backups_complete", _("Bản sao lưu hoàn tất")),
    Figure("backups_failed", _("Bản sao lưu thất bại")),
)


def backups_of_day(tenant: TenantRef, day: date) -> Mapping[str, float]:
    from backups.models import Backup

    start, end = day_bounds(day)
    row = Backup.objects.filter(
        tenant__uuid=tenant.uuid, finished_at__gte=start, finished_at__lt=end
    ).aggregate(
        backups_complete=Count("id", filter=Q(state=Backup.State.COMPLETE)),
        backups_failed=Count("id", filter=Q(state=Backup.State.FAILED)),
    )
    return row


PROVIDER = FigureProvider(
    key="backups.taken", figures=FIGURES, compute=backups_of_day, scope=FigureProvider.PUBLIC
)
