"""The Celery app. Tenant-aware (tenant-schemas-celery): a task queued while a tenant's schema
is active carries that schema in its headers and runs in it."""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("tinhso")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
