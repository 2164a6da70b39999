"""Celery entry points of the portal: scheduled publishing (a secretary's "publish at") in every
tenant, through Wagtail's own `publish_scheduled` command in each tenant's schema."""

from __future__ import annotations

import io

from django.core.management import call_command

from config.celery import app


@app.task(acks_late=True)
def publish_scheduled() -> None:
    # Wagtail publishes what fell due and unpublishes what expired; safe to run twice.
    call_command("publish_scheduled", stdout=io.StringIO())


@app.task(acks_late=True)
def publish_scheduled_all_tenants() -> int:
    from core.tenancy import in_tenant
    from tenants.models import Tenant

    queued = 0
    for tenant in Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(schema_name="public"):
        with in_tenant(tenant):
            publish_scheduled.delay()
        queued += 1
    return queued
