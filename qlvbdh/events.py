"""What happens to a document, announced to the apps that act on it (the hub's exchange).

qlvbdh imports none of its subscribers: an app subscribes in its `AppConfig.ready()`.
Subscribers run inside the announcing service's transaction, on purpose: the exchange's outbox
row must commit with the document or not at all (a transactional outbox). A subscriber defers
its own side effects (tasks, mail) with `transaction.on_commit`.

    events.subscribe(events.DocumentIssued, outbox_document_issued)
    events.publish(events.DocumentIssued(actor=actor, document=document))
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from core.audit import Actor
    from qlvbdh.models import Document


class Stage(StrEnum):
    """How far the agency has got with an incoming document."""

    DIRECTED = "directed"  # the head gave direction and assigned it
    IN_PROGRESS = "in_progress"  # someone reported or passed it on
    FINISHED = "finished"  # every assignment is closed


@dataclass(frozen=True)
class DocumentIssued:
    actor: Actor
    document: Document


@dataclass(frozen=True)
class DocumentRevoked:
    """An issued document was revoked, or replaced by a newer one (`reason` says which)."""

    actor: Actor
    document: Document
    reason: str


@dataclass(frozen=True)
class DocumentProgressed:
    document: Document
    stage: Stage


Event = DocumentIssued | DocumentRevoked | DocumentProgressed
E = TypeVar("E", DocumentIssued, DocumentRevoked, DocumentProgressed)

_subscribers: defaultdict[type[Any], list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    if handler not in _subscribers[event_type]:  # ready() may run twice in tests
        _subscribers[event_type].append(handler)


def publish(event: Event) -> None:
    for handler in _subscribers[type(event)]:
        handler(event)


# --- the document page -----------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """A section another app adds to the document page: its template and context."""

    template: str
    context: dict[str, Any]


PanelProvider = Callable[[Any, "Document"], "Panel | None"]
_panels: list[PanelProvider] = []


def add_document_panel(provider: PanelProvider) -> None:
    if provider not in _panels:
        _panels.append(provider)


def document_panels(*, reader: Any, document: Document) -> list[Panel]:
    return [panel for provider in _panels if (panel := provider(reader, document)) is not None]
