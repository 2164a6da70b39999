"""Django permissions for Wagtail, read from the groups portal.services.board derives from the board
roles. It authenticates nobody, and answers only for Wagtail's own apps in a tenant schema
(accounts.permissions stays the permission layer of everything else)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from core.tenancy import current_schema, public_schema_name

_WAGTAIL_APPS = ("wagtailadmin.", "wagtailcore.", "wagtailimages.", "wagtaildocs.", "wagtailsnippets.")


class BoardPermissionBackend(ModelBackend):
    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        return None

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()  # only what a group (a role) gives

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not perm.startswith(_WAGTAIL_APPS) or current_schema() == public_schema_name():
            return False
        if (
            not user_obj.is_active
            or getattr(user_obj, "locked_at", None)
            or getattr(user_obj, "deactivated_at", None)
        ):
            return False
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False  # Django's admin is not the portal's back office
