"""Glue between django-axes, django-otp and tinhso's accounts."""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.module_loading import import_string

from accounts.roles import TWO_FACTOR_ROLES
from core.cache import state_cache

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
# The cache's keys carry the schema (django_tenants.cache.make_key): both counts are per tenant
# (the console's are the public schema's), so each IT officer sees and clears their own. They are
# in the "state" cache (core/cache.py): with Redis away reading them raises, so no password is
# checked (a 503) instead of every count reading as zero.
_PREFIX = "accounts:login-throttle:"
_ACCOUNT_KEY = _PREFIX + "account:{schema}:{name}"
_ADDRESS_KEY = _PREFIX + "address:{ip}"
# Beside each throttle's record, under prefixes of their own (the officer's page scans _PREFIX):
# its failure count, counted atomically, and the attempts being checked now. How long an attempt
# counts as being checked if its process dies before it ends:
_IN_FLIGHT_SECONDS = 30
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Throttle:
    """`failures` counted for one account or address; the last at `last` (seconds since the epoch).
    `label` is the account name as typed (lower case) or the address, for the IT officer's page."""

    key: str
    failures: int
    last: float
    free: int
    kind: str = "account"
    label: str = ""
    ident: str = ""  # what the officer's page posts back to clear it: the name's digest or the address

    def delay(self) -> int:
        """The wait the next failure starts from: 0 below the limit, then 2^k, capped."""
        from django.conf import settings

        over = self.failures - self.free
        if over < 0:
            return 0
        return int(min(2 ** min(over, 30), settings.LOGIN_DELAY_MAX_SECONDS))

    def wait(self, now: float) -> int:
        """Seconds until the next attempt is heard (0: now)."""
        return max(0, math.ceil(self.last + self.delay() - now)) if self.delay() else 0


def _name_digest(username: str) -> str:
    name = str(username or "").strip().lower()[:255]
    return hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()


def _account_key(digest: str) -> str:
    from django.db import connection

    schema = getattr(connection, "schema_name", "public")
    return _ACCOUNT_KEY.format(schema=schema, name=digest)


def _address_key(ip: str) -> str:
    return _ADDRESS_KEY.format(ip=ip)


def _beside(key: str, what: str) -> str:
    return f"accounts:login-{what}:" + key.removeprefix(_PREFIX)


def _read(key: str, free: int, kind: str, ident: str) -> Throttle:
    count_key = _beside(key, "count")
    found = state_cache().get_many([key, count_key])
    state = found.get(key) or {}
    return Throttle(
        key=key,
        failures=int(found.get(count_key) or state.get("n", 0)),  # "n": a record from before the count
        last=float(state.get("at", 0.0)),
        free=free,
        kind=kind,
        label=str(state.get("label", "")),
        ident=ident,
    )


def _throttles(request: HttpRequest, username: str | None) -> list[tuple[Throttle, str]]:
    """The address's throttle and the account name's, each with the label it is shown under."""
    from django.conf import settings

    from core.http import client_ip

    ip = client_ip(request) or "-"
    found = [(_read(_address_key(ip), settings.LOGIN_ADDRESS_FAILURE_LIMIT, "address", ip), ip)]
    if username:
        digest = _name_digest(username)
        name = str(username).strip().lower()[:150]
        found.append((_read(_account_key(digest), settings.AXES_FAILURE_LIMIT, "account", digest), name))
    return found


def login_wait(request: HttpRequest, username: str | None) -> int:
    """Seconds this client must wait before a password for `username` is checked at all (0: now)."""
    from core.ratelimits import clock

    now = clock()
    return max(throttle.wait(now) for throttle, _label in _throttles(request, username))


@contextlib.contextmanager
def login_turn(request: HttpRequest, username: str | None) -> Iterator[int]:
    """A turn to have a password or a second-factor code for `username` checked from this client:
    yields 0 (check it) or the seconds to wait (do not). Requests sent in parallel are heard no
    more often than the same requests one after another: while an attempt is being checked it
    counts as a failure to come, so past the free failures an attempt is heard only when none
    other is being checked (the count is atomic: of racing requests exactly one sees none)."""
    from core.ratelimits import clock, count_up

    cache = state_cache()
    now = clock()
    throttles = [throttle for throttle, _label in _throttles(request, username)]
    wait = max(throttle.wait(now) for throttle in throttles)
    in_flight: list[str] = []
    try:
        if not wait:
            for throttle in throttles:
                flight_key = _beside(throttle.key, "flight")
                ahead = count_up(flight_key, timeout=_IN_FLIGHT_SECONDS) - 1
                in_flight.append(flight_key)
                cache.touch(flight_key, _IN_FLIGHT_SECONDS)  # kept while attempts keep coming
                if ahead and throttle.failures + ahead >= throttle.free:
                    wait = max(wait, 1, throttle.delay())  # after the results of those ahead
        yield wait
    finally:
        for flight_key in in_flight:
            with contextlib.suppress(ValueError):  # expired meanwhile
                cache.decr(flight_key)


def login_failure_add(request: HttpRequest, username: str | None) -> None:
    """One more failure for the address and the account name; the window restarts with each.
    Counted atomically, so failures racing each other all count."""
    from django.conf import settings

    from core.ratelimits import clock, count_up

    cache = state_cache()
    now = clock()
    memory = settings.LOGIN_THROTTLE_MEMORY_SECONDS
    for throttle, label in _throttles(request, username):
        count_key = _beside(throttle.key, "count")
        count_up(count_key, timeout=memory)
        cache.touch(count_key, memory)
        cache.set(throttle.key, {"at": now, "label": label}, timeout=memory)


def account_throttle_clear(username: str) -> bool:
    """Forget an account's failures (a right password, or the IT officer); True if there were any."""
    return _forget(_account_key(_name_digest(username)))


def _forget(key: str) -> bool:
    cache = state_cache()
    count_key = _beside(key, "count")
    found = cache.get_many([key, count_key])
    cache.delete_many([key, count_key])
    return bool(found.get(count_key) or found.get(key))


def throttles_here(limit: int = 500) -> list[Throttle]:
    """The current schema's counted accounts and addresses, most failures first (the store's own
    keys, read with SCAN: a page for the IT officer, not a hot path)."""
    from django.conf import settings

    cache = state_cache()
    client = cache._cache.get_client(None, write=False)  # type: ignore[attr-defined]
    pattern = _glob_escape(cache.make_key(_PREFIX)) + "*"
    reverse = import_string(settings.CACHES["state"]["REVERSE_KEY_FUNCTION"])
    found: list[Throttle] = []
    for raw in client.scan_iter(match=pattern, count=1000):
        key = reverse(raw.decode() if isinstance(raw, bytes) else str(raw))
        if key.startswith(_PREFIX + "address:"):
            ip = key.removeprefix(_PREFIX + "address:")
            throttle = _read(key, settings.LOGIN_ADDRESS_FAILURE_LIMIT, "address", ip)
        else:
            throttle = _read(key, settings.AXES_FAILURE_LIMIT, "account", key.rsplit(":", 1)[-1])
        if throttle.failures:
            found.append(throttle)
        if len(found) >= limit:
            break
    return sorted(found, key=lambda t: (-t.failures, -t.last))


def throttle_find(kind: str, ident: str) -> Throttle | None:
    """One of this schema's throttles by what the page shows for it; None if it is not counting."""
    from django.conf import settings

    if kind == "account" and _HEX64.fullmatch(ident):
        found = _read(_account_key(ident), settings.AXES_FAILURE_LIMIT, "account", ident)
    elif kind == "address" and _is_address(ident):
        found = _read(_address_key(ident), settings.LOGIN_ADDRESS_FAILURE_LIMIT, "address", ident)
    else:
        return None
    return found if found.failures else None


def throttle_forget(throttle: Throttle) -> bool:
    return _forget(throttle.key)


def _is_address(value: str) -> bool:
    import ipaddress

    if value == "-":
        return True
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _glob_escape(value: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", value)
