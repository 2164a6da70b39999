"""Accounts' own object rules (the framework they use is accounts.permissions). Registered in
AccountsConfig.ready(), like every app's rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from accounts.permissions import Rule

if TYPE_CHECKING:
    from accounts.models import User


def _manageable_accounts(user: User) -> Q:
    # Nobody manages a superuser's account from the application; that stays with the shell.
    return Q() if user.is_superuser else Q(is_superuser=False)


def rules() -> tuple[Rule[Any], ...]:
    from accounts.models import User

    return (Rule("accounts.manage_accounts", User, _manageable_accounts),)
