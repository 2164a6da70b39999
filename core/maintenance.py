"""A tenant under maintenance (a restore in place): its hosts answer with a maintenance page.

The mark lives in the shared cache (Redis) under the public schema, so every web process sees it at
once; it expires on its own (`seconds`), so a crashed restore cannot keep an agency offline forever.
`maintenance_begin` is also the lock: a second restore of the same tenant is refused while it holds.
"""

from __future__ import annotations

from django.core.cache import cache

from core.tenancy import in_public

DEFAULT_SECONDS = 6 * 3600


def _key(schema: str) -> str:
    return f"maintenance:{schema}"


def maintenance_begin(schema: str, *, reason: str, seconds: int = DEFAULT_SECONDS) -> bool:
    """Mark `schema` under maintenance; False if it already is (someone else holds it)."""
    with in_public():
        return bool(cache.add(_key(schema), reason or "maintenance", timeout=seconds))


def maintenance_end(schema: str) -> None:
    with in_public():
        cache.delete(_key(schema))


def maintenance_reason(schema: str) -> str | None:
    """Why `schema` is under maintenance, or None when it is not.

    Asked on every request: with Redis away the mark cannot be read (nor held: it lived there), so
    it reads as absent (the default cache's miss, core/cache.py) and the pages are served rather
    than failing whole. Beginning one (its lock, `cache.add`) still fails while Redis is away."""
    with in_public():
        value = cache.get(_key(schema))
    return None if value is None else str(value)
