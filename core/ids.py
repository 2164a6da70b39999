"""Identifiers as they arrive in URLs and forms."""

from __future__ import annotations

import uuid


def is_uuid(value: str) -> bool:
    """Whether `value` parses as a UUID, so a lookup by it cannot raise on bad input."""
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True
