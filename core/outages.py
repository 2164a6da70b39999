"""A service that is away is a 503 with a sentence, not a 500: Django's `handler500` of every host.

When PostgreSQL stops or restarts, the file store (S3) does not answer, or Redis is away where a
guard needs it (a login's throttle, a rate limit, a lock: core/cache.py), the request's error
reaches Django's last handler. It answers 503 with `Retry-After` (a page, or JSON with `detail` on
the API) and names neither the service's address nor the error. Nothing half-done stays behind:
each write is one transaction, rolled back by the error. The page renders from a template alone:
no database, no session, no cache. Any other error is still the plain 500.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from core.errors import ApplicationError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def _storage_errors() -> tuple[type[BaseException], ...]:
    """Errors of an S3 endpoint that cannot be reached or gives up (not a refusal of the request)."""
    try:
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import HTTPClientError
    except ImportError:  # pragma: no cover  (boto3 is a dependency; kept importable without it)
        return ()
    return (BotoConnectionError, HTTPClientError)


def unavailable_service(exc: BaseException | None) -> str:
    """'database', 'storage' or 'cache' when `exc` (or what caused it) says that service is away;
    else ''."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OperationalError | InterfaceError):
            return "database"
        if isinstance(exc, _storage_errors()):
            return "storage"
        if isinstance(exc, RedisError):
            return "cache"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return ""


def storage_unavailable_error() -> ApplicationError:
    """What a service raises when a file could not be written because the store is away: a 503
    with a sentence on the form, the page's message or the API's `detail`."""
    return ApplicationError(
        _("Kho lưu trữ tệp tạm thời không truy cập được; tệp chưa được lưu. Vui lòng thử lại sau ít phút."),
        code="storage_unavailable",
        status=503,
    )


def _wants_json(request: HttpRequest) -> bool:
    return "/api/" in request.path or "application/json" in request.headers.get("Accept", "")


def server_error(request: HttpRequest) -> HttpResponse:
    service = unavailable_service(sys.exc_info()[1])
    if not service:
        return HttpResponse(
            render_to_string("errors/server_error.html"), status=500, content_type="text/html; charset=utf-8"
        )
    logger.warning("answering 503: the %s is unavailable", service, extra={"service": service})
    messages = {
        "database": _("Cơ sở dữ liệu tạm thời không truy cập được. Vui lòng thử lại sau ít phút."),
        "storage": storage_unavailable_error().message,
        "cache": _(
            "Bộ nhớ dùng chung của hệ thống tạm thời không truy cập được, "
            "nên thao tác này chưa được thực hiện. Vui lòng thử lại sau ít phút."
        ),
    }
    message = messages[service]
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse({"detail": message, "code": f"{service}_unavailable"}, status=503)
    else:
        body = render_to_string("errors/unavailable.html", {"message": message})
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
