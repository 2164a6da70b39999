"""The permission layer: roles grant codes, deny by default, scope by schema, object rules."""

from __future__ import annotations

import pytest

from accounts.permissions import can, require, user_roles, users_with
from accounts.services.roles import role_revoke
from accounts.services.users import user_deactivate, user_lock
from core.audit import Actor
from core.tenancy import in_public, in_tenant

pytestmark = pytest.mark.django_db


def test_unknown_code_and_no_role_are_denied(tenant, make_user):
    person = make_user(tenant, "lananh")
    clerk = make_user(tenant, "thuyctp", roles=("clerk",))
    with in_tenant(tenant):
        assert not can(person, "qlvbdh.register_incoming")
        assert can(clerk, "qlvbdh.register_incoming")
        assert not can(clerk, "qlvbdh.no_such_permission")  # type: ignore[arg-type]
        assert not can(clerk, "accounts.manage_accounts")
        assert not can(None, "qlvbdh.register_incoming")


def test_one_person_may_hold_several_roles(tenant, make_user):
    person = make_user(tenant, "thuyctp", roles=("clerk", "board_secretary"))
    with in_tenant(tenant):
        assert user_roles(person) == {"clerk", "board_secretary"}
        assert can(person, "qlvbdh.register_incoming")
        assert can(person, "portal.publish")
        assert not can(person, "portal.take_down")


def test_roles_count_only_in_their_own_scope(tenant, province, make_user):
    # a province role written into a tenant schema, and a tenant role into the public one
    in_tenant_row = make_user(tenant, "odd", roles=("operator",))
    in_public_row = make_user(None, "odd2", roles=("head",))
    with in_tenant(tenant):
        assert not can(in_tenant_row, "tenants.manage")
    with in_public():
        assert not can(in_public_row, "qlvbdh.direct")


def test_superuser_holds_only_its_scope_codes(tenant, make_user):
    root = make_user(tenant, "root", is_superuser=True)
    with in_tenant(tenant):
        assert can(root, "accounts.manage_accounts")
        assert not can(root, "tenants.manage")


def test_locked_or_deactivated_person_holds_nothing(tenant, make_user):
    head = make_user(tenant, "nguyentd", roles=("head",))
    clerk = make_user(tenant, "thuyctp", roles=("clerk",))
    with in_tenant(tenant):
        assert can(head, "qlvbdh.direct")
        assert can(clerk, "qlvbdh.register_incoming")
        user_lock(actor=Actor(label="test"), user=head, reason="lost")
        user_deactivate(actor=Actor(label="test"), user=clerk, reason="retired")
        head.refresh_from_db()
        clerk.refresh_from_db()
        assert not can(head, "qlvbdh.direct")
        assert not can(clerk, "qlvbdh.register_incoming")


def test_object_rule_decides_for_an_object_and_as_a_queryset_alike(tenant, make_user):
    from django.db.models import Q

    from accounts.models import User
    from accounts.permissions import Rule, _rules, permitted, register

    officer = make_user(tenant, "nguyentd", roles=("it_officer",))
    others = [make_user(tenant, name, roles=()) for name in ("thuyctp", "minhtt")]
    key = ("accounts.view_accounts", User)
    saved = _rules.pop(key, None)
    register([Rule("accounts.view_accounts", User, lambda user: ~Q(username="minhtt"))])
    try:
        with in_tenant(tenant):
            assert can(officer, "accounts.view_accounts")
            assert can(officer, "accounts.view_accounts", others[0])
            assert not can(officer, "accounts.view_accounts", others[1])
            listed = set(
                permitted(officer, "accounts.view_accounts", User).values_list("username", flat=True)
            )
            assert listed == {"nguyentd", "thuyctp"}
            from django.core.exceptions import PermissionDenied

            with pytest.raises(PermissionDenied):
                require(officer, "accounts.view_accounts", others[1])
    finally:
        _rules.pop(key)
        if saved is not None:
            _rules[key] = saved


def test_revoked_role_stops_counting_and_is_kept_on_record(tenant, make_user):
    person = make_user(tenant, "thuyctp", roles=("clerk",))
    with in_tenant(tenant):
        role_revoke(actor=Actor(label="test"), user=person, role="clerk")
        person.refresh_from_db()
        assert not can(person, "qlvbdh.register_incoming")
        grant = person.role_grants.get(role="clerk")
        assert grant.revoked_at is not None
        assert grant.revoked_by == "test"


def test_the_queryset_form_names_exactly_who_can(tenant, make_user):
    people = [
        make_user(tenant, "thuyctp", roles=("clerk",)),
        make_user(tenant, "thuyctp2", roles=("clerk", "official")),
        make_user(tenant, "nguyentd", roles=("head",)),
        make_user(tenant, "minhtht", roles=("official",)),
        make_user(tenant, "khoavd", roles=("clerk",)),
        make_user(tenant, "root", is_superuser=True),
        make_user(tenant, "nobody"),
    ]
    with in_tenant(tenant):
        user_lock(actor=Actor(label="test"), user=people[4], reason="lost")
        for user in people:
            user.refresh_from_db()
        for code in ("qlvbdh.register_incoming", "qlvbdh.direct", "tenants.manage"):
            expected = [user.username for user in people if can(user, code)]
            assert [user.username for user in users_with(code)] == expected
        assert [u.username for u in users_with("qlvbdh.register_incoming")] == ["thuyctp", "thuyctp2", "root"]
