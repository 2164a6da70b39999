"""Glue between django-axes, django-otp and tinhso's accounts."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
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


# Throttling, not locking: after `free` failures each further attempt must wait 2^k seconds (capped
# at LOGIN_DELAY_MAX_SECONDS), per account name and per client address. A stranger can slow the
# owner down for a minute at most; the owner's right password after the wait still works.
_ACCOUNT_KEY = "accounts:login-throttle:account:{schema}:{name}"
_ADDRESS_KEY = "accounts:login-throttle:address:{ip}"


@dataclass(frozen=True)
class Throttle:
    """`failures` counted for one account or address; the last at `last` (seconds since the epoch)."""

    key: str
    failures: int
    last: float
    free: int

    def wait(self, now: float) -> int:
        """Seconds until the next attempt is heard (0: now)."""
        from django.conf import settings

        over = self.failures - self.free
        if over < 0:
            return 0
        delay = min(2 ** min(over, 30), settings.LOGIN_DELAY_MAX_SECONDS)
        return max(0, math.ceil(self.last + delay - now))


def _account_key(username: str) -> str:
    from django.db import connection

    schema = getattr(connection, "schema_name", "public")
    name = str(username or "").strip().lower()[:255]
    return _ACCOUNT_KEY.format(
        schema=schema, name=hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()
    )


def _address_key(request: HttpRequest) -> str:
    from core.http import client_ip

    return _ADDRESS_KEY.format(ip=client_ip(request) or "-")


def _read(key: str, free: int) -> Throttle:
    from django.core.cache import cache

    state = cache.get(key) or {}
    return Throttle(key=key, failures=int(state.get("n", 0)), last=float(state.get("at", 0.0)), free=free)


def _throttles(request: HttpRequest, username: str | None) -> list[Throttle]:
    from django.conf import settings

    found = [_read(_address_key(request), settings.LOGIN_ADDRESS_FAILURE_LIMIT)]
    if username:
        found.append(_read(_account_key(username), settings.AXES_FAILURE_LIMIT))
    return found


def login_wait(request: HttpRequest, username: str | None) -> int:
    """Seconds this client must wait before a password for `username` is checked at all (0: now)."""
    from core.ratelimits import clock

    now = clock()
    return max(throttle.wait(now) for throttle in _throttles(request, username))


def login_failure_add(request: HttpRequest, username: str | None) -> None:
    """One more failure for the address and the account name; the window restarts with each."""
    from django.conf import settings
    from django.core.cache import cache

    from core.ratelimits import clock

    now = clock()
    for throttle in _throttles(request, username):
        cache.set(
            throttle.key,
            {"n": throttle.failures + 1, "at": now},
            timeout=settings.LOGIN_THROTTLE_MEMORY_SECONDS,
        )


def account_throttle_clear(username: str) -> bool:
    """Forget an account's failures (a right password, or the IT officer); True if there were any."""
    from django.core.cache import cache

    key = _account_key(username)
    had = bool(cache.get(key))
    cache.delete(key)
    return had
