"""The whole incoming flow through real requests: register -> submit -> direction and assignment ->
processing (re-assign, report) -> close; my tasks overdue first; every view on record."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import OrgUnit
from accounts.services import units as account_services
from core.audit import Actor, audit_verify
from core.models import AuditEntry
from core.tenancy import in_tenant
from qlvbdh.models import Assignment, Document, ReadReceipt
from qlvbdh.services.incoming import IncomingData, incoming_document_register
from qlvbdh.services.processing import AssignmentSpec, document_direct

# Every test here runs with the default storage on a real S3-compatible server on loopback.
from qlvbdh.tests.test_attachments import post_file, s3, stored_keys  # noqa: F401
from qlvbdh.tests.test_signatures import pdf_with_text

pytestmark = pytest.mark.django_db


def _incoming(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "issuer_name": "UBND tỉnh Gia Lai",
        "issuer_code": "000.00.00.H21",
        "document_type": "KH",
        "summary": "Kế hoạch chuyển đổi số năm 2027",
        "number": "88",
        "notation": "KH-UBND",
        "urgency": "urgent",
    }
    body.update(overrides)
    return body


@pytest.fixture
def office(tenant, make_user, sign_in):
    """A small agency: a clerk, a head, two officials in the technical unit, one in another unit."""
    with in_tenant(tenant):
        actor = Actor(label="t")
        tech = account_services.unit_create(actor=actor, name="Phòng Kỹ thuật", kind="division")
        admin = account_services.unit_create(actor=actor, name="Văn phòng", kind="office")
    make_user(tenant, "thuyctp", roles=("clerk",), unit=admin)
    make_user(tenant, "nguyentd", roles=("head",), unit=admin)
    make_user(tenant, "minhtht", roles=("official",), unit=tech)
    make_user(tenant, "annv", roles=("official",), unit=tech)
    make_user(tenant, "lanlt", roles=("official",), unit=admin)
    return {
        "tech": tech,
        "clerk": sign_in(tenant, "thuyctp"),
        "head": sign_in(tenant, "nguyentd"),
        "minh": sign_in(tenant, "minhtht"),
        "an": sign_in(tenant, "annv"),
        "lan": sign_in(tenant, "lanlt"),
    }


def test_incoming_flow_from_registration_to_close(tenant, office, s3):  # noqa: F811
    clerk, head, minh, an, lan = (office[k] for k in ("clerk", "head", "minh", "an", "lan"))
    deadline = (timezone.localdate() + timedelta(days=5)).isoformat()

    # the clerk registers and submits to the head
    document = clerk.post("/api/v1/documents/incoming/", _incoming(), content_type="application/json").json()
    key = document["uuid"]
    scan = post_file(clerk, Document(uuid=key), "ban-quet.pdf", pdf_with_text("Kế hoạch"))
    assert scan.status_code == 201, scan.content
    submitted = clerk.post(
        f"/api/v1/documents/{key}/submit/", {"head": "nguyentd"}, content_type="application/json"
    )
    assert submitted.json()["status"] == "submitted"

    # the head directs: the technical unit leads, lanlt cooperates, minhtht is informed
    direction = {
        "note": "Giao Phòng Kỹ thuật chủ trì, tham mưu kế hoạch triển khai.",
        "assignments": [
            {"role": "lead", "unit": str(office["tech"].uuid), "deadline": deadline},
            {"role": "cooperate", "assignee": "lanlt", "deadline": deadline},
            {"role": "inform", "assignee": "minhtht"},
        ],
    }
    directed = head.post(f"/api/v1/documents/{key}/direct/", direction, content_type="application/json")
    assert directed.status_code == 200, directed.content
    assert directed.json()["status"] == "assigned"
    again = head.post(f"/api/v1/documents/{key}/direct/", direction, content_type="application/json")
    assert again.status_code == 409

    # the unit's task shows for its members; minhtht passes it to annv within the unit
    minh_tasks = minh.get("/api/v1/tasks/").json()["results"]
    lead_task = next(t for t in minh_tasks if t["role"] == "lead")
    passed = minh.post(
        f"/api/v1/tasks/{lead_task['uuid']}/reassign/", {"to": "annv"}, content_type="application/json"
    )
    assert passed.status_code == 201
    outside = minh.post(
        f"/api/v1/tasks/{lead_task['uuid']}/reassign/", {"to": "lanlt"}, content_type="application/json"
    )
    assert outside.status_code == 409  # already passed on

    # annv reports and closes: the document is done; lanlt's cooperation stays open until she closes
    an_task = next(t for t in an.get("/api/v1/tasks/").json()["results"] if t["role"] == "lead")
    other_unit = an.post(
        f"/api/v1/tasks/{an_task['uuid']}/reassign/", {"to": "lanlt"}, content_type="application/json"
    )
    assert other_unit.status_code == 400  # only within the unit
    assert (
        an.post(
            f"/api/v1/tasks/{an_task['uuid']}/report/",
            {"report": "Đã có dự thảo."},
            content_type="application/json",
        ).status_code
        == 200
    )
    closed = an.post(
        f"/api/v1/tasks/{an_task['uuid']}/close/",
        {"report": "Đã trình kế hoạch."},
        content_type="application/json",
    )
    assert closed.json()["status"] == "done"
    lan_task = lan.get("/api/v1/tasks/").json()["results"][0]
    assert lan_task["role"] == "cooperate"

    # the scan lives on S3 under the tenant's prefix
    assert any(key.startswith(f"tenants/{tenant.schema_name}/") for key in stored_keys(s3))

    # the head opens the document: a read receipt, a timeline entry and an audit entry
    page = head.get(f"/api/v1/documents/{key}/").json()
    timeline = [event["kind"] for event in head.get(f"/api/v1/documents/{key}/timeline/").json()]
    assert page["status"] == "done"
    for kind in ("submitted", "directed", "reassigned", "reported", "closed", "done", "viewed"):
        assert kind in timeline
    with in_tenant(tenant):
        document_row = Document.objects.get(uuid=key)
        assert ReadReceipt.objects.filter(document=document_row, reader__username="nguyentd").exists()
        actions = set(AuditEntry.objects.filter(target_id=key).values_list("action", flat=True))
        assert {
            "document.register_incoming",
            "document.submit",
            "document.direct",
            "assignment.reassign",
        } <= actions
        assert {"assignment.close", "document.view"} <= actions
        assert audit_verify() is None


def test_only_heads_direct_and_only_the_holder_closes(tenant, office):
    clerk, minh, lan, head = office["clerk"], office["minh"], office["lan"], office["head"]
    key = clerk.post("/api/v1/documents/incoming/", _incoming(), content_type="application/json").json()[
        "uuid"
    ]
    plan = {"assignments": [{"role": "lead", "assignee": "minhtht"}]}

    assert (
        minh.post(f"/api/v1/documents/{key}/direct/", plan, content_type="application/json").status_code
        == 403
    )
    assert (
        head.post(f"/api/v1/documents/{key}/direct/", plan, content_type="application/json").status_code
        == 200
    )
    with in_tenant(tenant):
        task = Assignment.objects.get(document__uuid=key)
    assert (
        lan.post(f"/api/v1/tasks/{task.uuid}/close/", {}, content_type="application/json").status_code == 404
    )
    assert (
        minh.post(f"/api/v1/tasks/{task.uuid}/close/", {}, content_type="application/json").status_code == 200
    )


def test_a_direction_needs_exactly_one_lead_and_no_past_deadline(tenant, office):
    clerk, head = office["clerk"], office["head"]
    key = clerk.post("/api/v1/documents/incoming/", _incoming(), content_type="application/json").json()[
        "uuid"
    ]
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    none = head.post(
        f"/api/v1/documents/{key}/direct/",
        {"assignments": [{"role": "inform", "assignee": "lanlt"}]},
        content_type="application/json",
    )
    past = head.post(
        f"/api/v1/documents/{key}/direct/",
        {"assignments": [{"role": "lead", "assignee": "lanlt", "deadline": yesterday}]},
        content_type="application/json",
    )

    assert none.status_code == 400
    assert past.status_code == 400
    with in_tenant(tenant):
        assert Document.objects.get(uuid=key).status == "registered"
        assert not Assignment.objects.exists()


def test_my_tasks_lists_overdue_first(tenant, office):
    with in_tenant(tenant):
        actor = Actor(label="t")
        from accounts.models import User

        minh = User.objects.get(username="minhtht")
        today = timezone.localdate()
        documents = [
            incoming_document_register(
                actor=actor,
                data=IncomingData(
                    issuer_name="Sở Tài chính",
                    document_type="CV",
                    summary=f"Việc {i}",
                    number=str(i),
                    notation="STC",
                ),
            )
            for i in range(3)
        ]
        for document, days in zip(documents, (10, 3, 20), strict=True):
            document_direct(
                actor=actor,
                document=document,
                note="",
                assignments=[
                    AssignmentSpec(role="lead", assignee=minh, deadline=today + timedelta(days=days))
                ],
            )
        # one falls overdue
        Assignment.objects.filter(document=documents[2]).update(deadline=today - timedelta(days=2))

    tasks = office["minh"].get("/api/v1/tasks/").json()["results"]

    assert [t["document"]["summary"] for t in tasks] == ["Việc 2", "Việc 1", "Việc 0"]
    assert [t["overdue"] for t in tasks] == [True, False, False]

    # when the late one is finished, it is listed among the done ones, not as overdue
    with in_tenant(tenant):
        Assignment.objects.filter(document=documents[2]).update(status=Assignment.Status.DONE)
    done = office["minh"].get("/api/v1/tasks/?done=1").json()["results"]
    assert {t["document"]["summary"]: t["overdue"] for t in done} == {
        "Việc 2": False,
        "Việc 1": False,
        "Việc 0": False,
    }


def test_tasks_of_another_tenant_are_invisible(tenant, other_tenant, office, make_user, sign_in):
    clerk, head = office["clerk"], office["head"]
    key = clerk.post("/api/v1/documents/incoming/", _incoming(), content_type="application/json").json()[
        "uuid"
    ]
    head.post(
        f"/api/v1/documents/{key}/direct/",
        {"assignments": [{"role": "lead", "assignee": "minhtht"}]},
        content_type="application/json",
    )
    with in_tenant(tenant):
        task = Assignment.objects.get(document__uuid=key)
    make_user(other_tenant, "minhtht", roles=("official",))
    stranger = sign_in(other_tenant, "minhtht")

    assert stranger.get("/api/v1/tasks/").json()["count"] == 0
    assert (
        stranger.post(f"/api/v1/tasks/{task.uuid}/close/", {}, content_type="application/json").status_code
        == 404
    )
    assert stranger.get(f"/api/v1/documents/{key}/timeline/").status_code == 404
    with in_tenant(tenant):
        assert OrgUnit.objects.count() == 2
