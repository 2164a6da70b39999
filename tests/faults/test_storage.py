"""The S3 server goes away while a clerk uploads an attachment.

A real S3-compatible server (moto's, on loopback) of the test's own is stopped between two uploads
and started again on the same port (moto keeps its objects in the process). Guarantees: the upload
while it is away gets a clear sentence (the API a 503 with `detail`, the page a message), not a
500; no attachment row, event or audit entry points at a file that is not there; the same upload
goes through once the store is back.
"""

from __future__ import annotations

import socket
import threading
import time

import boto3
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from moto.server import ThreadedMotoServer

from conftest import signed_in_client
from core.models import AuditEntry
from core.tenancy import in_tenant
from interagency.exchange.tests.flows import PDF, draft_by, office
from qlvbdh.attachment_models import Attachment
from qlvbdh.models import DocumentEvent
from qlvbdh.services.attachments import attachment_add
from tests.faults.servers import free_port

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

BUCKET = "tinhso-faults"


@pytest.fixture
def s3(settings):
    """Attachments stored in a bucket of a moto server that the test may stop and start."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    servers = []

    def start() -> None:
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        servers.append(server)

    def stop() -> None:
        servers.pop().stop()

    start()
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1"
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "core.storage_s3.TenantS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": "t",
                "secret_key": "t",
                "region_name": "us-east-1",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    client.start, client.stop = start, stop
    yield client
    if servers:
        stop()


def _keys(s3) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def _written() -> tuple[int, int, int]:
    return (
        Attachment.objects.count(),
        DocumentEvent.objects.filter(kind="attachment_added").count(),
        AuditEntry.objects.filter(action="attachment.add").count(),
    )


def test_an_upload_while_s3_is_away_gets_a_sentence_and_leaves_no_row(tenant, s3):
    people = office(tenant)
    with in_tenant(tenant):
        draft = draft_by(people["official"], "Về việc thử kho tệp")
        attachment_add(actor=people["official"], document=draft, upload=ContentFile(PDF, name="truoc.pdf"))
        before = _written()
    assert len(_keys(s3)) == 1  # the store works: the first file is in the bucket
    client = signed_in_client(Client(), people["official"].user, tenant=tenant)

    # when the S3 server goes away
    s3.stop()
    api = client.post(
        f"/api/v1/documents/{draft.uuid}/attachments/", {"file": ContentFile(PDF, name="trong-luc-mat.pdf")}
    )
    page = client.post(
        f"/documents/{draft.uuid}/step/attach/",
        {"file": ContentFile(PDF, name="trong-luc-mat.pdf")},
        follow=True,
    )

    # then a sentence, and nothing written that points at a missing file
    assert api.status_code == 503, api.content[:500]
    assert api.json()["code"] == "storage_unavailable"
    assert api.json()["detail"].startswith("Kho lưu trữ tệp tạm thời không truy cập được")
    assert page.status_code == 200
    assert "Kho lưu trữ tệp tạm thời không truy cập được" in page.content.decode()
    with in_tenant(tenant):
        assert _written() == before

    # when it is back, the same upload goes through, and every row has its file
    s3.start()
    again = client.post(
        f"/api/v1/documents/{draft.uuid}/attachments/", {"file": ContentFile(PDF, name="trong-luc-mat.pdf")}
    )
    assert again.status_code == 201, again.content[:500]
    with in_tenant(tenant):
        names = sorted(Attachment.objects.values_list("file", flat=True))
    assert sorted(key.split("/", 2)[2] for key in _keys(s3)) == names
    assert len(names) == 2


@pytest.fixture
def hanging_s3(settings):
    """Attachments stored on an endpoint that takes the connection and never answers (an S3 behind
    a hung proxy, say), with short limits so the test does not wait a minute."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def take() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])  # kept open, never answered
            except TimeoutError:
                continue

    taker = threading.Thread(target=take, daemon=True)
    taker.start()
    settings.S3_CONNECT_TIMEOUT, settings.S3_READ_TIMEOUT, settings.S3_ATTEMPTS = 1, 1, 2
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "core.storage_s3.TenantS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": f"http://127.0.0.1:{listener.getsockname()[1]}",
                "access_key": "t",
                "secret_key": "t",
                "region_name": "us-east-1",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    yield held
    stop.set()
    taker.join(timeout=5)
    for connection in held:
        connection.close()
    listener.close()


def test_an_s3_that_hangs_is_given_up_on_within_its_limits_with_a_sentence(tenant, hanging_s3):
    people = office(tenant)
    with in_tenant(tenant):
        draft = draft_by(people["official"], "Về việc thử kho tệp treo")
        before = _written()
    client = signed_in_client(Client(), people["official"].user, tenant=tenant)

    # botocore's own limits would keep the request for minutes; the store's are 1 s and 2 attempts
    started = time.monotonic()
    file = ContentFile(PDF, name="kho-treo.pdf")
    answered = client.post(f"/api/v1/documents/{draft.uuid}/attachments/", {"file": file})
    waited = time.monotonic() - started

    assert answered.status_code == 503, answered.content[:500]
    assert answered.json()["code"] == "storage_unavailable"
    assert waited < 30, f"the upload waited {waited:.0f} s on the hung store"
    assert hanging_s3  # it did reach the endpoint, which took the connection
    with in_tenant(tenant):
        assert _written() == before
