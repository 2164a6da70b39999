"""Reads of the backups register (public schema)."""

from __future__ import annotations

from django.db.models import QuerySet

from backups.models import Backup
from core.ids import is_uuid
from core.tenancy import in_public


def backup_list(*, tenant_id: int | None = None) -> QuerySet[Backup]:
    backups = Backup.objects.select_related("tenant")
    return backups.filter(tenant_id=tenant_id) if tenant_id is not None else backups


def backup_get(key: str) -> Backup | None:
    """A backup by its id (what `backups run` printed); None for anything else."""
    if not is_uuid(key):
        return None
    with in_public():
        return Backup.objects.select_related("tenant").filter(uuid=key).first()
