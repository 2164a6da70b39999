"""The two caches (core/cache.py) against a real Redis of the test's own that is stopped.

Guarantees: the default cache's reads miss and its writes are skipped, with one warning for many
calls; its add/incr/decr raise (locks and counters). The "state" cache raises on everything, so the
login throttle and rate limits cannot read an outage as "nothing counted"; such an error is the
cache's 503 (core.outages). Both work again as soon as Redis is back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from redis.exceptions import RedisError

from accounts.security import login_failure_add, login_wait
from core import cache as core_cache
from core.outages import server_error, unavailable_service
from core.ratelimits import window_count, window_hit
from tests.faults.servers import RedisServer

pytestmark = pytest.mark.faults


@pytest.fixture
def redis(settings) -> Iterator[RedisServer]:
    """Both aliases on a Redis of the test's own (as config/settings.py makes them)."""
    server = RedisServer()
    server.start()
    settings.CACHES = {
        name: {**entry, "LOCATION": server.url, "KEY_PREFIX": "faults"}
        for name, entry in settings.CACHES.items()
    }
    core_cache._warned_at = float("-inf")  # this test's warnings are its own
    try:
        yield server
    finally:
        server.stop()


def test_the_default_cache_misses_and_skips_while_redis_is_away(redis, caplog):
    cache.set("kept", "before")
    assert cache.get("kept") == "before"

    redis.stop()

    caplog.set_level(logging.WARNING, logger="core.cache")
    assert cache.get("kept") is None
    assert cache.get("kept", "fallback") == "fallback"
    assert cache.get_many(["kept", "other"]) == {}
    assert cache.has_key("kept") is False
    cache.set("new", 1)
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # Django's contract: the keys not stored
    assert cache.touch("kept") is False
    assert cache.delete("kept") is False
    cache.delete_many(["a", "b"])
    warnings = [r for r in caplog.records if r.name == "core.cache"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # one warning, not one a call
    assert "unreachable" in warnings[0].getMessage()
    # locks and counters are not caching: "could not reach it" is neither "took it" nor "held"
    with pytest.raises(RedisError):
        cache.add("lock", 1)
    with pytest.raises(RedisError):
        cache.incr("counter")
    with pytest.raises(RedisError):
        cache.decr("counter")

    redis.start()  # empty: it kept nothing on disk

    assert cache.get("kept") is None
    cache.set("kept", "after")
    assert cache.get("kept") == "after"
    assert cache.add("lock", 1) is True


@pytest.mark.django_db
def test_login_throttles_and_rate_limits_fail_closed_while_redis_is_away(redis):
    request = RequestFactory().post("/login/", REMOTE_ADDR="203.0.113.9")
    login_failure_add(request, "vanthu")
    assert window_hit("faults", "203.0.113.9", seconds=60).count == 1

    redis.stop()

    # a wait that cannot be read is no wait of zero: the login is not heard (a 503)
    for guarded in (
        lambda: login_wait(request, "vanthu"),
        lambda: login_failure_add(request, "vanthu"),
        lambda: window_hit("faults", "203.0.113.9", seconds=60),
        lambda: window_count("faults", "203.0.113.9", seconds=60),
    ):
        with pytest.raises(RedisError) as raised:
            guarded()
        assert unavailable_service(raised.value) == "cache"

    redis.start()

    assert login_wait(request, "vanthu") == 0  # what a Redis without persistence forgets
    assert window_count("faults", "203.0.113.9", seconds=60).count == 0


def test_a_redis_error_is_answered_503_with_a_sentence(settings):
    request = RequestFactory().get("/api/v1/me/")
    try:
        raise RedisError("Connection refused")
    except RedisError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.content.decode()
    assert '"code": "cache_unavailable"' in body
    assert "Connection refused" not in body
