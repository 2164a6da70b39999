"""The public pages' cache. Keys carry the schema (the cache's KEY_FUNCTION), the host and a
generation number per tenant; publishing or taking down anything bumps the generation, so every
cached page of that tenant is stale at once (a published change shows at the next request).

With Redis away pages are served uncached (core/cache.py: a read misses, a write is skipped). The
generation is a counter (`add`, `incr`), which raises then: no generation, no caching; a bump that
could not be made is logged, and pages cached before it live out PORTAL_PAGE_CACHE_SECONDS."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from hashlib import sha256
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_GENERATION = "portal:pages:generation"


def _generation() -> int | None:
    """The tenant's generation; None while Redis is away (then nothing is cached)."""
    value = cache.get(_GENERATION)
    if value is None:
        try:
            cache.add(_GENERATION, 1, timeout=None)
        except RedisError:
            return None
        value = cache.get(_GENERATION) or 1
    return int(value)


def page_cache_clear() -> None:
    """After the publishing transaction commits (a rolled-back publish clears nothing it needs to)."""

    def bump() -> None:
        try:
            cache.incr(_GENERATION)
        except ValueError:
            cache.add(_GENERATION, 2, timeout=None)
        except RedisError:
            logger.warning("the cache is unreachable: the portal's cached pages were not made stale")

    transaction.on_commit(bump)


def _key(request: HttpRequest) -> str | None:
    generation = _generation()
    if generation is None:
        return None
    raw = f"{request.get_host()}|{request.get_full_path()}|{request.LANGUAGE_CODE}"
    return f"portal:page:{generation}:{sha256(raw.encode()).hexdigest()}"


def cached_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cache a public GET answer of 200 for anonymous visitors; anyone signed in sees it fresh."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        cacheable = request.method in ("GET", "HEAD") and not request.user.is_authenticated
        key = _key(request) if cacheable and settings.PORTAL_PAGE_CACHE_SECONDS > 0 else None
        if key is None:
            return view(request, *args, **kwargs)
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            response = HttpResponse(content, content_type=content_type)
            response["X-Portal-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(
                key, (response.content, response["Content-Type"]), timeout=settings.PORTAL_PAGE_CACHE_SECONDS
            )
        return response

    return wrapper
