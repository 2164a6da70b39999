"""P2: the roles held in accounts are the only source of truth; Wagtail's groups follow every grant
and revoke, and one tenant's board sees nothing of another's."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.services.roles import role_grant, role_revoke
from accounts.tests.factories import UserFactory
from core.audit import Actor
from core.tenancy import in_tenant
from portal.tests import factories

pytestmark = pytest.mark.django_db


def _groups(user: Any) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_wagtail_groups_follow_grant_and_revoke(portal):
    with in_tenant(portal):
        officer = UserFactory.create(roles=["it_officer"])
        person = UserFactory.create()
        actor = Actor(user=officer)
        assert not person.has_perm("wagtailadmin.access_admin")
        role_grant(actor=actor, user=person, role="board_deputy")
        role_grant(actor=actor, user=person, role="editor")
        person = type(person).objects.get(pk=person.pk)
        assert _groups(person) == {"board:board_deputy", "board:editor"}
        assert person.has_perm("wagtailadmin.access_admin")
        role_revoke(actor=actor, user=person, role="board_deputy")
        role_revoke(actor=actor, user=person, role="editor")
        person = type(person).objects.get(pk=person.pk)
        assert _groups(person) == set()
        assert not person.has_perm("wagtailadmin.access_admin")


def test_a_hand_made_group_membership_does_not_survive_the_next_sync(portal):
    from django.contrib.auth.models import Group

    from portal.services.board import board_groups_sync

    with in_tenant(portal):
        person = UserFactory.create(roles=["contributor"])
        person.groups.add(Group.objects.get(name="board:board_head"))  # by hand, behind accounts' back
        board_groups_sync(person)
        assert _groups(person) == {"board:contributor"}


def test_only_the_board_head_may_unpublish_in_wagtail(portal):
    with in_tenant(portal):
        page = factories.article_create()
        for role in ("contributor", "editor", "board_deputy", "board_secretary"):
            user = UserFactory.create(roles=[role])
            assert not page.permissions_for_user(user).can_unpublish(), role
        head = UserFactory.create(roles=["board_head"])
        assert page.permissions_for_user(head).can_unpublish()


def test_workspace_roles_give_no_back_office(portal, client_for, host_of, signed_in, client):
    with in_tenant(portal):
        clerk = UserFactory.create(roles=["clerk"])
    response = signed_in(client, clerk).get("/cms/")
    assert response.status_code in (302, 403)
    assert not response.get("Location", "").startswith("/cms/")


def test_tenant_a_board_sees_nothing_of_tenant_b(
    portal, other_portal, signed_in, client, host_of, client_for
):
    with in_tenant(other_portal):
        factories.article_create(title="Bí mật của đơn vị B", publish=False)
    with in_tenant(portal):
        editor = UserFactory.create(roles=["editor"])
    a = signed_in(client, editor)
    listing = a.get("/cms/pages/search/", {"q": "Bí mật"})
    assert listing.status_code == 200
    assert "Bí mật của đơn vị B" not in listing.content.decode()
    # A's session is not a session on B's workspace host
    b = client_for(host_of(other_portal))
    b.cookies = a.cookies
    response = b.get("/cms/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_new_tenant_gets_its_portal_site_from_the_created_event(other_tenant):
    from wagtail.models import Site

    from portal.models import HomePage, SectionPage
    from tenants import events

    events.publish(events.TenantCreated(tenant=other_tenant))
    events.publish(events.TenantCreated(tenant=other_tenant))  # idempotent
    with in_tenant(other_tenant):
        site = Site.objects.get()
        assert site.hostname == other_tenant.domains.get(purpose="portal").domain
        assert isinstance(site.root_page.specific, HomePage)
        from portal.services.site import SECTIONS

        assert SectionPage.objects.count() == len(SECTIONS)


def test_a_prepared_spare_needs_only_a_rename_when_claimed(other_tenant, django_assert_max_num_queries):
    """The pool keeps a new tenant quick: the spare already holds the portal; the claim renames it."""
    from wagtail.models import Site

    from portal.receivers import portal_prepare, tenant_created
    from tenants.events import TenantCreated

    with in_tenant(other_tenant):
        portal_prepare()
        Site.objects.update(hostname="spare.invalid", site_name="")
    with in_tenant(other_tenant), django_assert_max_num_queries(12):
        tenant_created(TenantCreated(tenant=other_tenant))  # as the event delivers it, in the schema
    with in_tenant(other_tenant):
        site = Site.objects.get()
        assert site.hostname == other_tenant.domains.get(purpose="portal").domain
        assert site.site_name == other_tenant.name
        assert site.root_page.title == other_tenant.name
