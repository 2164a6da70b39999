"""What happens to a whole tenant, announced to the apps that must act on it.

tenants imports none of its subscribers: an app subscribes in its `AppConfig.ready()`.

- `TenantCreated` (the portal's site) is delivered after the creating transaction commits, in the
  new tenant's schema; a subscriber must be safe to run twice (it may also be run by hand for an
  older tenant).
- `TenantRestored`: a tenant's schema was brought back to an earlier moment (a restore in place,
  by the backups app), so what the hub carried to or from it since then is missing from it. Each
  subscriber returns a summary (JSON-able) that the publisher records in its audit entry.

    events.subscribe_restored(exchange_replay_after_restore)
    summaries = events.publish_restored(events.TenantRestored(actor=actor, tenant=tenant, since=t))
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.events import EventBus

if TYPE_CHECKING:
    from core.audit import Actor
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


@dataclass(frozen=True)
class TenantRestored:
    actor: Actor
    tenant: Tenant
    since: datetime  # the restored data is as of this moment (or a little later)


_restored: list[Callable[[TenantRestored], dict[str, Any]]] = []


def subscribe_restored(handler: Callable[[TenantRestored], dict[str, Any]]) -> None:
    if handler not in _restored:  # ready() may run twice in tests
        _restored.append(handler)


def publish_restored(event: TenantRestored) -> list[dict[str, Any]]:
    """Run every subscriber (after the restore committed); their summaries, in order."""
    return [handler(event) for handler in _restored]
