"""Readiness: can this process serve? PostgreSQL, Redis and the file store each answer, quickly.

Each check returns None when the service answers, else a short reason for the log; the probe's
answer names only the service, never a host or a credential.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0


def postgresql() -> str | None:
    from django.db import connections

    connection = connections["default"]
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        # A broken connection is not kept: the next probe (or request) connects afresh.
        connection.close()
        return type(error).__name__
    return None


def redis() -> str | None:
    import redis as redis_client

    client = redis_client.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except Exception as error:
        return type(error).__name__
    finally:
        client.close()
    return None


def storage() -> str | None:
    """The tenant files' bucket and the backups' bucket when configured, else the local folders."""
    buckets = [name for name in (settings.S3_BUCKET, settings.BACKUP_S3_BUCKET) if name]
    if not buckets:
        for folder in (settings.MEDIA_ROOT, settings.BACKUP_DIR):
            if folder.exists() and not os.access(folder, os.W_OK):
                return f"{folder.name} not writable"
        return None
    from core.storage import s3_client

    client = s3_client(attempts=1, connect_timeout=TIMEOUT_SECONDS, read_timeout=TIMEOUT_SECONDS)
    try:
        for bucket in buckets:
            client.head_bucket(Bucket=bucket)
    except Exception as error:
        return type(error).__name__
    finally:
        client.close()
    return None


CHECKS: dict[str, Callable[[], str | None]] = {"postgresql": postgresql, "redis": redis, "storage": storage}


def readiness() -> dict[str, str]:
    """Each service's state, "ok" or "fail"; failures are logged with their reason."""
    states = {}
    for name, check in CHECKS.items():
        reason = check()
        states[name] = "ok" if reason is None else "fail"
        if reason is not None:
            logger.warning("readiness: %s is not available (%s)", name, reason)
    return states
