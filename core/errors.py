"""Errors that carry a message for the user (business rules), as opposed to PermissionDenied (who)."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    def __init__(self, message: str, *, code: str = "invalid", extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
