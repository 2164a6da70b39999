"""No account takeover by ordering steps (issue 10): an IT officer, alone or with another officer,
never ends up holding both factors of an account that needs a second factor, whatever the order of
resets, grants and revocations. The step that would complete the takeover is refused, writes
nothing but the refusal's audit entry, and says why."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services.credentials import second_factor_reset, user_reset_password
from accounts.services.roles import role_grant, role_revoke
from accounts.services.users import AccountData, user_create
from conftest import PASSWORD, totp_now
from core.audit import Actor
from core.errors import ApplicationError
from core.models import AuditEntry
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db

Step = Callable[[Actor, User], Any]
STEPS: dict[str, Step] = {
    "remove-authenticator": lambda actor, user: second_factor_reset(actor=actor, user=user),
    "revoke-head": lambda actor, user: role_revoke(actor=actor, user=user, role="head"),
    "reset-password": lambda actor, user: user_reset_password(actor=actor, user=user),
    "grant-head": lambda actor, user: role_grant(actor=actor, user=user, role="head"),
}
CREDENTIAL_STEPS = ("remove-authenticator", "reset-password")
AUDITED_AS = {"remove-authenticator": "reset_second_factor", "reset-password": "reset_password"}


def _snapshot(username: str) -> tuple[Any, ...]:
    """Everything a refused step must leave as it was."""
    user = User.objects.get(username=username)
    return (
        user.password,
        user.security_stamp,
        user.must_change_password,
        user.password_issued_by_other_at,
        user.authenticator_removed_by_other_at,
        sorted(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed")),
        list(user.role_grants.order_by("id").values_list("role", "revoked_at")),
    )


def _run(tenant: Any, actor: Actor, username: str, step: str) -> tuple[bool, Any]:
    """Run one step as `actor`; (refused, result). A refusal must change nothing."""
    with in_tenant(tenant):
        before = _snapshot(username)
        try:
            result = STEPS[step](actor, User.objects.get(username=username))
        except ApplicationError as exc:
            refusal: ApplicationError | None = exc
        else:
            refusal = None
        if refusal is not None:
            assert refusal.code == "takeover", refusal.message
            assert _snapshot(username) == before
            return True, None
    return False, result


def _refusals(tenant: Any) -> list[str]:
    with in_tenant(tenant):
        return [
            entry.detail["step"]
            for entry in AuditEntry.objects.filter(action="account.takeover_refused").order_by("id")
        ]


def _login(client: Client, username: str, password: str) -> str:
    """The step the real login page sends this password to: '/login/verify/' asks for the
    existing authenticator, '/login/setup/' lets whoever is there enrol one, '/' is in."""
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return str(response["Location"])


@pytest.fixture
def officer(tenant: Any, make_user: Callable[..., Any]) -> Actor:
    return Actor(user=make_user(tenant, "itofficer", roles=("it_officer",)), ip="10.0.0.5")


@pytest.fixture
def head(tenant: Any, make_user: Callable[..., Any], sign_in: Callable[..., Client]) -> User:
    """A head who has signed in with the password and an authenticator of their own."""
    make_user(tenant, "nguyentd", roles=("head",))
    sign_in(tenant, "nguyentd")
    with in_tenant(tenant):
        return User.objects.get(username="nguyentd")


@pytest.mark.parametrize("order", list(itertools.permutations(STEPS)), ids=",".join)
def test_no_order_of_the_four_steps_hands_a_heads_account_to_the_officer(
    tenant, head, officer, order, client_for, host_of
):
    # given a head with their own password and authenticator; when the officer runs the four steps
    temporary = None
    for step in order:
        refused, result = _run(tenant, officer, "nguyentd", step)
        if step == "reset-password" and not refused:
            temporary = result[1]

    # then the second credential step, whichever it is, is the one refused, and on the record
    second = [step for step in order if step in CREDENTIAL_STEPS][1]
    assert _refusals(tenant) == [AUDITED_AS[second]]
    # and the officer cannot get in: a password they issued meets the head's own authenticator
    if temporary is not None:
        assert _login(client_for(host_of(tenant)), "nguyentd", temporary).startswith("/login/verify/")
    else:
        with in_tenant(tenant):
            assert User.objects.get(username="nguyentd").check_password(PASSWORD)


def test_granting_the_role_back_is_refused_once_both_factors_were_reset_without_it(
    tenant, head, officer, sign_in
):
    # given a head whose role was revoked, who then signed in again with both factors
    _run(tenant, officer, "nguyentd", "revoke-head")
    sign_in(tenant, "nguyentd")
    # when the officer resets both (allowed: no role needing a second factor since that sign-in)
    assert _run(tenant, officer, "nguyentd", "remove-authenticator")[0] is False
    refused, _result = _run(tenant, officer, "nguyentd", "reset-password")
    assert not refused
    # then granting the head role back is the refused step
    refused, _result = _run(tenant, officer, "nguyentd", "grant-head")
    assert refused
    assert _refusals(tenant) == ["grant_role"]
    with in_tenant(tenant):
        assert not User.objects.get(username="nguyentd").role_grants.filter(revoked_at__isnull=True).exists()


@pytest.fixture
def official(tenant: Any, make_user: Callable[..., Any], sign_in: Callable[..., Client]) -> str:
    """An official who turned an authenticator on themselves and never held a privileged role."""
    make_user(tenant, "lananh", roles=("official",))
    browser = sign_in(tenant, "lananh")
    browser.get("/account/second-factor/")
    with in_tenant(tenant):
        device = TOTPDevice.objects.get(user__username="lananh")
    assert browser.post("/account/second-factor/", {"token": totp_now(device)}).status_code == 302
    return "lananh"


def test_grant_first_then_both_resets_refuses_the_second_reset(tenant, official, officer):
    assert _run(tenant, officer, "lananh", "grant-head")[0] is False
    assert _run(tenant, officer, "lananh", "reset-password")[0] is False
    assert _run(tenant, officer, "lananh", "remove-authenticator")[0] is True
    assert _refusals(tenant) == ["reset_second_factor"]


def test_both_resets_then_the_grant_refuses_the_grant(tenant, official, officer):
    assert _run(tenant, officer, "lananh", "reset-password")[0] is False
    assert _run(tenant, officer, "lananh", "remove-authenticator")[0] is False  # not privileged: R10
    assert _run(tenant, officer, "lananh", "grant-head")[0] is True


def test_two_officers_cannot_share_the_work(tenant, head, officer, make_user):
    other = Actor(user=make_user(tenant, "anhbt", roles=("it_officer",)))

    assert _run(tenant, officer, "nguyentd", "remove-authenticator")[0] is False
    assert _run(tenant, other, "nguyentd", "revoke-head")[0] is False
    assert _run(tenant, other, "nguyentd", "reset-password")[0] is True
    with in_tenant(tenant):
        entry = AuditEntry.objects.get(action="account.takeover_refused")
    assert (entry.actor, entry.target_label, entry.detail["step"]) == ("anhbt", "nguyentd", "reset_password")


def test_an_officer_may_reset_their_own_factors_but_not_open_them_to_another(
    tenant, officer, make_user, sign_in
):
    # given an IT officer with their own authenticator, and a second officer
    sign_in(tenant, "itofficer")
    with in_tenant(tenant):
        me = Actor(user=User.objects.get(username="itofficer"))
    other = Actor(user=make_user(tenant, "anhbt", roles=("it_officer",)))

    # the owner resetting their own password and authenticator hands nothing to anyone
    _refused, result = _run(tenant, me, "itofficer", "reset-password")
    assert _run(tenant, me, "itofficer", "remove-authenticator")[0] is False
    sign_in(tenant, "itofficer", password=result[1])  # enrols a new authenticator

    # but while another officer's one-time password is on the account, removing the
    # authenticator would hand the account to that officer, even done by its owner
    _refused, result = _run(tenant, other, "itofficer", "reset-password")
    assert result is not None
    assert _run(tenant, me, "itofficer", "remove-authenticator")[0] is True


def test_a_heads_own_proof_clears_the_mark_and_the_other_reset_is_then_allowed(
    tenant, head, officer, client_for, host_of
):
    # the officer issues a one-time password; the head signs in with it and their own authenticator
    _refused, result = _run(tenant, officer, "nguyentd", "reset-password")
    temporary = result[1]
    browser = client_for(host_of(tenant))
    step = _login(browser, "nguyentd", temporary)
    with in_tenant(tenant):
        device = TOTPDevice.objects.get(user__username="nguyentd")
    assert browser.post(step, {"token": totp_now(device)}).status_code == 302
    changed = browser.post(
        "/account/password/",
        {
            "old_password": temporary,
            "new_password": "a new passphrase",
            "new_password_again": "a new passphrase",
        },
    )
    assert changed.status_code == 302

    # the password is the head's again: the lost phone can now be reset
    assert _run(tenant, officer, "nguyentd", "remove-authenticator")[0] is False


def test_a_new_heads_first_enrolment_and_the_shell_still_work(tenant, officer, client_for, host_of):
    # an officer creates a head's account; the head signs in for the first time and enrols
    with in_tenant(tenant):
        _user, temporary = user_create(
            actor=officer, data=AccountData(full_name="Trần Đình Nguyên", roles=["head"])
        )
    browser = client_for(host_of(tenant))
    step = _login(browser, "nguyentd", temporary)
    assert step.startswith("/login/setup/")
    browser.get(step)
    with in_tenant(tenant):
        device = TOTPDevice.objects.get(user__username="nguyentd")
    assert browser.post(step, {"token": totp_now(device)}).status_code == 302
    browser.post(
        "/account/password/",
        {
            "old_password": temporary,
            "new_password": "a new passphrase",
            "new_password_again": "a new passphrase",
        },
    )
    with in_tenant(tenant):
        head = User.objects.get(username="nguyentd")
        assert (head.password_issued_by_other_at, head.authenticator_removed_by_other_at) == (None, None)

    # the officer may then reset one factor; the shell (trusted) may reset both
    assert _run(tenant, officer, "nguyentd", "remove-authenticator")[0] is False
    assert _run(tenant, Actor(label="cli"), "nguyentd", "reset-password")[0] is False


def test_the_officer_signing_in_as_the_demoted_head_cannot_launder_the_marks(
    tenant, head, officer, sign_in, client_for, host_of
):
    # given a head demoted, who then signed in with both factors (no privilege since then)
    _run(tenant, officer, "nguyentd", "revoke-head")
    sign_in(tenant, "nguyentd")
    _run(tenant, officer, "nguyentd", "remove-authenticator")
    _refused, result = _run(tenant, officer, "nguyentd", "reset-password")

    # when the officer signs in with the password they issued, changes it, enrols their own phone
    browser = client_for(host_of(tenant))
    assert _login(browser, "nguyentd", result[1]) == "/"
    browser.post(
        "/account/password/",
        {
            "old_password": result[1],
            "new_password": "the officer's own choice 42",
            "new_password_again": "the officer's own choice 42",
        },
    )
    browser.get("/account/second-factor/")
    with in_tenant(tenant):
        phone = TOTPDevice.objects.get(user__username="nguyentd")
    assert browser.post("/account/second-factor/", {"token": totp_now(phone)}).status_code == 302

    # then neither factor counts as the owner's, and the head role is not given back
    assert _run(tenant, officer, "nguyentd", "grant-head")[0] is True


def test_the_issues_sequence_through_the_pages_is_refused_at_the_password_reset(
    tenant, head, make_user, sign_in
):
    make_user(tenant, "itofficer", roles=("it_officer",))
    officer = sign_in(tenant, "itofficer")
    page = f"/accounts/{head.uuid}/"

    removed = officer.post(f"{page}reset-second-factor/", follow=True)
    revoked = officer.post(f"{page}revoke/", {"role": "head"}, follow=True)
    reset = officer.post(f"{page}reset-password/", follow=True)
    granted = officer.post(f"{page}grant/", {"role": "head"}, follow=True)

    assert removed.status_code == revoked.status_code == 200
    assert reset.status_code == 200
    assert "chưa đăng ký lại thiết bị xác thực" in reset.content.decode()
    assert 'id="temporary-password"' not in reset.content.decode()
    assert granted.status_code == 200
    with in_tenant(tenant):
        user = User.objects.get(username="nguyentd")
        assert user.check_password(PASSWORD)  # the head's own password, which the officer does not know
        assert user.password_issued_by_other_at is None
    # and over the API the same step is a 400 with a sentence and a code
    api = officer.post("/api/v1/users/nguyentd/reset-password/", {}, content_type="application/json")
    assert api.status_code == 400
    assert api.json()["code"] == "takeover"
    assert _refusals(tenant) == ["reset_password", "reset_password"]


def test_the_shell_recovers_a_head_who_lost_both(tenant, head, officer, client_for, host_of):
    # given an officer who removed the lost authenticator and may not also issue a password
    assert _run(tenant, officer, "nguyentd", "remove-authenticator")[0] is False
    assert _run(tenant, officer, "nguyentd", "reset-password")[0] is True

    # when the operator at the shell issues one (the shell may do both)
    out = io.StringIO()
    call_command("accounts", "reset-second-factor", "--tenant", tenant.schema_name, "nguyentd")
    call_command("accounts", "reset-password", "--tenant", tenant.schema_name, "nguyentd", stdout=out)
    password = out.getvalue().split("\t")[1].strip()

    # then the head signs in with it and enrols: both factors are theirs again
    browser = client_for(host_of(tenant))
    step = _login(browser, "nguyentd", password)
    assert step.startswith("/login/setup/")
    browser.get(step)
    with in_tenant(tenant):
        device = TOTPDevice.objects.get(user__username="nguyentd")
    assert browser.post(step, {"token": totp_now(device)}).status_code == 302
    with in_tenant(tenant):
        user = User.objects.get(username="nguyentd")
        assert (user.password_issued_by_other_at, user.authenticator_removed_by_other_at) == (None, None)
