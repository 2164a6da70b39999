"""Who may manage tenants: asked through the one permission layer (accounts.permissions)."""

from __future__ import annotations

from typing import Any

from accounts.permissions import can, in_province_scope, require


def tenants_can_manage(user: Any) -> bool:
    """Province operators only, and only on the console (the public schema)."""
    return in_province_scope() and can(user, "tenants.manage")


def tenants_can_view(user: Any) -> bool:
    """Operators and inspectors, on the console."""
    return in_province_scope() and can(user, "tenants.view")


def require_manage(user: Any) -> None:
    require(user, "tenants.manage")
    if not in_province_scope():
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
