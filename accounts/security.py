"""Glue between django-axes, django-otp and tinhso's accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from accounts.roles import TWO_FACTOR_ROLES

if TYPE_CHECKING:
    from accounts.permissions import Person


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """Count failures against the account name as the backend matches it (trimmed, lower case)."""
    value = (credentials or {}).get("username")
    if value is None:
        data = getattr(request, "data", None) or request.POST
        value = data.get("username")
    return str(value).strip().lower() if value else value


def second_factor_required(user: Person) -> bool:
    """Privileged roles must use TOTP; anyone who enrolled a device uses it too."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    from django_otp import user_has_device

    from accounts.permissions import user_roles

    return bool(user.is_superuser or (user_roles(user) & TWO_FACTOR_ROLES) or user_has_device(user))


def second_factor_mandatory(user: Person) -> bool:
    """Whether the account may not go without a device (it may not turn 2FA off)."""
    from accounts.permissions import user_roles

    return bool(user is not None and (user.is_superuser or (user_roles(user) & TWO_FACTOR_ROLES)))


# A second, looser limit per client address: spraying a few passwords over many account names
# trips it, while one office behind a shared address is not locked out by one person's typos.
_IP_KEY = "accounts:login-failures:{ip}"


def address_failure_count(request: HttpRequest) -> int:
    from django.core.cache import cache

    from core.http import client_ip

    return int(cache.get(_IP_KEY.format(ip=client_ip(request) or "-")) or 0)


def address_failure_add(request: HttpRequest) -> None:
    from django.conf import settings

    from core.http import client_ip
    from core.ratelimits import count_up

    count_up(_IP_KEY.format(ip=client_ip(request) or "-"), timeout=int(settings.AXES_COOLOFF_TIME * 3600))


def address_blocked(request: HttpRequest) -> bool:
    from django.conf import settings

    return address_failure_count(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
