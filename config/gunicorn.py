"""gunicorn's settings in the image and the chart: `gunicorn -c python:config.gunicorn config.wsgi`.

Threads, not more processes, carry the concurrency: each thread keeps one database connection
(DATABASE_CONN_MAX_AGE), so a pod holds WEB_CONCURRENCY x WEB_THREADS connections at most (README
"Connections and poolers"). No access log of gunicorn's own: core.probes writes one JSON line per
request with its tenant and request id.
"""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path
from typing import Any

from core.logs import JSON_FORMATTER

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 25  # within the pod's terminationGracePeriodSeconds (30)
# Longer than the idle timeout of what sits in front (ingress-nginx keeps upstream connections 60 s),
# so the client side always closes an idle connection first: a server closing it as the next request
# arrives resets that request (seen in bench/load.py with 5 s). Idle connections hold no thread.
keepalive = int(os.environ.get("WEB_KEEPALIVE", "75"))
# Workers are not replaced after N requests unless asked (WEB_MAX_REQUESTS): a gthread worker that
# restarts closes its kept-alive connections, and a request a client sends on one as it closes is
# reset (4 in 22,227 requests in bench/load.py with 5000; gunicorn issue #3038). Memory is bounded
# otherwise: the pod's limit, and a worker measured at 137 MB after 10,000 requests (bench/scale.py).
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
_REFREEZE_AFTER = 100  # requests; see pre_request
# Our ingress controller's address range sends X-Forwarded-Proto (BEHIND_TLS_PROXY trusts it).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108  (heartbeat files)
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logs.ContextFilter"}},
    "formatters": {"json": dict(JSON_FORMATTER)},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": "json"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
    },
}


def on_starting(server: Any) -> None:
    """Counters of an earlier run (the same pod's restarted container) are not summed again."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def post_worker_init(worker: Any) -> None:
    """The application's objects, URLconfs included (else loaded by the first request), leave the
    cyclic collector's care (gc.freeze): a full collection then scans only what came later."""
    from django.conf import settings

    for urlconf in {settings.ROOT_URLCONF, *settings.PURPOSE_URLCONFS.values()}:
        __import__(urlconf)
    gc.collect()
    gc.freeze()


def pre_request(worker: Any, req: Any) -> None:
    """Frozen again once the first requests have compiled templates and filled the lazy caches,
    which made each full collection cost 1.9 ms rather than 0.4. Cyclic garbage of a request
    running in another thread at that instant is kept for good (once, some kilobytes)."""
    if worker.nr == _REFREEZE_AFTER:
        gc.collect()
        gc.freeze()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """A request's objects form reference cycles (Django's and DRF's requests, serializers, model
    instances); those that outlive a young collection mid-request waited for a full one, rare with
    200,000 long-lived objects, and the worker grew by their high-water mark (13 MB measured)."""
    gc.collect()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
