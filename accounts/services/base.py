"""What the account use cases share: cleaned input and the permission-checked, locked target."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import in_province_scope, require_actor
from accounts.roles import roles_for_scope
from core.audit import Actor
from core.text import legacy_encoding, nfc


def clean_text(value: str, label: str, errors: dict[str, list[str]], key: str) -> str:
    value = nfc(value or "")
    encoding = legacy_encoding(value) if value else None
    if encoding:
        errors.setdefault(key, []).append(
            _("%(label)s có vẻ được gõ bằng bảng mã cũ %(enc)s; hãy chuyển sang Unicode (TCVN 6909).")
            % {"label": label, "enc": encoding}
        )
    return value


def validate_birth_year(value: int | None, errors: dict[str, list[str]]) -> None:
    if value is None:
        return
    latest = timezone.localdate().year - 15
    if not 1930 <= value <= latest:
        errors.setdefault("birth_year", []).append(
            _("Năm sinh phải từ 1930 đến %(latest)s.") % {"latest": latest}
        )


def validate_roles(roles: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    allowed = roles_for_scope(province=in_province_scope())
    cleaned: list[str] = []
    for role in roles:
        if role not in allowed:
            errors.setdefault("roles", []).append(
                _("Vai trò “%(role)s” không dùng được ở đây.") % {"role": role}
            )
        elif role not in cleaned:
            cleaned.append(role)
    return cleaned


def lock_target(actor: Actor, user: User) -> User:
    """The account acted on, row-locked, once the actor may manage it (inside the caller's transaction)."""
    require_actor(actor, "accounts.manage_accounts", user)
    return User.objects.select_for_update().get(pk=user.pk)


def acts_on_self(actor: Actor, user: User) -> bool:
    return actor.user is not None and actor.user.pk == user.pk
