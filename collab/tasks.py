"""Celery entry points of collab: ids in, a service call, nothing else."""

from __future__ import annotations

from django.db import OperationalError

from config.celery import app


@app.task(
    acks_late=True, ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8
)
def library_extract_task(version_id: str) -> None:
    from collab.services.library import version_extract

    version_extract(version_id=version_id)  # idempotent: a redelivery changes nothing
