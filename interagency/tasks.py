"""Celery entry points of the hub: thin, idempotent, safe to run twice or to lose (the beat
sweep picks up whatever a lost message left behind)."""

from __future__ import annotations

from django.db import OperationalError

from config.celery import app


@app.task(
    acks_late=True, ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8
)
def outbox_relay_task(schema_name: str) -> None:
    from core.tenancy import in_public, in_schema
    from interagency.services import outbox_relay
    from tenants.models import Tenant

    with in_public():
        if not Tenant.objects.filter(schema_name=schema_name, status=Tenant.Status.ACTIVE).exists():
            return  # archived, suspended or gone since the task was queued; the sweep relays it later
    with in_schema(schema_name):
        outbox_relay()


@app.task(
    acks_late=True, ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8
)
def hub_deliver_task() -> None:
    from interagency.hub import deliver_due

    deliver_due(limit=200)


@app.task(acks_late=True, ignore_result=True)
def hub_sweep_task() -> None:
    """Beat: relay what every agency has waiting, then deliver what is due (retries included)."""
    from interagency.hub import work

    work(rounds=5)
