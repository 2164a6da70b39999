"""Fixtures of the accounts tests."""

from __future__ import annotations

from typing import Any

import pytest

from core import ratelimits


class Clock:
    """Steps `core.ratelimits.clock`, the one clock the login throttle reads, instead of sleeping."""

    def __init__(self, monkeypatch: Any) -> None:
        self.now = ratelimits.clock()
        monkeypatch.setattr(ratelimits, "clock", lambda: self.now)

    def step(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    return Clock(monkeypatch)
