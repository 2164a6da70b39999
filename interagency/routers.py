"""Which schema each interagency table lives in.

The app is in both SHARED_APPS and TENANT_APPS; without this, every table would exist in every
schema, and the agencies' outbox (with its foreign keys to qlvbdh) could not be created in the
public schema, where qlvbdh has no tables. Listed before django-tenants' router.
"""

from __future__ import annotations

from typing import Any

PUBLIC_MODELS = frozenset(
    {"organisation", "hubpacket", "hubdelivery", "hubattempt", "federationpeer", "signingauthority"}
)
TENANT_MODELS = frozenset({"outboxentry", "inboxitem", "receivedpacket", "exchangestatus", "signingkey"})


class InteragencyPlacementRouter:
    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        if app_label != "interagency" or model_name is None:
            return None
        from core.tenancy import current_schema, public_schema_name

        in_public = current_schema() == public_schema_name()
        if model_name in PUBLIC_MODELS:
            return None if in_public else False
        if model_name in TENANT_MODELS:
            return False if in_public else None
        return None
