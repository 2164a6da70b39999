"""Waking the hub's workers after commit: a PostgreSQL NOTIFY for the `hub work` processes that
LISTEN (they wake at once instead of at their next poll) and a Celery message for the task
workers; the beat sweep and the pollers cover a lost one.

Inside the hub's own loop (`loop_follows`) no Celery message is sent: the loop relays and delivers
what it writes in its next round."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection

from core.tenancy import in_public
from interagency.hub.tasks import hub_deliver_task

logger = logging.getLogger(__name__)

CHANNEL = "tinhso_hub"
# A payload naming no agency: deliveries are due (an agency's relay names its schema).
DELIVERIES = ""

_loop_follows: ContextVar[bool] = ContextVar("hub_loop_follows", default=False)


@contextmanager
def loop_follows() -> Iterator[None]:
    token = _loop_follows.set(True)
    try:
        yield
    finally:
        _loop_follows.reset(token)


def in_loop() -> bool:
    """True inside the hub's loop, which takes on what it writes without a task."""
    return _loop_follows.get()


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
