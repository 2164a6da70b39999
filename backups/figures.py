"""Backups of a tenant taken, and restore drills run, each day, for the usage rollup (core.figures).

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
    Figure("drills_passed", _("Diễn tập khôi phục đạt")),
    Figure("drills_failed", _("Diễn tập khôi phục không đạt")),
)


def backups_of_day(tenant: TenantRef, day: date) -> Mapping[str, float]:
    from backups.models import Backup, Drill

    start, end = day_bounds(day)
    row = Backup.objects.filter(
        tenant__uuid=tenant.uuid, finished_at__gte=start, finished_at__lt=end
    ).aggregate(
        backups_complete=Count("id", filter=Q(state=Backup.State.COMPLETE)),
        backups_failed=Count("id", filter=Q(state=Backup.State.FAILED)),
    )
    row.update(
        Drill.objects.filter(tenant__uuid=tenant.uuid, finished_at__gte=start, finished_at__lt=end).aggregate(
            drills_passed=Count("id", filter=Q(ok=True)),
            drills_failed=Count("id", filter=Q(ok=False)),
        )
    )
    return row


PROVIDER = FigureProvider(
    key="backups.taken", figures=FIGURES, compute=backups_of_day, scope=FigureProvider.PUBLIC
)
