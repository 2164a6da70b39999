"""Probes, metrics and log lines (issue 18): what the kubelet, Prometheus and a log collector see."""

from __future__ import annotations

import io
import json
import logging
import socket

import boto3
import pytest
from django.test import Client
from prometheus_client import REGISTRY

from accounts.tests.factories import UserFactory
from core import readiness

pytestmark = pytest.mark.django_db

METRICS_TOKEN = "scrape-token-for-tests-0123456789"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_probes_answer_on_a_host_no_tenant_has():
    # The kubelet asks by the pod's address.
    client = Client(HTTP_HOST="10.42.0.17:8000")

    alive = client.get("/healthz")
    ready = client.get("/readyz")

    assert (alive.status_code, alive.content) == (200, b"ok")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"postgresql": "ok", "redis": "ok", "storage": "ok"}}
    assert ready["Cache-Control"] == "no-store"
    # everything else on that host is still the unknown host's 404
    assert client.get("/login/").status_code == 404


def test_readiness_fails_while_redis_is_unreachable(settings):
    client = Client(HTTP_HOST="10.42.0.17")
    settings.REDIS_URL = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"postgresql": "ok", "redis": "fail", "storage": "ok"}


def test_readiness_checks_the_buckets_on_a_real_s3_server(settings, s3_endpoint):
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="t",
        aws_secret_access_key="t",
        region_name="us-east-1",
    ).create_bucket(Bucket="tinhso-ready")
    settings.S3_ENDPOINT_URL = s3_endpoint
    settings.S3_ACCESS_KEY_ID = settings.S3_SECRET_ACCESS_KEY = "t"
    settings.S3_BUCKET = "tinhso-ready"
    settings.BACKUP_S3_BUCKET = "tinhso-ready"
    assert readiness.storage() is None

    settings.BACKUP_S3_BUCKET = "no-such-bucket"  # the backups' bucket was never made
    assert readiness.storage() == "ClientError"

    settings.BACKUP_S3_BUCKET = ""
    settings.S3_ENDPOINT_URL = f"http://127.0.0.1:{_free_port()}"  # the S3 server is down
    assert readiness.storage() == "EndpointConnectionError"


def test_metrics_need_the_scrape_token(settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    client = Client(HTTP_HOST="10.42.0.17")

    anonymous = client.get("/metrics")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer " + METRICS_TOKEN[:-1] + "X")
    scraped = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")

    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Bearer"
    assert b"METRICS_TOKEN" in anonymous.content
    assert wrong.status_code == 401
    assert scraped.status_code == 200
    assert scraped["Content-Type"].startswith("text/plain")
    assert b"# TYPE tinhso_http_requests_total counter" in scraped.content


def test_without_a_token_metrics_are_for_loopback_only(settings):
    settings.METRICS_TOKEN = ""

    outside = Client(HTTP_HOST="10.42.0.17", REMOTE_ADDR="10.42.0.99").get("/metrics")
    inside = Client(HTTP_HOST="10.42.0.17", REMOTE_ADDR="127.0.0.1").get("/metrics")

    assert outside.status_code == 403
    assert inside.status_code == 200


def test_requests_are_counted_and_timed_by_tenant_kind_and_purpose(tenant, host_of):
    labels = {"kind": tenant.kind, "purpose": "workspace", "method": "GET", "status": "200"}
    before = _sample("tinhso_http_requests_total", **labels)
    timed = _sample("tinhso_http_request_duration_seconds_count", kind=tenant.kind, purpose="workspace")
    unknown = _sample("tinhso_http_requests_total", kind="none", purpose="none", method="GET", status="404")

    assert Client(HTTP_HOST=host_of(tenant)).get("/login/").status_code == 200
    Client(HTTP_HOST="nobody.example").get("/login/")

    assert _sample("tinhso_http_requests_total", **labels) == before + 1
    assert _sample("tinhso_http_request_duration_seconds_count", kind=tenant.kind, purpose="workspace") == (
        timed + 1
    )
    assert _sample("tinhso_http_requests_total", kind="none", purpose="none", method="GET", status="404") == (
        unknown + 1
    )


def test_login_failures_are_counted_by_tenant_kind(tenant, host_of):
    UserFactory.create(tenant=tenant, username="thuyctp")
    before = _sample("tinhso_login_failures_total", kind=tenant.kind)

    response = Client(HTTP_HOST=host_of(tenant)).post(
        "/login/", {"username": "thuyctp", "password": "wrong-1234"}
    )

    assert response.status_code == 200
    assert _sample("tinhso_login_failures_total", kind=tenant.kind) == before + 1


def test_scrape_reads_queues_hub_backlog_and_backup_age(settings, tenant):
    settings.METRICS_TOKEN = METRICS_TOKEN

    body = (
        Client(HTTP_HOST="10.42.0.17")
        .get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
        .content.decode()
    )

    for collector in ("QueueCollector", "HubBacklogCollector", "BackupAgeCollector"):
        assert f'collector="{next(p for p in settings.METRICS_COLLECTORS if collector in p)}"}} 1.0' in body
    assert 'tinhso_task_queue_length{queue="celery"}' in body
    assert 'tinhso_hub_deliveries_pending{target="tenant"} 0.0' in body
    assert 'tinhso_hub_oldest_pending_age_seconds{target="peer"} 0.0' in body
    # the test tenants were never backed up
    assert f'tinhso_backup_tenants_without_backup{{kind="{tenant.kind}"}}' in body
    assert f'tinhso_backup_tenants_without_backup{{kind="{tenant.kind}"}} 0.0' not in body


def test_a_failing_collector_costs_its_figures_not_the_scrape(settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    settings.REDIS_URL = f"redis://127.0.0.1:{_free_port()}/0"

    response = Client(HTTP_HOST="10.42.0.17").get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")

    assert response.status_code == 200
    assert b'tinhso_metrics_collector_up{collector="core.metrics.QueueCollector"} 0.0' in response.content
    assert b"tinhso_hub_deliveries_pending" in response.content


@pytest.fixture
def json_log():
    """The settings' own JSON formatter and context filter on a buffer, as the image logs."""
    from typing import Any

    from django.conf import settings
    from django.utils.module_loading import import_string

    config: dict[str, Any] = settings.LOGGING
    spec = dict(config["formatters"]["json"])
    formatter = import_string(spec.pop("()"))(**spec)
    handler = logging.StreamHandler(buffer := io.StringIO())
    handler.setFormatter(formatter)
    handler.addFilter(import_string(config["filters"]["context"]["()"])())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)


def test_every_log_line_carries_the_tenant_and_the_request_id(tenant, host_of, json_log):
    client = Client(HTTP_HOST=host_of(tenant))

    given = client.get("/login/", HTTP_X_REQUEST_ID="ingress-5f2c9a71")
    made = client.get("/login/", HTTP_X_REQUEST_ID="bad\nid")  # not a sane token: replaced

    lines = [line for line in json_log() if line["logger"] == "tinhso.request"]
    assert given["X-Request-ID"] == "ingress-5f2c9a71"
    assert made["X-Request-ID"] != "bad\nid"
    assert len(made["X-Request-ID"]) == 32
    assert [(line["tenant"], line["request_id"], line["status"]) for line in lines] == [
        (tenant.schema_name, "ingress-5f2c9a71", 200),
        (tenant.schema_name, made["X-Request-ID"], 200),
    ]
    assert {"time", "level", "message", "path", "duration_ms", "kind"} <= set(lines[0])


def test_a_task_logs_under_the_request_that_queued_it():
    from celery.signals import before_task_publish, task_postrun, task_prerun

    from core import logs

    headers: dict[str, str] = {}
    token = logs.request_id_begin("req-0001-abcdef")
    before_task_publish.send(sender="t", headers=headers)
    logs.request_id_end(token)
    assert headers == {"tinhso_request_id": "req-0001-abcdef"}

    class Request:
        tinhso_request_id = "req-0001-abcdef"

    class Task:
        request = Request()

    task_prerun.send(sender=None, task_id="task-1", task=Task())
    inside = logs.request_id()
    task_postrun.send(sender=None, task_id="task-1", task=Task())

    assert inside == "req-0001-abcdef"
    assert logs.request_id() == ""
