"""Reads of the backups register (public schema)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from backups.models import Backup
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
