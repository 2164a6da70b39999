"""django-tenants' router, for the two aliases of one database (core.dbroles): `default` (the runtime
role) and `owner` (the owner role, which runs the migrations). Theirs allows only its one alias."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django_tenants.routers import TenantSyncRouter as _TenantSyncRouter
from django_tenants.utils import get_public_schema_name

from core.dbroles import OWNER_ALIAS


class TenantSyncRouter(_TenantSyncRouter):
    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        if db not in (DEFAULT_DB_ALIAS, OWNER_ALIAS):
            return False
        public = getattr(connections[db], "schema_name", None) == get_public_schema_name()
        # Always an answer, so theirs (listed after, as django-tenants requires) is never asked.
        return bool(self.app_in_list(app_label, settings.SHARED_APPS if public else settings.TENANT_APPS))
