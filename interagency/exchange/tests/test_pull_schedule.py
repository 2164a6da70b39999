"""Pull-mode peers pulled on a schedule, between two real deployments over HTTPS: by the beat
task's body, then by `manage.py hub work --forever`; a peer that cannot be reached is recorded and
does not stop the pull from the one that can."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import pytest

from interagency.exchange.tests.deployments import PYTHON, ROOT
from interagency.exchange.tests.test_federation import (  # noqa: F401  (the fixture)
    INBOX,
    ISSUE,
    SENT_STATUSES,
    X_ORG,
    Y_ORG,
    deployments,
)

PULL_BOTH_WAYS = """
from interagency.hub.models import FederationPeer
FederationPeer.objects.update(mode="pull")
report(1)
"""

BROKEN_PEER = """
from core.audit import Actor
from interagency.hub.models import FederationPeer
from interagency.hub.services import federation

roots = FederationPeer.objects.get(system_id="tinhso-a").trust_roots
federation.peer_create(
    actor=Actor(label="test"),
    data=federation.PeerData(
        system_id="a-broken-hub", name="Trục không tới được", base_url="https://127.0.0.1:9",
        remote_system_id="tinhso-b", remote_secret="never-sent-anywhere-0123", trust_roots=roots,
        mode="pull",
    ),
)
report(1)
"""

BEAT = """
from interagency.hub.tasks import hub_pull_task
hub_pull_task()
report(1)
"""

PULLED = """
from core.tenancy import in_public
from interagency.hub.models import FederationPeer
from interagency.hub.selectors import hub_peer_pull_outcome
with in_public():
    report({
        p.system_id: [p.last_pulled_at is not None, (hub_peer_pull_outcome(p.system_id) or {}).get("ok")]
        for p in FederationPeer.objects.all()
    })
"""

FORGET_PULLS = """
from interagency.hub.models import FederationPeer
FederationPeer.objects.update(last_pulled_at=None)
report(1)
"""


def _summaries(deployment) -> list[str]:
    return [item["summary"] for item in deployment.run(INBOX.format(code=Y_ORG))]


@pytest.mark.federation
def test_pull_mode_peers_are_pulled_by_beat_and_by_the_forever_worker(deployments):  # noqa: F811
    a, b = deployments
    # given: A and B exchange by pulling both ways; B also knows a peer that cannot be reached
    a.run(PULL_BOTH_WAYS)
    b.run(PULL_BOTH_WAYS)
    b.run(BROKEN_PEER)
    first = a.run(ISSUE.format(sender=X_ORG, to=Y_ORG, summary="Lấy về theo lịch của beat"))
    a.manage("hub", "work")
    assert a.run(SENT_STATUSES.format(sender=X_ORG, document=first))["delivery"] == ["pending", 0, ""]

    # when: beat's task runs at B
    b.run(BEAT)

    # then: the unreachable peer (pulled first) failed, A was still pulled, and A saw the ack
    assert b.run(PULLED) == {"a-broken-hub": [True, False], "tinhso-a": [True, True]}
    b.manage("hub", "work")
    assert _summaries(b) == ["Lấy về theo lịch của beat"]
    assert a.run(SENT_STATUSES.format(sender=X_ORG, document=first))["delivery"][:2] == ["delivered", 1]

    # when: a second document, and B's worker is a plain `hub work --forever`
    b.run(FORGET_PULLS)
    second = a.run(ISSUE.format(sender=X_ORG, to=Y_ORG, summary="Lấy về theo lịch của hub work"))
    a.manage("hub", "work")
    worker = subprocess.Popen(  # noqa: S603  # our own manage.py
        [PYTHON, "manage.py", "hub", "work", "--forever", "--interval", "0.2"],
        cwd=ROOT,
        env={**b.env, "HUB_PULL_INTERVAL_SECONDS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90  # a bound on waiting, not a measurement
        while len(_summaries(b)) < 2 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.5)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)
        output = worker.communicate(timeout=30)[0].decode(errors="replace")

    # then: B's worker pulled it from A (and delivered it), the broken peer did not stop it
    assert _summaries(b) == ["Lấy về theo lịch của beat", "Lấy về theo lịch của hub work"], output
    assert "pulled tinhso-a" in output
    assert "pulled a-broken-hub" in output
    a.manage("hub", "work")
    assert a.run(SENT_STATUSES.format(sender=X_ORG, document=second))["delivery"][:2] == ["delivered", 1]
