"""What happens to a person's roles, announced to the apps that derive something from them (the
portal's Wagtail groups). accounts imports none of its subscribers; they subscribe in `ready()`.

Subscribers run inside the granting or revoking transaction, in the tenant's schema, so what they
derive commits with the role or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.events import EventBus

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class RolesChanged:
    user: User


_bus = EventBus()


def subscribe(event_type: type[RolesChanged], handler: Callable[[RolesChanged], None]) -> None:
    _bus.subscribe(event_type, handler)


def publish(event: RolesChanged) -> None:
    for handler in _bus.handlers(event):
        handler(event)
