"""The test factories and `signed_in` build what the services and the login pages would: a test
built on them proves the same thing as one that walks the real steps, only faster."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import OrgUnitFactory, UserFactory
from core.audit import Actor
from core.tenancy import in_tenant
from qlvbdh.models import Assignment, Document, Register
from qlvbdh.services.incoming import IncomingData, incoming_document_register
from qlvbdh.services.outgoing import (
    OutgoingData,
    Recipient,
    outgoing_approve,
    outgoing_draft_create,
    outgoing_issue,
    outgoing_sign,
)
from qlvbdh.tests.factories import AssignmentFactory, IncomingDocumentFactory, OutgoingDocumentFactory
from tenants.tests.factories import BETA, TenantFactory

pytestmark = pytest.mark.django_db


def test_incoming_factory_numbers_from_the_register_the_service_uses(tenant):
    # given a clerk, and documents made alternately by the factory and by the service
    clerk = UserFactory.create(tenant=tenant, roles=["clerk"])
    with in_tenant(tenant):
        first = IncomingDocumentFactory.create(
            summary="Về việc kiểm tra hồ sơ đất đai", number="12", notation="UBND-VP"
        )
        second = incoming_document_register(
            actor=Actor(user=clerk),
            data=IncomingData(
                issuer_name="UBND tỉnh Gia Lai",
                document_type="CV",
                summary="Về việc kiểm tra hồ sơ đất đai",
                number="13",
                notation="UBND-VP",
                signer_name="Trần Đình Ký",
            ),
        )
        third = IncomingDocumentFactory.create()

        # then one register, one gap-free sequence, and search text folded the same way
        assert first.register_id == second.register_id == third.register_id
        assert [first.register_number, second.register_number, third.register_number] == [1, 2, 3]
        assert Register.objects.get().last_number == 3
        assert first.search_text == second.search_text.replace(" 13 ", " 12 ")
        assert "ve viec kiem tra ho so dat dai" in first.search_text
        assert first.events.get().kind == "registered"


def test_outgoing_factory_issues_as_the_service_does(tenant):
    # given the same draft issued through the services and made by the factory
    official = UserFactory.create(tenant=tenant, roles=["official"])
    head = UserFactory.create(tenant=tenant, roles=["head"])
    clerk = UserFactory.create(tenant=tenant, roles=["clerk"])
    with in_tenant(tenant):
        unit = OrgUnitFactory.create()
        made = OutgoingDocumentFactory.create(
            status="issued", summary="Báo cáo tháng", drafter=official, signer=head
        )
        draft = outgoing_draft_create(
            actor=Actor(user=official),
            data=OutgoingData(document_type="CV", summary="Báo cáo tháng", drafting_unit="VP"),
        )
        outgoing_approve(actor=Actor(user=head), document=draft)
        outgoing_sign(actor=Actor(user=head), document=draft)
        issued = outgoing_issue(actor=Actor(user=clerk), document=draft, recipients=[Recipient(unit=unit)])

        # then both are numbered in one outgoing register, with the same notation and search text
        assert issued.register_id == made.register_id
        assert (made.number, issued.number) == ("01", "02")
        assert made.notation == issued.notation == "STN-VP"
        assert made.search_text == issued.search_text.replace(" 02 ", " 01 ")
        assert made.created_by == official.username
        assert made.signed_by == head.username
        assert made.approved_by
        assert made.distribution.count() == 1
        assert list(made.events.values_list("kind", flat=True)) == ["drafted", "approved", "signed", "issued"]


@pytest.mark.parametrize(
    ("status", "filled"),
    [("draft", ()), ("approved", ("approved_by",)), ("signed", ("approved_by", "signed_by", "signed_at"))],
)
def test_outgoing_factory_fills_the_steps_before_the_state(tenant, status, filled):
    with in_tenant(tenant):
        draft = OutgoingDocumentFactory.create(status=status)

    for field in ("approved_by", "signed_by", "signed_at"):
        assert bool(getattr(draft, field)) == (field in filled), field
    assert draft.register_id is None
    assert draft.number == ""


def test_assignment_factory_directs_the_document(tenant):
    with in_tenant(tenant):
        task = AssignmentFactory.create()
        by_unit = AssignmentFactory.create(
            unit=OrgUnitFactory.create(), role=Assignment.Role.COOPERATE, document=task.document
        )
        document = Document.objects.get(pk=task.document_id)

    assert document.status == Document.Status.ASSIGNED
    assert document.directed_by
    assert document.due_date == task.deadline
    assert task.assignee is not None
    assert by_unit.assignee is None


def test_tenant_factory_uses_only_the_session_schemas(db):
    assert TenantFactory.create(spec=BETA).schema_name == "test_beta"
    assert TenantFactory.create(spec=BETA).domains.count() == 2  # the same row again

    with pytest.raises(ValueError, match="not a test schema"):
        TenantFactory.create(schema_name="made_up")


def test_signed_in_passes_the_second_factor_for_a_head(tenant, signed_in):
    head = UserFactory.create(tenant=tenant, roles=["head"])

    client = signed_in(Client(), head)

    assert client.get("/").status_code == 200
    assert client.get("/api/v1/documents/").status_code == 200


def test_without_the_second_factor_mark_a_head_is_sent_to_login(tenant):
    """What `signed_in` adds is needed: force_login alone leaves a head half signed in."""
    head = UserFactory.create(tenant=tenant, roles=["head"])
    client = Client(HTTP_HOST="alpha.gialai.localhost")
    with in_tenant(tenant):
        client.force_login(head, backend="accounts.backends.AccountBackend")

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_signed_in_binds_the_client_to_the_users_own_tenant(tenant, other_tenant, signed_in, client):
    official = UserFactory.create(tenant=other_tenant, roles=["official"])

    signed_in(client, official)

    assert client.get("/").status_code == 200
    assert client.defaults["HTTP_HOST"] == "beta.gialai.localhost"
    # the session lives in beta's schema: alpha's host does not know it
    assert client.get("/", HTTP_HOST="alpha.gialai.localhost").status_code == 302


def test_the_readme_example_the_lead_sees_the_task(tenant, signed_in):
    official = UserFactory.create(tenant=tenant, roles=["official"])
    task = AssignmentFactory.create(tenant=tenant, assignee=official)

    client = signed_in(Client(), official)

    assert task.document.summary in client.get("/tasks/").content.decode()
