"""Failed logins slow the guesser down and never lock the owner out for long (issue 12): growing
delays per account name and per client address, the client address taken only from our own proxy."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings

from accounts.models import User
from accounts.services.users import user_unlock
from conftest import PASSWORD
from core.audit import Actor
from core.http import client_ip
from core.models import AuditEntry
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str = PASSWORD, **extra: Any):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_five_wrong_passwords_delay_the_owner_a_second_not_half_an_hour(
    tenant, make_user, client_for, host_of, clock
):
    make_user(tenant, "truongphong", roles=("deputy_head",))
    stranger, owner = client_for(host_of(tenant)), client_for(host_of(tenant))

    # when: a stranger types five wrong passwords for the account (its name follows a public rule)
    assert [_login(stranger, "truongphong", "sai mat khau").status_code for _ in range(5)] == [200] * 5

    # then: right now even the right password waits, and says how long (no oracle for the stranger)
    held = _login(owner, "truongphong")
    assert held.status_code == 429
    assert 1 <= int(held["Retry-After"]) <= 60
    assert "giây" in held.content.decode()
    assert "_auth_user_id" not in owner.session

    # and: after that short wait the owner's right password works
    clock.step(int(held["Retry-After"]))
    assert _login(owner, "truongphong").status_code == 302
    assert "_auth_user_id" in owner.session


def test_each_further_failure_doubles_the_wait_up_to_a_minute(tenant, make_user, client_for, host_of, clock):
    make_user(tenant, "lananh")
    guesser = client_for(host_of(tenant))
    for _ in range(5):
        _login(guesser, "lananh", "sai mat khau")

    waits = []
    for _ in range(9):
        held = _login(guesser, "lananh", "sai mat khau")
        assert held.status_code == 429  # heard too soon: not checked, not counted
        waits.append(int(held["Retry-After"]))
        clock.step(waits[-1])
        assert _login(guesser, "lananh", "sai mat khau").status_code == 200  # heard, and wrong
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]

    # the owner still waits at most a minute, then signs in, which clears the account's count
    clock.step(60)
    assert _login(client_for(host_of(tenant)), "lananh").status_code == 302
    assert _login(guesser, "lananh", "sai mat khau").status_code == 200


def test_fifty_made_up_names_from_one_client_behind_nginx_do_not_refuse_the_next_client(
    tenant, make_user, client_for, host_of
):
    make_user(tenant, "lananh")
    # nginx on loopback (a trusted proxy) appends each client's own address to X-Forwarded-For
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    colleague = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    browser = client_for(host_of(tenant))

    for number in range(50):
        assert _login(browser, f"khongco{number}", "Password1", **attacker).status_code == 200

    # then: the attacker's address is slowed down ...
    assert _login(browser, "lananh", **attacker).status_code == 429
    # ... and another client of the same nginx signs in at once
    other = client_for(host_of(tenant))
    assert _login(other, "lananh", **colleague).status_code == 302


@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=3)
def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(tenant, make_user, client_for, host_of):
    make_user(tenant, "lananh")
    browser = client_for(host_of(tenant))

    # a client reaching gunicorn directly invents a new address for every attempt
    for number in range(3):
        forged = {"REMOTE_ADDR": "198.51.100.9", "HTTP_X_FORWARDED_FOR": f"192.0.2.{number}"}
        _login(browser, f"khongco{number}", "Password1", **forged)

    forged = {"REMOTE_ADDR": "198.51.100.9", "HTTP_X_FORWARDED_FOR": "192.0.2.200"}
    assert _login(browser, "lananh", **forged).status_code == 429


def test_client_address_is_the_first_entry_our_proxies_did_not_write():
    factory = RequestFactory()

    def ip(remote: str, forwarded: str | None = None) -> str | None:
        request = factory.get("/", REMOTE_ADDR=remote)
        if forwarded is not None:
            request.META["HTTP_X_FORWARDED_FOR"] = forwarded
        return client_ip(request)

    with override_settings(TRUSTED_PROXIES=["127.0.0.1/32", "10.0.0.0/8"]):
        assert ip("127.0.0.1", "203.0.113.5") == "203.0.113.5"
        # the client wrote the left entries; nginx and a load balancer appended theirs
        assert ip("127.0.0.1", "1.1.1.1, 203.0.113.5, 10.1.2.3") == "203.0.113.5"
        assert ip("127.0.0.1") == "127.0.0.1"
        assert ip("198.51.100.9", "203.0.113.5") == "198.51.100.9"
        assert ip("127.0.0.1", "not-an-address") == "127.0.0.1"
    with override_settings(TRUSTED_PROXIES=[]):
        assert ip("127.0.0.1", "203.0.113.5") == "127.0.0.1"


def test_api_basic_auth_is_no_way_around_the_throttle(tenant, make_user, client_for, host_of, clock):
    make_user(tenant, "lananh", roles=("deputy_head",))
    browser = client_for(host_of(tenant))
    for _ in range(5):
        _login(browser, "lananh", "sai mat khau")

    # the login pages are holding the name; the API does not check passwords at all
    token = base64.b64encode(f"lananh:{PASSWORD}".encode()).decode()
    api = client_for(host_of(tenant)).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Basic {token}")
    assert api.status_code == 401
    assert _login(browser, "lananh").status_code == 429


def test_it_officer_clears_the_delay_and_it_is_audited(tenant, make_user, client_for, host_of, clock):
    make_user(tenant, "lananh")
    browser = client_for(host_of(tenant))
    for _ in range(12):
        clock.step(60)
        _login(browser, "lananh", "sai mat khau")
    assert _login(browser, "lananh").status_code == 429

    with in_tenant(tenant):
        user_unlock(actor=Actor(label="test"), user=User.objects.get(username="lananh"))
        assert AuditEntry.objects.filter(action="account.unlock").exists()

    assert _login(browser, "lananh").status_code == 302
