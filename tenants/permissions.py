"""Who may manage tenants. Deny by default; the accounts issue brings the full permission layer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from core.tenancy import current_schema, public_schema_name


def tenants_can_manage(user: Any) -> bool:
    """Province operators only: an active public-schema account with the permission."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if current_schema() != public_schema_name():
        return False
    return bool(user.is_superuser or user.has_perm("tenants.manage_tenants"))


def tenants_can_view(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if current_schema() != public_schema_name():
        return False
    return bool(
        user.is_superuser or user.has_perm("tenants.manage_tenants") or user.has_perm("tenants.view_tenant")
    )


def require_manage(user: Any) -> None:
    if not tenants_can_manage(user):
        raise PermissionDenied
