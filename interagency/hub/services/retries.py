"""How often and how long the hub tries a delivery: exponential back-off, then a dead letter."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


class DeliveryFailed(Exception):
    """A delivery try failed; `permanent` sends it straight to the dead letters."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def max_attempts() -> int:
    return int(getattr(settings, "HUB_MAX_ATTEMPTS", 8))


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling after each failed try, at most 6 hours."""
    base = float(getattr(settings, "HUB_RETRY_BASE_SECONDS", 30))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))
