"""Reads of the backups register (public schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from backups.models import Alert, Backup, Drill
from core.ids import is_uuid
from core.tenancy import in_public, public_schema_name


def backup_list(*, tenant_id: int | None = None) -> QuerySet[Backup]:
    backups = Backup.objects.select_related("tenant")
    return backups.filter(tenant_id=tenant_id) if tenant_id is not None else backups


def backup_get(key: str) -> Backup | None:
    """A backup by its id (what `backups run` printed); None for anything else."""
    if not is_uuid(key):
        return None
    with in_public():
        return Backup.objects.select_related("tenant").filter(uuid=key).first()


def tenants_backup_overview() -> QuerySet[Any]:
    """Every tenant with its newest complete backup, newest successful drill and open alerts (one query)."""
    from tenants.models import Tenant

    with in_public():
        return (
            Tenant.objects.exclude(status=Tenant.Status.ARCHIVED)
            .annotate(
                last_backup=Max("backups__finished_at", filter=Q(backups__state=Backup.State.COMPLETE)),
                last_drill_ok=Max("backup_drills__finished_at", filter=Q(backup_drills__ok=True)),
                open_alerts=Count(
                    "backup_alerts", filter=Q(backup_alerts__resolved_at__isnull=True), distinct=True
                ),
            )
            .order_by("name")
        )


def alert_list(*, open_only: bool = True) -> QuerySet[Alert]:
    alerts = Alert.objects.select_related("tenant")
    return alerts.filter(resolved_at__isnull=True) if open_only else alerts[:200]


def drill_list(*, tenant_id: int | None = None) -> QuerySet[Drill]:
    drills = Drill.objects.select_related("tenant", "backup")
    return drills.filter(tenant_id=tenant_id) if tenant_id is not None else drills


def province_tenant() -> Any:
    """The province's own row (its schema is `public`), or None before it is set up."""
    from tenants.models import Tenant

    with in_public():
        return Tenant.objects.filter(kind=Tenant.Kind.PROVINCE, schema_name="public").first()


def backup_tenant_get(key: str) -> Any:
    """A tenant whose backups an operator looks at: an agency (UUID, schema or code), or the
    province's own (its UUID or `public`)."""
    from core.tenancy import tenant_by_key

    province = province_tenant()
    if province is not None and key in (str(province.uuid), "public"):
        return province
    with in_public():
        return tenant_by_key(key)


def backup_freshness() -> list[tuple[str, int, datetime | None]]:
    """Per tenant kind: active tenants without a complete backup, and the oldest of the active
    tenants' newest complete backups (how stale the stalest tenant is)."""
    from django.db.models import Max, Q

    from tenants.models import Tenant

    with in_public():
        tenants = (
            Tenant.objects.filter(status=Tenant.Status.ACTIVE)
            .exclude(schema_name=public_schema_name())
            .annotate(newest=Max("backups__finished_at", filter=Q(backups__state=Backup.State.COMPLETE)))
            .values_list("kind", "newest")
        )
        kinds: dict[str, tuple[int, datetime | None]] = {}
        for kind, newest in tenants:
            never, oldest = kinds.get(kind, (0, None))
            if newest is None:
                never += 1
            elif oldest is None or newest < oldest:
                oldest = newest
            kinds[kind] = (never, oldest)
    return [(kind, never, oldest) for kind, (never, oldest) in sorted(kinds.items())]
