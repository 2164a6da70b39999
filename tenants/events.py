"""What happens to a tenant, announced to the apps that prepare its schema (the portal's site).

tenants imports none of its subscribers: an app subscribes in its `AppConfig.ready()`.
`TenantCreated` is delivered after the creating transaction commits, in the new tenant's schema;
a subscriber must be safe to run twice (it may also be run by hand for an older tenant).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.events import EventBus

if TYPE_CHECKING:
    from tenants.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TenantCreated:
    tenant: Tenant


@dataclass(frozen=True)
class SpareMigrated:
    """A spare schema is migrated: subscribers fill what every tenant starts with, so that a tenant
    claiming it later only renames things (the pool keeps a new tenant quick)."""

    schema_name: str


_bus = EventBus()


def subscribe(event_type: type[Any], handler: Callable[[Any], None]) -> None:
    _bus.subscribe(event_type, handler)


def spare_migrated(schema_name: str) -> None:
    """Run in the spare's schema; a failure fails the spare (it is dropped and never used)."""
    from core.tenancy import in_schema

    event = SpareMigrated(schema_name=schema_name)
    with in_schema(schema_name):
        for handler in _bus.handlers(event):
            handler(event)


def publish(event: TenantCreated) -> None:
    """Run after the tenant committed: a failing subscriber is logged and never undoes the tenant
    (its work is idempotent; `manage.py portal ensure-sites` does it again)."""
    from core.tenancy import in_tenant

    with in_tenant(event.tenant):
        for handler in _bus.handlers(event):
            try:
                handler(event)
            except Exception:
                logger.exception("%s failed for the new tenant %s", handler, event.tenant.schema_name)
