"""Panels other apps add to the workspace home, without the home's app importing them.

An app registers a function from its `AppConfig.ready()`; the home calls each with the request and
shows what it returns: a dict with `template` (included with the dict as `panel`), or None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

Panel = Callable[[HttpRequest], dict[str, Any] | None]

_panels: dict[str, Panel] = {}


def register_home_panel(name: str, panel: Panel) -> None:
    """Registering the same name again replaces nothing and adds nothing."""
    _panels.setdefault(name, panel)


def home_panels(request: HttpRequest) -> list[dict[str, Any]]:
    shown = []
    for name in sorted(_panels):
        panel = _panels[name](request)
        if panel is not None:
            shown.append(panel)
    return shown
