"""What every oversight page checks first."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from accounts.permissions import in_province_scope, require
from accounts.roles import PermissionCode


def require_province(user: Any, code: PermissionCode) -> None:
    """The province's pages answer only on the console (public schema), to holders of `code`."""
    require(user, code)
    if not in_province_scope():
        raise PermissionDenied


def require_agency(user: Any, code: PermissionCode) -> None:
    """An agency's pages answer only on its workspace, to holders of `code`."""
    require(user, code)
    if in_province_scope():
        raise PermissionDenied
