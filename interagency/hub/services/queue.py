"""Waking the hub's workers after commit: a PostgreSQL NOTIFY for the `hub work` processes that
LISTEN (they wake at once instead of at their next poll) and a Celery message for the task
workers; the beat sweep and the pollers cover a lost one.

Inside the hub's own loop (`loop_follows`) nothing is sent: the loop relays and delivers what it
writes in its next round (`loop_written` names the agencies), and the other workers are not woken
for it (with two workers, each 01 status woke both and one of them searched in vain)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast

from django.db import connection

from core.tenancy import in_public
from interagency.hub.tasks import hub_deliver_task

logger = logging.getLogger(__name__)
T = TypeVar("T")

CHANNEL = "tinhso_hub"
# A payload naming no agency: deliveries are due (an agency's relay names its schema).
DELIVERIES = ""

# Inside the loop: the agencies whose outbox it wrote to since its last round (None: not in a loop).
_loop_follows: ContextVar[set[str] | None] = ContextVar("hub_loop_follows", default=None)
# Inside the loop: what `loop_memo` kept, with when. A busy loop can run for minutes, so it is
# kept MEMO_SECONDS at most.
_loop_memo: ContextVar[dict[Any, tuple[float, Any]] | None] = ContextVar("hub_loop_memo", default=None)
MEMO_SECONDS = 30.0


@contextmanager
def loop_follows() -> Iterator[None]:
    token = _loop_follows.set(set())
    memo_token = _loop_memo.set({})
    try:
        yield
    finally:
        left = _loop_follows.get() or set()
        _loop_follows.reset(token)
        _loop_memo.reset(memo_token)
        for schema in sorted(left):  # the loop stopped before relaying them: another worker will
            try:
                workers_wake(schema)
            except Exception:
                logger.warning("hub: could not wake a relay of %s; the sweep will", schema, exc_info=True)


def in_loop() -> bool:
    """True inside the hub's loop, which takes on what it writes without a task."""
    return _loop_follows.get() is not None


def loop_memo(key: Any, make: Callable[[], T]) -> T:
    """Inside the loop, `make()` once per `key` and MEMO_SECONDS (what every batch would look up
    again: the province's trust roots, an agency's signing key); outside it, `make()` each time."""
    memo = _loop_memo.get()
    if memo is None:
        return make()
    now = time.monotonic()
    kept = memo.get(key)
    if kept is None or now - kept[0] > MEMO_SECONDS:
        kept = (now, make())
        memo[key] = kept
    return cast(T, kept[1])


def loop_wrote(schema: str) -> None:
    """Inside the loop: this agency's outbox has an entry for the loop's next round (if the write
    rolls back, that round finds nothing)."""
    written = _loop_follows.get()
    if written is not None:
        written.add(schema)


def loop_written() -> set[str]:
    """The agencies the loop wrote to since it last asked (emptied by asking)."""
    written = _loop_follows.get()
    if not written:
        return set()
    taken = set(written)
    written.clear()
    return taken


def workers_wake(payload: str = DELIVERIES) -> None:
    """NOTIFY the listening workers; inside a transaction it is sent at commit, or not at all."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])


def deliver_soon() -> None:
    """After commit: deliveries are due (inside the hub's loop: it delivers them next round)."""
    if in_loop():
        return
    try:
        workers_wake()
        with in_public():
            hub_deliver_task.delay()
    except Exception:
        logger.warning("hub: could not queue a delivery run; the sweep will", exc_info=True)


def listen() -> Any:
    """LISTEN on this process's connection (again after a reconnect); returns the psycopg connection."""
    connection.ensure_connection()
    raw = connection.connection
    if getattr(raw, "_tinhso_listening", False) is False:
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        raw._tinhso_listening = True
    return raw


def wakes(*, timeout: float) -> set[str] | None:
    """Wait up to `timeout` s for NOTIFYs (0: take only those already here). Returns the schemas
    of the agencies that asked for a relay (empty when only deliveries are due), None if none came."""
    raw = listen()
    payloads = {notify.payload for notify in raw.notifies(timeout=timeout, stop_after=1)}
    if payloads and timeout > 0:
        payloads |= {notify.payload for notify in raw.notifies(timeout=0)}  # what came with it
    if not payloads:
        return None
    payloads.discard(DELIVERIES)
    return payloads
