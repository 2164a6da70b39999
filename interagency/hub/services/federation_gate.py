"""Who gets through to the federation endpoint, and how often (public schema).

Before the credentials are looked at: a rate per client address, and a block on a system id or an
address that failed authentication too often in a window (429 without checking the secret, so
guessing costs nothing but time). Every failed authentication is logged (never the secret) and
audited. After it: a rate per peer. Limits are settings (`FEDERATION_*`, see the README).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Actor, audit_record
from core.ratelimits import Window, window_count, window_hit
from core.tenancy import in_public
from interagency.hub.models import FederationPeer
from interagency.hub.selectors import PEER_SEEN_KEY
from interagency.hub.services.federation import FederationError, peer_authenticate

logger = logging.getLogger(__name__)

_ADDRESS_RATE = "federation-address"
_PEER_RATE = "federation-peer"
_FAILED_ID = "federation-failed-id"
_FAILED_ADDRESS = "federation-failed-address"
_SEEN_SECONDS = 90 * 24 * 3600


def _too_many(message: str, window: Window, code: str) -> FederationError:
    return FederationError(message, code=code, status=429, extra={"retry_after": window.retry_after})


def _blocking_failures(system_id: str, address: str) -> Window | None:
    """The failure window that blocks this caller now, if any (the longer wait of the two)."""
    seconds = settings.FEDERATION_AUTH_FAILURE_WINDOW_SECONDS
    limit = settings.FEDERATION_AUTH_FAILURE_LIMIT
    windows = [window_count(_FAILED_ADDRESS, address, seconds=seconds)]
    if system_id:
        windows.append(window_count(_FAILED_ID, system_id, seconds=seconds))
    blocking = [window for window in windows if window.count >= limit]
    return max(blocking, key=lambda window: window.retry_after) if blocking else None


def _reason(system_id: str, secret: str) -> str:
    if not system_id or not secret:
        return "missing_credentials"
    with in_public():
        known = FederationPeer.objects.filter(system_id=system_id).first()
    return "wrong_secret" if known is not None else "unknown_system_id"


def _failure_record(system_id: str, address: str, secret: str) -> None:
    seconds = settings.FEDERATION_AUTH_FAILURE_WINDOW_SECONDS
    counts = [window_hit(_FAILED_ADDRESS, address, seconds=seconds).count]
    if system_id:
        counts.append(window_hit(_FAILED_ID, system_id, seconds=seconds).count)
    reason = _reason(system_id, secret)
    throttled = max(counts) >= settings.FEDERATION_AUTH_FAILURE_LIMIT
    claimed = system_id[:64]
    logger.warning(
        "federation: authentication failed for system id %r from %s: %s%s",
        claimed,
        address,
        reason,
        " (now throttled)" if throttled else "",
    )
    try:
        ip: str | None = str(ipaddress.ip_address(address))
    except ValueError:
        ip = None  # kept verbatim in the detail; the audit's address column takes only an IP
    with in_public(), transaction.atomic():
        peer = FederationPeer.objects.filter(system_id=system_id).first() if system_id else None
        audit_record(
            actor=Actor(ip=ip, label="federation"),
            action="hub.peer_auth_failed",
            target=peer,
            system_id=claimed,
            address=address[:64],
            reason=reason,
            failures=max(counts),
            throttled=throttled,
        )


def peer_admit(
    *,
    system_id: str,
    secret: str,
    address: str,
    authenticate: Callable[[], FederationPeer] | None = None,
) -> FederationPeer:
    """The authenticated peer behind a federation request, or a FederationError: 429 (too many
    requests, or too many failed authentications), 401 (who), 403 (paused). `authenticate` checks
    the credentials another way (the VXP API's signed headers, where `secret` is the signature)."""
    address = (address or "-")[:64]
    window = settings.FEDERATION_RATE_WINDOW_SECONDS
    rate = window_hit(_ADDRESS_RATE, address, seconds=window)
    if rate.over(settings.FEDERATION_RATE_PER_ADDRESS):
        raise _too_many(
            _("Quá nhiều yêu cầu từ địa chỉ này; thử lại sau %d giây.") % rate.retry_after,
            rate,
            "rate_limited",
        )
    blocked = _blocking_failures(system_id, address)
    if blocked is not None:
        logger.warning(
            "federation: refused system id %r from %s without checking: too many failed authentications",
            system_id[:64],
            address,
        )
        raise _too_many(
            _("Xác thực sai quá nhiều lần; thử lại sau %d giây.") % blocked.retry_after,
            blocked,
            "auth_throttled",
        )
    try:
        peer = (
            authenticate()
            if authenticate is not None
            else peer_authenticate(system_id=system_id, secret=secret)
        )
    except FederationError as exc:
        if exc.status == 401:
            _failure_record(system_id, address, secret)
        else:
            logger.warning("federation: refused system id %r from %s: %s", system_id[:64], address, exc.code)
        raise
    # The console's "last contact"; a cache write, not a row update per call.
    with in_public():
        cache.set(PEER_SEEN_KEY.format(system_id=peer.system_id), timezone.now(), timeout=_SEEN_SECONDS)
    rate = window_hit(_PEER_RATE, peer.system_id, seconds=window)
    if rate.over(settings.FEDERATION_RATE_PER_PEER):
        raise _too_many(
            _("Quá nhiều yêu cầu từ hệ thống %(peer)s; thử lại sau %(seconds)d giây.")
            % {"peer": peer.system_id, "seconds": rate.retry_after},
            rate,
            "rate_limited",
        )
    return peer
