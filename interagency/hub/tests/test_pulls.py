"""Pull-mode peers are pulled on a schedule: once per interval, each claimed by one worker, a failing
peer recorded and tried again next interval. Two real deployments pulling from each other are in
`interagency/exchange/tests/test_pull_schedule.py`."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from core.audit import Actor
from core.tenancy import in_public
from interagency.edxml.certificates import generate_authority
from interagency.hub.models import FederationPeer
from interagency.hub.selectors import hub_peer_pull_outcome
from interagency.hub.services import federation
from interagency.hub.services.pulls import peers_pull_due
from interagency.hub.tasks import hub_pull_task

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def roots() -> str:
    return generate_authority("Tổ chức chứng thực tỉnh khác")[1].decode()


def _peer(system_id: str, roots: str, *, mode: str, active: bool = True) -> FederationPeer:
    peer, _secret = federation.peer_create(
        actor=Actor(label="test"),
        data=federation.PeerData(
            system_id=system_id,
            name=system_id,
            base_url=f"https://127.0.0.1:{_closed_port()}",
            remote_system_id="tinhso-test",
            remote_secret="our-secret-at-that-hub",
            trust_roots=roots,
            mode=mode,
        ),
    )
    if not active:
        with in_public():
            FederationPeer.objects.filter(pk=peer.pk).update(is_active=False)
    return peer


def _last_pulled(system_id: str):
    with in_public():
        return FederationPeer.objects.get(system_id=system_id).last_pulled_at


def test_due_pull_peers_are_pulled_once_per_interval_and_a_failure_is_kept(province, roots):
    _peer("pull-down", roots, mode="pull")
    _peer("push-only", roots, mode="push")
    _peer("pull-paused", roots, mode="pull", active=False)
    now = timezone.now()

    first = peers_pull_due(now=now)
    again = peers_pull_due(now=now + timedelta(seconds=1))
    later = peers_pull_due(now=now + timedelta(seconds=settings.HUB_PULL_INTERVAL_SECONDS))

    assert [(o.system_id, o.ok) for o in first] == [("pull-down", False)]
    assert "pull-down" in first[0].summary
    assert again == []  # claimed for this interval
    assert [o.system_id for o in later] == ["pull-down"]  # a failing peer is tried again next interval
    assert _last_pulled("pull-down") == now + timedelta(seconds=settings.HUB_PULL_INTERVAL_SECONDS)
    assert _last_pulled("push-only") is None
    assert _last_pulled("pull-paused") is None
    outcome = hub_peer_pull_outcome("pull-down")
    assert outcome is not None
    assert outcome["ok"] is False


def test_one_failing_peer_does_not_stop_the_next(province, roots):
    _peer("a-down", roots, mode="pull")
    _peer("b-down", roots, mode="pull")

    hub_pull_task()  # the beat task's body, called directly

    assert _last_pulled("a-down") is not None
    assert _last_pulled("b-down") is not None


def test_beat_runs_the_pull_task():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]

    assert "interagency.hub.tasks.hub_pull_task" in entries
    assert "interagency.hub.tasks.hub_pull_task" in app.tasks
