"""Celery entry points of the portal: scheduled publishing (a secretary's "publish at") in every
tenant, through Wagtail's own `publish_scheduled` command in each tenant's schema; the reminders
of event deadlines (P6), queued per tenant so each message carries its schema."""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command

from config.celery import app


@app.task(acks_late=True)
def publish_scheduled() -> None:
    # Wagtail publishes what fell due and unpublishes what expired; safe to run twice.
    call_command("publish_scheduled", stdout=io.StringIO())


def _queue_in_each_tenant(task: Any) -> int:
    from core.tenancy import in_tenant
    from tenants.models import Tenant

    queued = 0
    for tenant in Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(schema_name="public"):
        with in_tenant(tenant):
            task.delay()
        queued += 1
    return queued


@app.task(acks_late=True)
def publish_scheduled_all_tenants() -> int:
    return _queue_in_each_tenant(publish_scheduled)


@app.task(acks_late=True)
def duty_reminders() -> int:
    from portal.services.duties import event_reminders_send

    return event_reminders_send()  # one reminder per event per stage: safe to run twice


@app.task(acks_late=True)
def duty_reminders_all_tenants() -> int:
    return _queue_in_each_tenant(duty_reminders)
