"""Routing refuses the province's own code: the public schema holds no inbox, so a delivery to it
could only fail with a database error and be retried forever. A paused peer's deliveries wait."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.management import call_command

from core.audit import Actor
from core.errors import ApplicationError
from core.tenancy import in_public, in_tenant
from interagency.edxml.certificates import generate_authority
from interagency.exchange.models import InboxItem, OutboxEntry
from interagency.exchange.tests.flows import issue_to, office
from interagency.hub.models import HubAttempt, HubDelivery, HubPacket
from interagency.hub.services import federation
from interagency.hub.services.deliveries import delivery_retry, work
from interagency.hub.services.directory import directory_import_csv
from interagency.hub.services.routing import route

pytestmark = pytest.mark.django_db


def test_the_provinces_own_code_routes_nowhere_with_a_reason(province, tenant):
    with in_public():
        own = route(province.org_code)
        agency = route(tenant.org_code)

    assert own.error
    assert province.org_code in own.error
    assert agency.error == ""


def test_a_document_only_to_the_provinces_own_code_is_refused_at_the_hub(province, tenant):
    people = office(tenant)
    issue_to(tenant, people, [SimpleNamespace(org_code=province.org_code, name=province.name)])

    work()

    with in_public():
        assert not HubPacket.objects.exists()
    with in_tenant(tenant):
        entry = OutboxEntry.objects.get()
        assert entry.relayed_at is None  # kept waiting and visible, not retried as if it might pass
        assert province.org_code in entry.last_error


def test_the_provinces_own_code_among_others_is_dead_at_once_and_the_others_arrive(
    province, tenant, other_tenant
):
    people = office(tenant)
    issue_to(
        tenant,
        people,
        [SimpleNamespace(org_code=province.org_code, name=province.name), other_tenant],
    )

    work()
    call_command("hub", "work")  # nothing left to try: no database error, no retry

    with in_public():
        own = HubDelivery.objects.get(recipient_code=province.org_code)
        assert own.state == HubDelivery.State.DEAD
        assert own.attempts == 0
        assert province.org_code in own.last_error
        assert not HubAttempt.objects.filter(delivery=own).exists()
        assert HubDelivery.objects.get(recipient_code=other_tenant.org_code).state == (
            HubDelivery.State.DELIVERED
        )
    with in_tenant(other_tenant):
        assert InboxItem.objects.count() == 1


def test_an_operator_cannot_retry_a_delivery_to_the_provinces_own_code(province, tenant, other_tenant):
    issue_to(
        tenant,
        office(tenant),
        [SimpleNamespace(org_code=province.org_code, name=province.name), other_tenant],
    )
    work()
    with in_public():
        own = HubDelivery.objects.get(recipient_code=province.org_code)

    with pytest.raises(ApplicationError, match=province.org_code):
        delivery_retry(actor=Actor(label="test"), delivery_id=own.pk)

    with in_public():
        own.refresh_from_db()
        assert own.state == HubDelivery.State.DEAD


def test_deliveries_to_a_paused_peer_wait_untried_until_it_is_resumed(province, tenant):
    actor = Actor(label="test")
    peer, _secret = federation.peer_create(
        actor=actor,
        data=federation.PeerData(
            system_id="paused-hub",
            name="Trục tạm dừng",
            base_url="https://127.0.0.1:9",
            remote_system_id="tinhso-test",
            remote_secret="our-secret-at-the-paused-hub",
            trust_roots=generate_authority("Tổ chức chứng thực tỉnh khác")[1].decode(),
        ),
    )
    with in_public():
        directory_import_csv(
            actor=actor, content="org_code,name,hub_url\n000.00.31.H36,Sở Y,https://127.0.0.1:9\n".encode()
        )
    federation.peer_pause(actor=actor, peer_id=peer.pk)
    issue_to(tenant, office(tenant), [SimpleNamespace(org_code="000.00.31.H36", name="Sở Y")])

    work()

    with in_public():
        held = HubDelivery.objects.get(recipient_code="000.00.31.H36")
    assert (held.state, held.attempts, held.last_error) == (HubDelivery.State.PENDING, 0, "")

    federation.peer_resume(actor=actor, peer_id=peer.pk)
    work()

    with in_public():
        held.refresh_from_db()
    assert held.attempts == 1  # tried (the address is closed: it fails and waits for its back-off)
    assert held.state == HubDelivery.State.PENDING
