"""Who may do what with backups, asked through the one permission layer (accounts.permissions).

Operators run, drill and restore any tenant's backups on the console (the public schema); an
agency's IT officer backs up and downloads only their own tenant, on its workspace (R10)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.permissions import can, in_province_scope
from backups.models import Backup


def backups_can_operate(user: Any) -> bool:
    return in_province_scope() and can(user, "backups.run")


def backups_can_restore(user: Any) -> bool:
    return in_province_scope() and can(user, "backups.restore")


def backups_can_run_own(user: Any) -> bool:
    """An agency's IT officer, on their own workspace (never on the console)."""
    return not in_province_scope() and can(user, "backups.run_own")


def backups_downloadable(user: Any, tenant: Any) -> QuerySet[Backup]:
    """The complete backups of the tenant whose workspace this is, if the person may have them.
    Ask it in the tenant's scope (where the person's roles count); evaluate it in the public one."""
    if tenant is None or not backups_can_run_own(user):
        return Backup.objects.none()
    return Backup.objects.filter(tenant_id=tenant.pk, state=Backup.State.COMPLETE)
