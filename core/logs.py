"""Every log line says which tenant and which request (or task) it belongs to.

The request id comes from our ingress (`X-Request-ID`) when it is a sane token, else a new one; it
goes back in the response header, travels with the Celery tasks the request queues, and is the task
id in a task started by beat. The tenant is the schema the thread's connection is on.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

_request_id: ContextVar[str] = ContextVar("tinhso_request_id", default="")
# What a client may hand us as its request id: nothing that could break a log line or a header.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
HEADER = "X-Request-ID"

# logging.config's description of a JSON line (python-json-logger): time in UTC ISO 8601, level,
# logger, tenant, request id, message, and whatever `extra` a call adds. Settings and gunicorn share it.
JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(levelname)s %(name)s %(tenant)s %(request_id)s %(message)s",
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": "time",
}


def request_id() -> str:
    return _request_id.get()


def request_id_begin(offered: str | None = None) -> Any:
    """Start a request's (or task's) id; returns the token `request_id_end` takes back."""
    value = offered if offered and _SANE_ID.fullmatch(offered) else uuid.uuid4().hex
    return _request_id.set(value)


def request_id_end(token: Any) -> None:
    _request_id.reset(token)


def _current_schema() -> str:
    # Before Django is set up (gunicorn's master) there is no connection to ask.
    try:
        from django.db import connection

        tenant = getattr(connection, "tenant", None)
        return str(getattr(tenant, "schema_name", None) or getattr(connection, "schema_name", "") or "")
    except Exception:
        return ""


class ContextFilter(logging.Filter):
    """Adds `tenant` (the connection's schema) and `request_id` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.tenant = _current_schema() or "-"
        record.request_id = _request_id.get() or "-"
        return True


def celery_signals_connect() -> None:
    """A task logs under the id of the request that queued it, or under its own id."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    tokens: dict[str, Any] = {}

    def publish(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if headers is not None and _request_id.get():
            headers.setdefault("tinhso_request_id", _request_id.get())

    def prerun(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
        offered = getattr(getattr(task, "request", None), "tinhso_request_id", None)
        tokens[task_id] = request_id_begin(offered or task_id)

    def postrun(task_id: str = "", **kwargs: Any) -> None:
        token = tokens.pop(task_id, None)
        if token is not None:
            request_id_end(token)

    before_task_publish.connect(publish, weak=False, dispatch_uid="core.logs.publish")
    task_prerun.connect(prerun, weak=False, dispatch_uid="core.logs.prerun")
    task_postrun.connect(postrun, weak=False, dispatch_uid="core.logs.postrun")
