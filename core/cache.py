"""The project's cache (Redis), and what happens when it is away.

Two aliases share one Redis, its key prefix and its keys (`settings.CACHES`):

- "default" (`django.core.cache.cache`) is read-through caching: the portal's pages, Wagtail's site
  paths, a peer's "last seen". With Redis away a read is a miss, a write or delete is skipped, and
  a warning is logged (at most one a minute per process): pages are served, only slower.
  Its `add`, `incr` and `decr` still raise: they are locks and counters, and "could not reach the
  lock" must read neither as "took it" nor as "someone holds it".
- "state" (`state_cache()`) holds what a guard decides by: login throttles, rate-limit counters,
  locks, the maintenance mark. Every operation raises `RedisError`, so a guard fails closed; the
  request answers 503 with a sentence (core.outages).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, TypeVar

from django.core.cache import BaseCache, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")

WARN_EVERY_SECONDS = 60.0
_warned_at = float("-inf")
_unwarned = 0
_warning_lock = threading.Lock()


def state_cache() -> BaseCache:
    """The cache whose every operation raises while Redis is away (see the module's docstring)."""
    return caches["state"]


def _outage(operation: str, error: RedisError) -> None:
    """Log the outage once per WARN_EVERY_SECONDS (a dead Redis is asked on every request)."""
    global _warned_at, _unwarned
    now = time.monotonic()
    with _warning_lock:
        if now - _warned_at < WARN_EVERY_SECONDS:
            _unwarned += 1
            return
        _warned_at, unwarned, _unwarned = now, _unwarned, 0
    logger.warning(
        "the cache is unreachable (%s): %s skipped, %d more since the last warning",
        type(error).__name__,
        operation,
        unwarned,
        extra={"service": "cache"},
    )


def _tolerated(operation: str, call: Callable[[], T], fallback: T) -> T:
    try:
        return call()
    except RedisError as error:
        _outage(operation, error)
        return fallback


class TolerantRedisCache(RedisCache):
    """Django's RedisCache whose reads miss and whose writes are skipped while Redis is away."""

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return _tolerated("get", partial(super().get, key, default, version), default)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        return _tolerated("get_many", partial(super().get_many, keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return _tolerated("has_key", partial(super().has_key, key, version), False)

    def set(
        self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        _tolerated("set", partial(super().set, key, value, timeout, version), None)

    def set_many(
        self, data: dict[Any, Any], timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        # Django's contract: the keys that were not stored.
        return _tolerated("set_many", partial(super().set_many, data, timeout, version), list(data))

    def touch(self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return _tolerated("touch", partial(super().touch, key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return _tolerated("delete", partial(super().delete, key, version), False)

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        _tolerated("delete_many", partial(super().delete_many, keys, version), None)
