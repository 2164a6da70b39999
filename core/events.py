"""In-process events between apps: app A announces what happened, app B subscribes in its
`AppConfig.ready()`; A never imports B (STYLE.md, "An interface where apps meet")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any


class EventBus:
    def __init__(self) -> None:
        self._subscribers: defaultdict[type[Any], list[Callable[[Any], None]]] = defaultdict(list)

    def subscribe(self, event_type: type[Any], handler: Callable[[Any], None]) -> None:
        if handler not in self._subscribers[event_type]:  # ready() may run twice in tests
            self._subscribers[event_type].append(handler)

    def handlers(self, event: Any) -> list[Callable[[Any], None]]:
        return list(self._subscribers[type(event)])
