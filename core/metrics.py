"""Prometheus metrics: what each request, login failure and scrape-time figure contributes.

Under gunicorn each worker is a process of its own: with PROMETHEUS_MULTIPROC_DIR set (the image
sets it) the counters are kept in files there and summed at scrape time (prometheus_client's
multiprocess mode; `config/gunicorn.py` removes a dead worker's gauges). Figures read from the
database or Redis (queues, hub backlog, backup age) are collected when scraped, by the collectors
named in settings.METRICS_COLLECTORS, each in its own app.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "tinhso_http_requests",
    "HTTP requests answered, by the kind of tenant whose host was asked and the host's purpose.",
    ["kind", "purpose", "method", "status"],
)
LATENCY = Histogram(
    "tinhso_http_request_duration_seconds",
    "Time from the first middleware to the response, by tenant kind and host purpose.",
    ["kind", "purpose"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
LOGIN_FAILURES = Counter(
    "tinhso_login_failures",
    "Failed sign-ins (wrong password or second-factor code), by the kind of tenant.",
    ["kind"],
)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def tenant_kind(tenant: Any) -> str:
    """The label of a tenant: its kind (`province` for the public schema), never its name."""
    if tenant is None:
        return "none"
    return str(getattr(tenant, "kind", "") or "none")


def request_observe(request: HttpRequest, status: int, seconds: float) -> tuple[str, str]:
    tenant = getattr(request, "tenant", None)
    domain = getattr(request, "domain", None)
    kind = tenant_kind(tenant)
    purpose = str(getattr(domain, "purpose", "") or "none")
    method = request.method if request.method in METHODS else "OTHER"
    REQUESTS.labels(kind=kind, purpose=purpose, method=method, status=str(status)).inc()
    LATENCY.labels(kind=kind, purpose=purpose).observe(seconds)
    return kind, purpose


def login_failed(sender: Any, **kwargs: Any) -> None:
    """user_login_failed receiver: counted under the kind of tenant the sign-in was for."""
    from django.db import connection

    LOGIN_FAILURES.labels(kind=tenant_kind(getattr(connection, "tenant", None))).inc()


class _Guarded(Collector):
    """A collector that failed (its database is down) costs its own figures, not the scrape."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.collector: Collector = import_string(path)()

    def collect(self) -> Iterable[Any]:
        up = GaugeMetricFamily(
            "tinhso_metrics_collector_up", "1 if the collector's figures were read.", labels=["collector"]
        )
        try:
            families = list(self.collector.collect())
        except Exception:
            logger.exception("metrics: collector %s failed", self.path)
            families = []
            up.add_metric([self.path], 0)
        else:
            up.add_metric([self.path], 1)
        yield from families
        yield up


def _exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        counted = generate_latest(processes)
    else:
        counted = generate_latest(REGISTRY)
    scraped = CollectorRegistry(auto_describe=False)
    for path in settings.METRICS_COLLECTORS:
        scraped.register(_Guarded(path))
    return counted + generate_latest(scraped)


def _loopback(request: HttpRequest) -> bool:
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def metrics_response(request: HttpRequest) -> HttpResponse:
    """The scrape: with METRICS_TOKEN set, for `Authorization: Bearer <token>` only; without it, for
    loopback only (a sidecar or `kubectl port-forward`)."""
    token = settings.METRICS_TOKEN
    if token:
        offered = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(offered.encode(), token.encode()):
            response = HttpResponse(
                "Metrics need the scrape token: Authorization: Bearer <METRICS_TOKEN>.\n",
                status=401,
                content_type="text/plain; charset=utf-8",
            )
            response["WWW-Authenticate"] = "Bearer"
            return response
    elif not _loopback(request):
        return HttpResponse(
            "Metrics are served to loopback only until METRICS_TOKEN is set.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(_exposition(), content_type=CONTENT_TYPE_LATEST)


class QueueCollector(Collector):
    """Messages waiting in each Celery queue (the Redis lists of the broker, every priority)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        import redis as redis_client

        queues = GaugeMetricFamily(
            "tinhso_task_queue_length", "Celery messages waiting in a queue.", labels=["queue"]
        )
        client = redis_client.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        prefix = settings.REDIS_KEY_PREFIX
        try:
            for queue in settings.METRICS_TASK_QUEUES:
                # kombu keeps priorities 3, 6 and 9 in lists of their own beside the plain one.
                keys = [f"{prefix}{queue}"] + [f"{prefix}{queue}\x06\x16{step}" for step in (3, 6, 9)]
                queues.add_metric([queue], sum(client.llen(key) for key in keys))
        finally:
            client.close()
        yield queues
