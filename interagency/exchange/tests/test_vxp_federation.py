"""Two real tinhso deployments over HTTPS, one acting as the VXP axis for the other: A serves /vxp/
and knows B as a VXP system; B knows A as a VXP axis and speaks only VXP to it (sendEdoc out,
getReceivedEdocList + getEdoc + updateStatus in, on B's pull). A document and its statuses go
through, and an outage of the axis mid-exchange loses nothing and doubles nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from interagency.exchange.tests.test_federation import (
    ACCEPT,
    INBOX,
    ISSUE,
    SENT_STATUSES,
    SETUP,
    X_ORG,
    Y_ORG,
)

SECRET = "secret-b-signs-with-at-a-0123456789"
B_AT_A = "https://vxp.invalid/tinhso-b"

HELD_AT_AXIS = """
from interagency.hub.models import HubDelivery
rows = HubDelivery.objects.filter(recipient_code={code!r}).order_by("id")
report(list(rows.values_list("state", flat=True)))
"""

LOSE_THE_ACKS = """
from interagency.hub.models import HubDelivery
report(HubDelivery.objects.filter(recipient_code={code!r}).update(state="pending", delivered_at=None))
"""

DUE_NOW = """
from django.utils import timezone
from interagency.hub.models import HubDelivery
report(list(HubDelivery.objects.filter(state="pending", target="peer").values_list("attempts", "last_error")))
HubDelivery.objects.filter(state="pending").update(next_attempt_at=timezone.now())
"""

DIRECTORY = """
from interagency.hub.models import Organisation
rows = Organisation.objects.filter(kind="external").order_by("org_code")
report([[row.org_code, row.name, row.hub_url] for row in rows])
"""

PACKETS_FROM_AXIS = """
from interagency.hub.models import HubPacket
report(sorted(HubPacket.objects.filter(source="peer:axis-a").values_list("kind", "document_id")))
"""


@pytest.fixture
def axis_and_client(tmp_path):
    """A (province H21, agency Sở X) is the axis; B (province H36, agency Sở Y) its VXP client."""
    from interagency.exchange.tests.deployments import Deployment, Server

    server = Server.of_test_database()
    base = server.test_database[:40]
    a = Deployment("A", f"{base}_vxa", "a.vxp.test", tmp_path / "a", server)
    b = Deployment("B", f"{base}_vxb", "b.vxp.test", tmp_path / "b", server)
    try:
        for deployment in (a, b):
            server.from_golden(deployment.database)
        a.start()
        setups = {
            a: SETUP.format(province="UBND tỉnh X", province_code="000.00.00.H21", name="Sở X", code=X_ORG),
            b: SETUP.format(province="UBND tỉnh Y", province_code="000.00.00.H36", name="Sở Y", code=Y_ORG),
        }
        with ThreadPoolExecutor(2) as pool:
            authorities = dict(zip((a, b), pool.map(lambda d: d.run(setups[d]), (a, b)), strict=True))
        # At the axis: B is an e-office system speaking for Sở Y, its packets signed by B's authority.
        (a.directory / "b-roots.pem").write_text(authorities[b])
        (a.directory / "organisations.csv").write_text(f"org_code,name,hub_url\n{Y_ORG},Sở Y,{B_AT_A}\n")
        a.manage(
            "hub",
            "peer-add",
            "--protocol=vxp_system",
            "--system-id=tinhso-b",
            "--name=tinhso B",
            f"--secret={SECRET}",
            f"--trust-roots={a.directory / 'b-roots.pem'}",
            f"--org-patterns={Y_ORG}",
        )
        a.manage("directory", "import", str(a.directory / "organisations.csv"))
        # At B: A is the axis, reached at its /vxp, Sở X behind it.
        axis = f"{a.base_url}/vxp"
        (b.directory / "a-roots.pem").write_text(authorities[a])
        (b.directory / "a-tls.pem").write_text(a.certificate)
        b.manage(
            "hub",
            "peer-add",
            "--protocol=vxp_axis",
            "--system-id=axis-a",
            "--name=Trục A",
            f"--base-url={axis}",
            "--remote-system-id=tinhso-b",
            f"--remote-secret={SECRET}",
            f"--trust-roots={b.directory / 'a-roots.pem'}",
            f"--org-patterns={X_ORG}",
            f"--tls-ca={b.directory / 'a-tls.pem'}",
        )
        # B's directory learns Sở X from the axis's getAgenciesList on its first pull, not from a file
        a.wait_ready()
        yield a, b
    finally:
        for deployment in (a, b):
            deployment.stop()


def _pull(b) -> str:
    done = b.manage("hub", "peer-pull", "axis-a", check=False)
    return done.stdout + done.stderr


@pytest.mark.federation
def test_two_deployments_exchange_through_one_acting_as_the_axis_and_survive_its_outage(axis_and_client):
    a, b = axis_and_client
    subject = "Về việc liên thông qua trục VXP"

    # X (at the axis) sends to Y: held at A for B to pull
    sent = a.run(ISSUE.format(sender=X_ORG, to=Y_ORG, summary=subject))
    a.manage("hub", "work")
    assert a.run(HELD_AT_AXIS.format(code=Y_ORG)) == ["pending"]

    # the axis is down: B's pull fails, nothing is taken, nothing is lost
    a.halt()
    failed = _pull(b)
    assert "listed" not in failed or "accepted 0" in failed, failed
    assert b.run(INBOX.format(code=Y_ORG)) == []

    # back: B pulls it once, acks it; a second pull finds nothing
    a.start()
    a.wait_ready()
    assert "listed 1, accepted 1, refused 0, errors 0" in _pull(b)
    assert a.run(HELD_AT_AXIS.format(code=Y_ORG)) == ["delivered"]
    assert b.run(DIRECTORY) == [[X_ORG, "Sở X", f"{a.base_url}/vxp"]]  # only what B's axis peer speaks for
    assert "listed 0, accepted 0" in _pull(b)

    # an ack that never reached the axis: the document is listed again, taken again, kept once
    assert a.run(LOSE_THE_ACKS.format(code=Y_ORG)) == 1
    assert "listed 1, accepted 1, refused 0, errors 0" in _pull(b)

    # the axis goes down again: Y gets the document once, and its 01 (out with sendEdoc) fails
    # its first try and is kept for later
    a.halt()
    b.manage("hub", "work")
    items = b.run(INBOX.format(code=Y_ORG))
    assert [(i["state"], i["sender_code"], i["summary"]) for i in items] == [("arrived", X_ORG, subject)]
    waiting = b.run(DUE_NOW)
    assert [attempts for attempts, _error in waiting] == [1], waiting
    assert "127.0.0.1" in waiting[0][1]  # the failure says where it could not go
    a.start()
    a.wait_ready()
    b.manage("hub", "work")
    a.manage("hub", "work")
    report = a.run(SENT_STATUSES.format(sender=X_ORG, document=sent))
    assert report["codes"] == ["01"]

    # Y's clerk accepts: 03 reaches X, once
    assert b.run(ACCEPT.format(code=Y_ORG, summary=subject)) == 1
    b.manage("hub", "work")
    a.manage("hub", "work")
    assert a.run(SENT_STATUSES.format(sender=X_ORG, document=sent))["codes"] == ["01", "03"]
    taken = b.run(PACKETS_FROM_AXIS)
    assert [kind for kind, _document_id in taken] == ["edoc"]  # the one document, taken once
