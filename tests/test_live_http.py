"""Real HTTP over a socket, as `make run` serves it: each host picks its tenant and purpose."""

from __future__ import annotations

import http.client
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _get(live_server, host: str, path: str = "/") -> tuple[int, dict[str, str], str]:
    url = urlparse(live_server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", path, headers={"Host": f"{host}:{url.port}"})
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return response.status, dict(response.getheaders()), body


def test_hosts_answer_by_purpose_and_unknown_host_is_404(live_server, province, tenant, host_of):
    workspace = _get(live_server, host_of(tenant))
    portal = _get(live_server, host_of(tenant, "portal"))
    console = _get(live_server, "console.gialai.localhost")
    unknown = _get(live_server, "nobody.gialai.localhost")
    bare = _get(live_server, "gialai.localhost")  # the parent of every tenant's host serves nothing
    health = _get(live_server, host_of(tenant), "/healthz")

    assert workspace[0] == 302
    assert workspace[1]["Location"].startswith("/login/")
    assert portal[0] == 200
    assert tenant.name in portal[2]
    assert console[0] == 302
    assert unknown[0] == 404
    assert bare[0] == 404
    assert tenant.name not in unknown[2]
    assert health[0] == 200
    assert '"schema": "test_alpha"' in health[2]
