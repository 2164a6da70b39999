"""A request body is refused by its declared size, by route, before any of it is read or written
(`core.input`, `REQUEST_BODY_LIMITS`): the login pages take a few kilobytes, uploads the configured
maximum."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import time
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client

from accounts.tests.factories import UserFactory

MB = 1024 * 1024


def _client(**defaults) -> Client:
    return Client(raise_request_exception=False, **defaults)


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.django_db
def test_a_login_post_over_a_few_kilobytes_is_413_with_a_sentence_and_a_small_one_is_not(tenant, host_of):
    client = _client(HTTP_HOST=host_of(tenant))

    refused = client.post("/login/", {"username": "a", "password": "b", "padding": "x" * 20_000})
    answered = client.post("/login/", {"username": "nobody", "password": "wrong-password"})

    assert refused.status_code == 413
    assert "16384" in refused.content.decode()
    assert answered.status_code == 200  # the form again, with its error


@pytest.mark.django_db
def test_an_api_body_over_the_upload_maximum_is_413_in_json_before_it_is_read(tenant, signed_in):
    clerk = signed_in(_client(), UserFactory.create(tenant=tenant, username="vanthu1", roles=["clerk"]))
    declared = settings.ATTACHMENT_MAX_BYTES + 2 * MB

    # Only the declared length is large: a server that read the body would wait for the rest.
    response = clerk.generic(
        "POST", "/api/v1/searches/", b"{}", content_type="application/json", CONTENT_LENGTH=str(declared)
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert str(declared) in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_200_mb_upload_to_login_is_refused_before_it_is_read_or_written(
    live_server, tenant, host_of, settings, tmp_path
):
    # given: where Django would spill an uploaded file, and a 200 MB multipart body announced
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    total = 200 * MB
    boundary = "tinhso-limit-test"
    # A valid CSRF cookie and token in the form, as an attacker gets them from the login page:
    # without them Django refuses the POST before reading it anyway.
    page = Client(HTTP_HOST=host_of(tenant)).get("/login/")
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="username"\r\n\r\nnguyentd\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    url = urlparse(live_server.url)
    connection = socket.create_connection((url.hostname, url.port), timeout=30)
    connection.sendall(
        (
            f"POST /login/ HTTP/1.1\r\nHost: {host_of(tenant)}:{url.port}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Cookie: {settings.CSRF_COOKIE_NAME}={token}\r\n"
            f"Content-Length: {total}\r\nConnection: close\r\n\r\n"
        ).encode()
        + head
    )
    sent, chunk, resident = len(head), b"\0" * (256 * 1024), _resident_bytes()
    peak, spilled = resident, False

    # when: the body is sent for as long as the server has not answered
    deadline = time.monotonic() + 60
    while sent < total and time.monotonic() < deadline:
        readable, writable, _ = select.select([connection], [connection], [], 1)
        if readable:
            break
        if writable:
            with contextlib.suppress(BlockingIOError):  # the server is not reading: wait for it
                sent += connection.send(chunk[: total - sent], socket.MSG_DONTWAIT)
        peak = max(peak, _resident_bytes())
        spilled = spilled or any(tmp_path.iterdir())
    connection.settimeout(10)
    answer = connection.makefile("rb")
    status = answer.readline()
    headers = {}
    while (line := answer.readline().strip()) != b"":
        name, _colon, value = line.decode().partition(":")
        headers[name.lower()] = value.strip()
    body = answer.read(int(headers.get("content-length", "0")))
    answer.close()
    # Hang up: the test server still drains the announced body until the connection ends.
    connection.shutdown(socket.SHUT_RDWR)
    connection.close()

    # then: 413 with a sentence, after a few megabytes at most; nothing on disk, no memory taken
    assert sent < 32 * MB, f"the server answered only after {sent} bytes"
    assert not spilled
    assert list(tmp_path.iterdir()) == []
    assert peak - resident < 32 * MB
    assert status.startswith(b"HTTP/1.1 413"), status
    assert str(total) in body.decode()
