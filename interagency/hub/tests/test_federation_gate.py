"""The federation endpoint's defences, through real HTTP on the console host: failed
authentications logged, audited and throttled; request rates per address and per peer."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.test import Client

from core import ratelimits
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_public
from interagency.edxml.certificates import generate_authority
from interagency.hub.models import FederationPeer
from interagency.hub.services import federation

pytestmark = pytest.mark.django_db

SECRET = "gate-peer-secret-0123456789abcdef"
PACKETS = federation.PACKETS_PATH


@pytest.fixture(scope="module")
def authority() -> tuple[bytes, bytes]:
    return generate_authority("Tổ chức chứng thực tỉnh khác")


@pytest.fixture
def peer(province, authority) -> FederationPeer:
    created, _secret = federation.peer_create(
        actor=Actor(label="test"),
        data=federation.PeerData(
            system_id="other-hub",
            name="Trục tỉnh khác",
            base_url="https://hub.other-province.example",
            remote_system_id="tinhso-test",
            remote_secret="our-secret-at-the-other-hub",
            trust_roots=authority[1].decode(),
        ),
        secret=SECRET,
    )
    return created


def _get(secret: str = SECRET, system_id: str = "other-hub", address: str = "203.0.113.7"):
    return Client(HTTP_HOST=settings.CONSOLE_HOST).get(
        PACKETS, headers={"X-System-Id": system_id, "X-Secret": secret}, REMOTE_ADDR=address
    )


def _failures() -> list[AuditEntry]:
    with in_public():
        return list(AuditEntry.objects.filter(action="hub.peer_auth_failed").order_by("id"))


@pytest.fixture(autouse=True)
def _clock_standing_still(monkeypatch) -> None:
    """The counts of a test fall in one window: on a slow machine its requests may otherwise straddle
    a window's end and be split between two (every one under the limit)."""
    now = ratelimits.clock()
    monkeypatch.setattr(ratelimits, "clock", lambda: now)


def _step_past_the_window(monkeypatch, seconds: int) -> None:
    now = ratelimits.clock()
    monkeypatch.setattr(ratelimits, "clock", lambda: now + seconds + 1)


def test_a_burst_of_wrong_secrets_is_throttled_audited_and_lifted_after_the_window(peer, monkeypatch, caplog):
    limit = settings.FEDERATION_AUTH_FAILURE_LIMIT
    caplog.set_level(logging.WARNING, logger="interagency.hub.services.federation_gate")

    # when: 30 wrong secrets in a row
    answers = [_get(secret=f"wrong-secret-{n:02d}-padding") for n in range(30)]
    right_meanwhile = _get()

    # then: the first `limit` were checked and refused, the rest throttled without a check
    assert [a.status_code for a in answers] == [401] * limit + [429] * (30 - limit)
    throttled = answers[-1]
    assert throttled.json()["code"] == "auth_throttled"
    assert throttled.json()["detail"]
    assert 0 < int(throttled["Retry-After"]) <= settings.FEDERATION_AUTH_FAILURE_WINDOW_SECONDS
    assert right_meanwhile.status_code == 429  # the secret is not even looked at while blocked
    failures = _failures()
    assert len(failures) == limit
    assert failures[0].detail["reason"] == "wrong_secret"
    assert failures[0].detail["system_id"] == "other-hub"
    assert failures[0].actor_ip == "203.0.113.7"
    assert failures[0].target_id == str(peer.pk)
    assert failures[-1].detail["throttled"] is True
    logged = [r.getMessage() for r in caplog.records]
    assert sum("authentication failed" in line for line in logged) == limit
    assert any("without checking" in line for line in logged)
    assert not any("wrong-secret" in line for line in logged)

    # and after the window the right secret works again
    _step_past_the_window(monkeypatch, settings.FEDERATION_AUTH_FAILURE_WINDOW_SECONDS)
    assert _get().status_code == 200


def test_one_address_trying_many_system_ids_is_throttled(peer):
    limit = settings.FEDERATION_AUTH_FAILURE_LIMIT

    answers = [_get(system_id=f"guess-{n}") for n in range(limit + 2)]
    from_elsewhere = _get(address="198.51.100.9")

    assert [a.status_code for a in answers] == [401] * limit + [429] * 2
    assert {entry.detail["reason"] for entry in _failures()} == {"unknown_system_id"}
    assert from_elsewhere.status_code == 200  # the real peer, from its own address


def test_missing_credentials_are_a_failed_authentication_too(peer):
    response = Client(HTTP_HOST=settings.CONSOLE_HOST).get(PACKETS, REMOTE_ADDR="203.0.113.8")

    assert response.status_code == 401
    assert [entry.detail["reason"] for entry in _failures()] == ["missing_credentials"]


def test_requests_over_the_rate_of_one_peer_get_429_with_retry_after(peer, settings):
    settings.FEDERATION_RATE_PER_PEER = 3

    answers = [_get(address=f"198.51.100.{n}") for n in range(5)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert answers[-1].json()["code"] == "rate_limited"
    assert 0 < int(answers[-1]["Retry-After"]) <= settings.FEDERATION_RATE_WINDOW_SECONDS
    assert _failures() == []  # being busy is not a failed authentication


def test_an_address_over_its_rate_gets_429_before_any_credential_is_checked(peer, settings):
    settings.FEDERATION_RATE_PER_ADDRESS = 2

    answers = [_get(secret="wrong-secret-but-never-checked") for _n in range(4)]

    assert [a.status_code for a in answers] == [401, 401, 429, 429]
    assert len(_failures()) == 2
    assert _get(address="198.51.100.20").status_code == 200


def test_the_window_rolls_over_for_the_rate_too(peer, settings, monkeypatch):
    settings.FEDERATION_RATE_PER_PEER = 1

    first, second = _get(), _get()
    _step_past_the_window(monkeypatch, settings.FEDERATION_RATE_WINDOW_SECONDS)
    later = _get()

    assert (first.status_code, second.status_code, later.status_code) == (200, 429, 200)
