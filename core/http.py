"""Facts about the HTTP client that every app records the same way."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[_Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _trusted(address: str, networks: tuple[_Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, unless that is one of TRUSTED_PROXIES.

    From our own proxy, X-Forwarded-For is read right to left past our proxies' entries; the first
    other entry is the client (anything left of it the client wrote). From anyone else it is ignored.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if remote is None or not networks or not _trusted(remote, networks):
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    for entry in reversed(forwarded):
        if not _trusted(entry, networks):
            try:
                return str(ipaddress.ip_address(entry))
            except ValueError:
                return remote  # not an address: someone wrote it, not our proxy
    return remote


def client_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:255]
