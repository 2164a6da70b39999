"""Celery entry points of QLVBĐH: ids in, call a service. The tenant travels in the message
(tenant-schemas-celery), so an attachment id is looked up in the schema that queued it."""

from __future__ import annotations

from django.db import OperationalError

from config.celery import app


@app.task(
    acks_late=True, ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8
)
def attachment_analyse_task(attachment_id: str) -> None:
    from qlvbdh.services.attachments import attachment_analyse

    attachment_analyse(attachment_id=attachment_id)  # idempotent: a redelivery changes nothing
