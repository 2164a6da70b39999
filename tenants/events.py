"""What happens to a whole tenant, announced to the apps that must act on it.

tenants imports none of its subscribers; an app subscribes in its `AppConfig.ready()`. Today one
event: a tenant's schema was brought back to an earlier moment (a restore in place, by the backups
app), so what the hub carried to or from it since then is missing from it. Each subscriber returns
a summary (JSON-able) that the publisher records in its audit entry.

    events.subscribe_restored(exchange_replay_after_restore)
    summaries = events.publish_restored(events.TenantRestored(actor=actor, tenant=tenant, since=t))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.audit import Actor
    from tenants.models import Tenant


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
