"""Counters in fixed time windows, kept in the project's cache (Redis): how often something happened
in the current window, and how long until that window ends (the `Retry-After` of a 429).

Keys carry the window's number, so a window ends by itself (its key expires) and every process
of every web server counts against the same key. The clock is `time.time`, read through `clock` so
a test can step past a window instead of sleeping through it.

The counters are in the "state" cache (core/cache.py): with Redis away counting raises (a 503),
rather than every window reading as empty.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from core.cache import state_cache


def clock() -> float:
    return time.time()


@dataclass(frozen=True)
class Window:
    """`count` events so far in the window that ends in `retry_after` seconds."""

    count: int
    retry_after: int

    def over(self, limit: int) -> bool:
        return self.count > limit


def _key(name: str, subject: str, seconds: int) -> tuple[str, int]:
    now = clock()
    number = int(now // seconds)
    # Subjects come from the client (a claimed system id, an address): hashed, so keys stay short.
    digest = hashlib.sha256(subject.encode("utf-8", "replace")).hexdigest()[:32]
    retry_after = max(1, math.ceil((number + 1) * seconds - now))
    return f"ratelimit:{name}:{digest}:{number}", retry_after


def count_up(key: str, *, timeout: int) -> int:
    """Add one to the cache counter `key` (made with `timeout` seconds to live); returns the count."""
    cache = state_cache()
    # add() sets the expiry once; incr() keeps it. Two processes racing on add: one adds, both incr.
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def window_hit(name: str, subject: str, *, seconds: int) -> Window:
    """Count one event for `subject` now; returns the count including it."""
    key, retry_after = _key(name, subject, seconds)
    return Window(count_up(key, timeout=seconds + 1), retry_after)


def window_count(name: str, subject: str, *, seconds: int) -> Window:
    """The count for `subject` in the current window, without counting anything."""
    key, retry_after = _key(name, subject, seconds)
    return Window(int(state_cache().get(key) or 0), retry_after)
