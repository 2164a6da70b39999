from __future__ import annotations

from typing import Any

from config.celery import app


@app.task(acks_late=True)
def tenant_healthcheck() -> dict[str, Any]:
    """Round trip through the queue: reports the schema the worker ran in and what it sees there."""
    from django.contrib.auth import get_user_model

    from core.tenancy import current_schema

    return {"schema": current_schema(), "users": get_user_model().objects.count()}
