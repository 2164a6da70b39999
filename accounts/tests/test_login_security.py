"""Login security through real hosts: lockout, locks that end sessions, the second factor, temporary
passwords, idle sessions and the login history each person can read."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LoginEvent, User
from accounts.services.credentials import user_reset_password
from accounts.services.roles import role_grant
from accounts.services.users import user_deactivate, user_lock, user_unlock
from conftest import PASSWORD, totp_now
from core.audit import Actor
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db

OFFICER = Actor(label="test")


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_delay_after_configured_failures_then_cleared_by_it_officer(tenant, make_user, client_for, host_of):
    make_user(tenant, "lananh")
    browser = client_for(host_of(tenant))

    # when: three wrong passwords (the configured limit)
    for _attempt in range(3):
        assert _login(browser, "lananh", "wrong password!").status_code in (200, 429)

    # then: the right password is refused too, with the lockout message
    locked = _login(browser, "lananh")
    assert locked.status_code == 429
    assert "chờ" in locked.content.decode()
    assert int(locked["Retry-After"]) <= 60
    assert not _signed_in(browser)
    with in_tenant(tenant):
        kinds = list(LoginEvent.objects.filter(username="lananh").values_list("kind", flat=True))
        assert kinds.count("failure") >= 2
        assert "locked_out" in kinds

        # when: the IT officer unlocks the account
        user_unlock(actor=OFFICER, user=User.objects.get(username="lananh"))

    # then: the person signs in again
    assert _login(browser, "lananh").status_code == 302
    assert _signed_in(browser)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_counts_per_account_name_not_per_case(tenant, make_user, client_for, host_of):
    make_user(tenant, "lananh")
    browser = client_for(host_of(tenant))

    for name in ("LanAnh", " lananh", "LANANH"):
        _login(browser, name, "wrong password!")

    assert _login(browser, "lananh").status_code == 429


def test_locked_account_cannot_log_in_and_its_open_sessions_end(tenant, make_user, client_for, host_of):
    make_user(tenant, "hoangvm")
    desk, phone = client_for(host_of(tenant)), client_for(host_of(tenant))
    assert _login(desk, "hoangvm").status_code == 302
    assert _login(phone, "hoangvm").status_code == 302
    assert desk.get("/").status_code == 200

    # when: the IT officer locks the account (reported lost)
    with in_tenant(tenant):
        user_lock(actor=OFFICER, user=User.objects.get(username="hoangvm"), reason="mất điện thoại")

    # then: both open sessions are over and a new login fails
    for session in (desk, phone):
        response = session.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    fresh = client_for(host_of(tenant))
    assert _login(fresh, "hoangvm").status_code == 200
    assert not _signed_in(fresh)


def test_deactivated_account_cannot_log_in_and_is_kept(tenant, make_user, client_for, host_of):
    make_user(tenant, "hoangvm", full_name="Vũ Minh Hoàng")
    with in_tenant(tenant):
        user_deactivate(actor=OFFICER, user=User.objects.get(username="hoangvm"), reason="nghỉ hưu")

    browser = client_for(host_of(tenant))
    assert _login(browser, "hoangvm").status_code == 200
    assert not _signed_in(browser)
    with in_tenant(tenant):
        assert User.objects.get(username="hoangvm").full_name == "Vũ Minh Hoàng"


@pytest.mark.parametrize("role", ["head", "it_officer"])
def test_privileged_role_cannot_finish_login_without_second_factor(
    tenant, make_user, client_for, host_of, role
):
    make_user(tenant, "nguyentd", roles=(role,))
    browser = client_for(host_of(tenant))

    # when: the right password
    response = _login(browser, "nguyentd")

    # then: a second step, not a session
    assert response.status_code == 302
    assert response["Location"] == "/login/setup/"
    assert not _signed_in(browser)
    assert browser.get("/").status_code == 302
    assert browser.get("/api/v1/me/").status_code in (401, 403)
    # a wrong code does not finish it either
    setup = browser.get("/login/setup/")
    assert setup.status_code == 200
    assert browser.post("/login/setup/", {"token": "000000"}).status_code == 200
    assert not _signed_in(browser)
    # and the password alone does not open the API: it takes no password, only a personal token
    token = base64.b64encode(f"nguyentd:{PASSWORD}".encode()).decode()
    api = client_for(host_of(tenant)).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Basic {token}")
    assert api.status_code == 401
    assert "Bearer" in api.json()["detail"]


def test_enrolled_head_finishes_login_with_a_current_code(tenant, make_user, client_for, host_of):
    make_user(tenant, "nguyentd", roles=("head",))
    browser = client_for(host_of(tenant))
    _login(browser, "nguyentd")
    browser.get("/login/setup/")
    with in_tenant(tenant):
        device = TOTPDevice.objects.get(user__username="nguyentd")

    response = browser.post("/login/setup/", {"token": totp_now(device)})

    assert response.status_code == 302
    assert _signed_in(browser)
    assert browser.get("/").status_code == 200
    assert browser.get("/api/v1/me/").json()["user"]["username"] == "nguyentd"
    with in_tenant(tenant):
        assert TOTPDevice.objects.get(pk=device.pk).confirmed
    # next time: the verify step, and the device is required
    again = client_for(host_of(tenant))
    assert _login(again, "nguyentd")["Location"] == "/login/verify/"
    assert not _signed_in(again)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_second_factor_codes_count_towards_lockout(tenant, make_user, client_for, host_of):
    make_user(tenant, "nguyentd", roles=("head",))
    browser = client_for(host_of(tenant))
    _login(browser, "nguyentd")
    browser.get("/login/setup/")

    for _attempt in range(3):
        browser.post("/login/setup/", {"token": "123456"})

    assert _login(client_for(host_of(tenant)), "nguyentd").status_code == 429


def test_role_granted_during_a_session_requires_the_second_factor(tenant, make_user, client_for, host_of):
    make_user(tenant, "lananh")
    browser = client_for(host_of(tenant))
    _login(browser, "lananh")
    assert browser.get("/").status_code == 200

    with in_tenant(tenant):
        role_grant(actor=OFFICER, user=User.objects.get(username="lananh"), role="head")

    response = browser.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not _signed_in(browser)


def test_temporary_password_forces_a_new_one_before_anything_else(tenant, make_user, client_for, host_of):
    make_user(tenant, "lananh", full_name="Lê Thị Lan Anh")
    with in_tenant(tenant):
        _user, temporary = user_reset_password(actor=OFFICER, user=User.objects.get(username="lananh"))
    browser = client_for(host_of(tenant))

    assert _login(browser, "lananh", temporary).status_code == 302
    assert browser.get("/")["Location"] == "/account/password/"
    assert browser.get("/api/v1/me/").status_code == 403

    weak = browser.post(
        "/account/password/",
        {"old_password": temporary, "new_password": "lananh12345", "new_password_again": "lananh12345"},
    )
    assert weak.status_code == 200
    assert "họ tên hoặc tên tài khoản" in weak.content.decode()

    new = "Cây đa đầu làng 2026"
    done = browser.post(
        "/account/password/", {"old_password": temporary, "new_password": new, "new_password_again": new}
    )
    assert done.status_code == 302
    assert browser.get("/").status_code == 200
    # the old one-time password is dead, the new one works, typed decomposed (NFD) too
    assert _login(client_for(host_of(tenant)), "lananh", temporary).status_code == 200
    import unicodedata

    assert _login(client_for(host_of(tenant)), "lananh", unicodedata.normalize("NFD", new)).status_code == 302


def test_expired_temporary_password_is_refused(tenant, make_user, client_for, host_of):
    make_user(tenant, "lananh")
    with in_tenant(tenant):
        user, temporary = user_reset_password(actor=OFFICER, user=User.objects.get(username="lananh"))
        User.objects.filter(pk=user.pk).update(
            temporary_password_expires_at=timezone.now() - timedelta(minutes=1)
        )

    browser = client_for(host_of(tenant))
    assert _login(browser, "lananh", temporary).status_code == 200
    assert not _signed_in(browser)


@override_settings(SESSION_IDLE_SECONDS=60)
def test_idle_session_expires(tenant, make_user, client_for, host_of):
    make_user(tenant, "lananh")
    browser = client_for(host_of(tenant))
    _login(browser, "lananh")
    assert browser.get("/").status_code == 200

    session = browser.session
    session["tinhso_last_seen"] = int(timezone.now().timestamp()) - 120
    session.save()

    response = browser.get("/")
    assert response.status_code == 302
    assert not _signed_in(browser)
    with in_tenant(tenant):
        assert LoginEvent.objects.filter(username="lananh", kind="expired").exists()


def test_each_person_sees_their_own_login_history(tenant, make_user, client_for, host_of):
    make_user(tenant, "lananh")
    make_user(tenant, "hoangvm")
    _login(client_for(host_of(tenant)), "lananh", "not the password")
    _login(client_for(host_of(tenant)), "hoangvm", "not the password either")
    browser = client_for(host_of(tenant))
    _login(browser, "lananh")

    page = browser.get("/account/logins/").content.decode()
    api = browser.get("/api/v1/me/logins/").json()

    assert "Sai tên đăng nhập hoặc mật khẩu" in page
    assert "Đăng nhập thành công" in page
    assert [event["kind"] for event in api][:2] == ["success", "failure"]
    with in_tenant(tenant):
        assert LoginEvent.objects.filter(username="hoangvm").count() == 1
    assert len(api) == 2  # hoangvm's failure is not in lananh's history


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_api_checks_no_password_so_guessing_there_learns_and_counts_nothing(
    tenant, make_user, client_for, host_of
):
    make_user(tenant, "lananh", roles=("deputy_head",))

    def api(password: str) -> int:
        token = base64.b64encode(f"lananh:{password}".encode()).decode()
        return (
            client_for(host_of(tenant)).get("/api/v1/users/", HTTP_AUTHORIZATION=f"Basic {token}").status_code
        )

    assert [api("guess number one") for _ in range(5)] == [401] * 5
    assert api(PASSWORD) == 401  # the right one looks the same
    assert _login(client_for(host_of(tenant)), "lananh").status_code == 302  # nothing was counted
