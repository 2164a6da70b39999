"""Password authentication that refuses locked, deactivated and expired-temporary-password accounts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.utils import timezone


class AccountBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return not (
            getattr(user, "locked_at", None) is not None or getattr(user, "deactivated_at", None) is not None
        )

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is not None:
            username = username.strip().lower()
        user = super().authenticate(request, username=username, password=password, **kwargs)
        expires = getattr(user, "temporary_password_expires_at", None)
        if (
            user is not None
            and user.must_change_password
            and expires is not None
            and expires < timezone.now()
        ):
            return None  # a handed-over password nobody used in time is dead
        return user

    # Permissions are accounts.permissions.can(); Django's per-user permission tables are not used.
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return bool(user_obj.is_active and user_obj.is_superuser)
