"""Failed logins slow the guesser down and never lock the owner out for long (issue 12): growing
delays per account name and per client address, the client address taken only from our own proxy."""

from __future__ import annotations

import base64
import contextlib
from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.security import _throttles, login_failure_add, login_turn
from accounts.services.users import user_unlock
from conftest import PASSWORD, together, totp_now
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


def _state(tenant: Any, username: str) -> int:
    with in_tenant(tenant):
        return max(t.failures for t, _label in _throttles(RequestFactory().post("/login/"), username))


def test_guesses_sent_in_parallel_are_heard_no_more_than_one_after_another(tenant, make_user, clock):
    """What a guesser racing the throttle gets: a request is checked only with a turn, and every
    failure counts, however many arrive at once (in the same process or in another)."""
    make_user(tenant, "lananh")
    request = RequestFactory().post("/login/", REMOTE_ADDR="203.0.113.8")
    with in_tenant(tenant):
        # the five free attempts may be checked together, no more
        with contextlib.ExitStack() as racing:
            waits = [racing.enter_context(login_turn(request, "lananh")) for _ in range(7)]
        assert waits == [0, 0, 0, 0, 0, 1, 1]
        for _ in range(5):
            login_failure_add(request, "lananh")  # the five heard ones were wrong: all five count
        assert _throttles(request, "lananh")[1][0].failures == 5

        clock.step(60)
        with login_turn(request, "lananh") as first, login_turn(request, "lananh") as second:
            assert (first, second) == (0, 1)  # one attempt after the wait; the racer waits for its result
        login_failure_add(request, "lananh")
        clock.step(60)
        with login_turn(request, "lananh") as then:
            assert then == 0  # once it is done, the next is heard (after the doubled wait)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_wrong_passwords_over_http_is_held_to_the_throttle(tenant, make_user, host_of):
    make_user(tenant, "lananh")
    host, workers, statuses = host_of(tenant), 12, []

    def guess(index: int) -> None:
        statuses.append(_login(Client(HTTP_HOST=host), "lananh", f"sai mat khau {index}").status_code)

    failures = together(workers, guess)

    assert failures == []
    heard = statuses.count(200)
    assert set(statuses) <= {200, 429}
    assert len(statuses) == workers
    assert 1 <= heard <= 5  # the five free attempts, however they interleave
    assert _state(tenant, "lananh") == heard  # and each of them counted


# django-otp's own throttle of the device (real seconds) is off: this is about ours
@override_settings(AXES_FAILURE_LIMIT=3, OTP_TOTP_THROTTLE_FACTOR=0)
def test_the_second_factor_step_waits_its_turn_like_the_password(
    tenant, make_user, client_for, host_of, clock
):
    make_user(tenant, "nguyentd", roles=("head",))
    browser = client_for(host_of(tenant))
    _login(browser, "nguyentd")
    browser.get("/login/setup/")
    with in_tenant(tenant):
        device = TOTPDevice.objects.get(user__username="nguyentd")
    for _attempt in range(3):
        assert browser.post("/login/setup/", {"token": "123456"}).status_code == 200

    # within the wait not even the right code is checked (no oracle for whoever holds the password)
    held = browser.post("/login/setup/", {"token": totp_now(device)})
    assert held.status_code == 429
    assert "_auth_user_id" not in browser.session

    clock.step(int(held["Retry-After"]))
    assert browser.post("/login/setup/", {"token": totp_now(device)}).status_code == 302
    assert "_auth_user_id" in browser.session


def test_a_password_change_within_the_wait_checks_no_password_and_keeps_the_session(
    tenant, make_user, client_for, host_of, clock
):
    make_user(tenant, "lananh")
    owner, stranger = client_for(host_of(tenant)), client_for(host_of(tenant))
    assert _login(owner, "lananh").status_code == 302
    for _ in range(5):
        _login(stranger, "lananh", "sai mat khau")
    new = "Đồng lúa chín vàng bên sông Ba"
    change = {"old_password": PASSWORD, "new_password": new, "new_password_again": new}

    held = owner.post("/account/password/", change)
    assert held.status_code == 429
    assert "_auth_user_id" in owner.session  # someone else's guessing does not sign the owner out

    clock.step(int(held["Retry-After"]))
    assert owner.post("/account/password/", change).status_code == 302
