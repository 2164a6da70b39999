"""The IT officer's page of slowed-down logins (issue 12): which account names and addresses of the
agency the throttle is counting, their delay and until when; clearing one lets the right password in
at once. Only the IT officer (the operator on the console) sees or clears, and only their own tenant's."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from conftest import PASSWORD
from core.models import AuditEntry
from core.tenancy import in_public, in_tenant

pytestmark = pytest.mark.django_db

ATTACKER = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}


def _login(client: Client, username: str, password: str = PASSWORD, **extra: Any):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def _hammer(client: Client, username: str, times: int = 5) -> None:
    for _ in range(times):
        _login(client, username, "sai mat khau", **ATTACKER)


def _rows(page: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": row.throttle.kind,
            "label": row.shown,
            "failures": row.throttle.failures,
            "ident": row.throttle.ident,
            "delay": row.delay,
            "until": row.until,
        }
        for row in page.context["rows"]
    ]


def test_the_it_officer_sees_the_slowed_account_and_address_and_clearing_lets_the_owner_in_at_once(
    clock, tenant, make_user, signed_in, client_for, host_of
):
    make_user(tenant, "lananh")
    officer = signed_in(client_for(""), make_user(tenant, "cntt", roles=("it_officer",)), tenant=tenant)
    _hammer(client_for(host_of(tenant)), "lananh")
    owner = client_for(host_of(tenant))
    assert _login(owner, "lananh").status_code == 429

    page = officer.get("/login-throttles/")

    assert page.status_code == 200
    rows = {row["kind"]: row for row in _rows(page)}
    assert rows["account"]["label"] == "lananh"
    assert rows["account"]["failures"] == 5
    assert rows["account"]["delay"] == 1
    assert rows["account"]["until"] is not None
    assert rows["address"]["label"] == "203.0.113.66"
    assert rows["address"]["failures"] == 5
    assert rows["address"]["delay"] == 0  # under the address limit: counted, not slowed
    assert "lananh" in page.content.decode()

    cleared = officer.post("/login-throttles/clear/", {"kind": "account", "ident": rows["account"]["ident"]})

    assert cleared.status_code == 302
    assert _login(owner, "lananh").status_code == 302  # at once, no wait
    with in_tenant(tenant):
        entry = AuditEntry.objects.get(action="login.throttle_clear")
    assert entry.actor == "cntt"
    assert entry.detail == {"kind": "account", "label": "lananh", "failures": 5}
    assert [row["kind"] for row in _rows(officer.get("/login-throttles/"))] == ["address"]

    # a second click (a retry) changes nothing and writes nothing
    again = officer.post("/login-throttles/clear/", {"kind": "account", "ident": rows["account"]["ident"]})
    assert again.status_code == 302
    with in_tenant(tenant):
        assert AuditEntry.objects.filter(action="login.throttle_clear").count() == 1


def test_clearing_an_address_lets_the_next_login_from_it_through(
    clock, tenant, make_user, signed_in, client_for, host_of
):
    make_user(tenant, "lananh")
    officer = signed_in(client_for(""), make_user(tenant, "cntt", roles=("it_officer",)), tenant=tenant)
    browser = client_for(host_of(tenant))
    with override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=3):
        for number in range(4):
            _login(browser, f"khongco{number}", "Password1", **ATTACKER)
        assert _login(browser, "lananh", **ATTACKER).status_code == 429

        officer.post("/login-throttles/clear/", {"kind": "address", "ident": "203.0.113.66"})

        assert _login(browser, "lananh", **ATTACKER).status_code == 302


@pytest.mark.parametrize("role", ["clerk", "head", "official"])
def test_anyone_but_the_it_officer_is_refused_the_page_and_the_clearing(
    clock, tenant, make_user, signed_in, client_for, host_of, role
):
    make_user(tenant, "lananh")
    _hammer(client_for(host_of(tenant)), "lananh")
    other = signed_in(client_for(""), make_user(tenant, "nguoikhac", roles=(role,)), tenant=tenant)

    assert other.get("/login-throttles/").status_code == 403
    assert (
        other.post("/login-throttles/clear/", {"kind": "address", "ident": "203.0.113.66"}).status_code == 403
    )
    assert _login(client_for(host_of(tenant)), "lananh").status_code == 429  # still held
    with in_tenant(tenant):
        assert not AuditEntry.objects.filter(action="login.throttle_clear").exists()


def test_an_it_officer_sees_and_clears_only_their_own_tenants_throttles(
    clock, tenant, other_tenant, make_user, signed_in, client_for, host_of
):
    make_user(tenant, "lananh")
    _hammer(client_for(host_of(tenant)), "lananh")
    officer_b = signed_in(
        client_for(""), make_user(other_tenant, "cntt", roles=("it_officer",)), tenant=other_tenant
    )

    assert _rows(officer_b.get("/login-throttles/")) == []
    # B's officer posts A's throttle: in B's store there is no such thing
    officer_b.post("/login-throttles/clear/", {"kind": "address", "ident": "203.0.113.66"})
    assert _login(client_for(host_of(tenant)), "lananh").status_code == 429


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "account", "ident": "lananh"},  # a name, not the digest the page posts
        {"kind": "address", "ident": "not an address"},
        {"kind": "everything", "ident": "*"},
        {"kind": "account", "ident": "*"},
        {},
    ],
)
def test_a_made_up_clear_request_is_a_message_not_a_500(
    clock, tenant, make_user, signed_in, client_for, host_of, data
):
    make_user(tenant, "lananh")
    _hammer(client_for(host_of(tenant)), "lananh")
    officer = signed_in(client_for(""), make_user(tenant, "cntt", roles=("it_officer",)), tenant=tenant)

    response = officer.post("/login-throttles/clear/", data, follow=True)

    assert response.status_code == 200
    assert len(_rows(response)) == 2  # nothing cleared
    assert _login(client_for(host_of(tenant)), "lananh").status_code == 429


def test_the_console_operator_sees_and_clears_the_consoles_address_throttle(
    clock, province, make_user, signed_in, client_for
):
    make_user(None, "vanhanh", roles=("operator",))
    with in_public():
        from accounts.models import User

        operator = signed_in(client_for(""), User.objects.get(username="vanhanh"), tenant=province)
    console = client_for(settings.CONSOLE_HOST)
    _hammer(console, "vanhanh")

    rows = {row["kind"]: row for row in _rows(operator.get("/login-throttles/"))}
    assert rows["address"]["label"] == "203.0.113.66"
    assert rows["account"]["label"] == "vanhanh"

    operator.post("/login-throttles/clear/", {"kind": "address", "ident": "203.0.113.66"})
    assert {row["kind"] for row in _rows(operator.get("/login-throttles/"))} == {"account"}
    with in_public():
        assert AuditEntry.objects.filter(action="login.throttle_clear", actor="vanhanh").count() == 1


def test_a_name_no_account_has_is_neither_shown_nor_audited_it_may_be_a_password(
    clock, tenant, make_user, signed_in, client_for, host_of
):
    officer = signed_in(client_for(""), make_user(tenant, "cntt", roles=("it_officer",)), tenant=tenant)
    # someone typed their password into the name field, five times
    _hammer(client_for(host_of(tenant)), "Mat-Khau-Cua-Toi 2026")

    page = officer.get("/login-throttles/")
    [row] = [row for row in _rows(page) if row["kind"] == "account"]

    assert row["label"] == ""
    assert "mat-khau-cua-toi" not in page.content.decode().lower()
    officer.post("/login-throttles/clear/", {"kind": "account", "ident": row["ident"]})
    with in_tenant(tenant):
        entry = AuditEntry.objects.get(action="login.throttle_clear")
    assert "mat-khau" not in str(entry.detail).lower()
    assert [row["kind"] for row in _rows(officer.get("/login-throttles/"))] == ["address"]
