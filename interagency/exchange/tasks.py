"""Celery entry points of an agency's exchange: thin, idempotent, safe to run twice or to lose
(the hub's beat sweep relays whatever a lost message left behind)."""

from __future__ import annotations

from django.db import OperationalError

from config.celery import app


@app.task(
    acks_late=True, ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8
)
def outbox_relay_task(schema_name: str) -> None:
    from interagency.exchange.services.relay import outbox_relay_in

    outbox_relay_in(schema_name=schema_name)


# The name this task had before `interagency` was split (see interagency.hub.tasks).
app.task(
    name="interagency.tasks.outbox_relay_task",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)(outbox_relay_task.run)
