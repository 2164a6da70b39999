"""The first middleware: request ids, request metrics and the access log line, and the probes.

`/healthz` (alive), `/readyz` (PostgreSQL, Redis and the file store answer) and `/metrics` are
answered here, before the tenant routing: the kubelet and Prometheus call a pod by its address,
a host no tenant has, and neither needs a tenant.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from core import logs, metrics, readiness

access_log = logging.getLogger("tinhso.request")


def _healthz() -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def _readyz() -> HttpResponse:
    states = readiness.readiness()
    ready = all(state == "ok" for state in states.values())
    response = JsonResponse(
        {"status": "ok" if ready else "fail", "checks": states}, status=200 if ready else 503
    )
    response["Cache-Control"] = "no-store"
    return response


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return _healthz()
        if request.path == "/readyz":
            return _readyz()
        if request.path == "/metrics":
            return metrics.metrics_response(request)

        token = logs.request_id_begin(request.META.get("HTTP_X_REQUEST_ID"))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            kind, purpose = metrics.request_observe(request, response.status_code, seconds)
            response[logs.HEADER] = logs.request_id()
            access_log.info(
                "%s %s %s %.0fms",
                request.method,
                request.path,
                response.status_code,
                seconds * 1000,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "kind": kind,
                    "purpose": purpose,
                },
            )
            return response
        finally:
            logs.request_id_end(token)
