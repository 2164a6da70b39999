"""Personal API tokens (issue 12), from the attacker's side first: a token of another tenant, an
expired, revoked, read-only, tampered one, one of a deactivated or locked person, a password sent
instead, a clerk reaching for someone else's token. Then the owner's and the IT officer's pages."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import ApiToken, LoginEvent, OrgUnit, User
from accounts.services import tokens as token_service
from accounts.services.users import user_deactivate, user_lock
from accounts.tests.factories import api_token, bearer
from conftest import PASSWORD
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db

OFFICER = Actor(label="test")


def _me(client: Any, token: str, **extra: Any) -> Any:
    return client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


# --- the attacker's view ------------------------------------------------------------------------


def test_a_token_of_tenant_a_is_refused_on_tenant_b_host_even_for_the_same_account_name(
    tenant, other_tenant, make_user, client_for, host_of
):
    alice_a = make_user(tenant, "alice")
    make_user(other_tenant, "alice")
    token = api_token(alice_a, tenant=tenant)

    on_b = _me(client_for(host_of(other_tenant)), token)
    on_a = _me(client_for(host_of(tenant)), token)

    assert on_b.status_code == 401
    assert on_b["WWW-Authenticate"] == "Bearer"
    assert "alice" not in on_b.content.decode()
    assert on_a.status_code == 200
    assert on_a.json()["user"]["username"] == "alice"


def test_a_token_row_copied_into_another_tenant_schema_does_not_work_there(
    tenant, other_tenant, make_user, client_for, host_of
):
    alice_a = make_user(tenant, "alice")
    alice_b = make_user(other_tenant, "alice")
    token = api_token(alice_a, tenant=tenant)
    with in_tenant(tenant):
        row = ApiToken.objects.values("key", "digest").get()
    with in_tenant(other_tenant):  # as a restore or a clone of the schema would
        ApiToken.objects.create(
            user=alice_b, name="copied", expires_at=timezone.now() + timedelta(days=1), **row
        )

    assert _me(client_for(host_of(other_tenant)), token).status_code == 401


def test_expired_and_revoked_tokens_are_refused_with_a_sentence(tenant, make_user, client_for, host_of):
    alice = make_user(tenant, "alice")
    expired, revoked = (
        api_token(alice, tenant=tenant, name="old"),
        api_token(alice, tenant=tenant, name="gone"),
    )
    with in_tenant(tenant):
        ApiToken.objects.filter(name="old").update(expires_at=timezone.now() - timedelta(seconds=1))
        token_service.token_revoke(actor=OFFICER, token=ApiToken.objects.get(name="gone"))

    old = _me(client_for(host_of(tenant)), expired)
    gone = _me(client_for(host_of(tenant)), revoked)

    assert (old.status_code, gone.status_code) == (401, 401)
    assert "hết hạn" in old.json()["detail"]
    assert "thu hồi" in gone.json()["detail"]


def test_a_read_token_cannot_write_and_writes_nothing(tenant, make_user, client_for, host_of):
    officer = make_user(tenant, "cntt", roles=("it_officer",))
    read, write = (
        api_token(officer, tenant=tenant, scope="read"),
        api_token(officer, tenant=tenant, scope="write"),
    )
    api = client_for(host_of(tenant))

    refused = api.post(
        "/api/v1/units/", {"name": "Phòng Một", "kind": "division"}, HTTP_AUTHORIZATION=f"Bearer {read}"
    )
    listed = api.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Bearer {read}")

    assert refused.status_code == 403
    assert "chỉ được đọc" in refused.json()["detail"]
    assert listed.status_code == 200
    with in_tenant(tenant):
        assert not OrgUnit.objects.exists()

    made = api.post(
        "/api/v1/units/",
        {"name": "Phòng Một", "kind": "division"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {write}",
    )
    assert made.status_code == 201, made.content


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character of the secret
        lambda t: t[:7] + ("0" if t[7] != "0" else "1") + t[8:],  # one character of the key
        lambda t: t[:-1],  # cut short
        lambda t: t + "A",  # one longer
        lambda t: t.upper(),
        lambda t: "tinhso_" + "0" * 16 + t[23:],  # someone else's key, this secret
        lambda t: t * 100,  # long
        lambda t: "",
    ],
)
def test_a_tampered_token_is_a_401_never_a_500(tenant, make_user, client_for, host_of, tamper):
    alice = make_user(tenant, "alice")
    token = api_token(alice, tenant=tenant)

    response = client_for(host_of(tenant)).get(
        "/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {tamper(token)}".strip()
    )

    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.parametrize("header", [b"Bearer \xff\xfe", "Bearer a b", "Bearer tinhso_\u00e9"])
def test_an_unreadable_authorization_header_is_a_401(tenant, client_for, host_of, header):
    client = client_for(host_of(tenant))
    value = header.decode("latin-1") if isinstance(header, bytes) else header
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=value).status_code == 401


def test_tokens_of_a_deactivated_or_locked_person_stop_working(tenant, make_user, client_for, host_of):
    alice, bob = make_user(tenant, "alice"), make_user(tenant, "bob")
    alice_token, bob_token = api_token(alice, tenant=tenant), api_token(bob, tenant=tenant)
    with in_tenant(tenant):
        user_deactivate(actor=OFFICER, user=alice, reason="left")
        user_lock(actor=OFFICER, user=bob, reason="lost phone")

    for token in (alice_token, bob_token):
        response = _me(client_for(host_of(tenant)), token)
        assert response.status_code == 401
        assert "khoá" in response.json()["detail"]


def test_a_token_of_someone_who_must_change_a_temporary_password_is_refused(
    tenant, make_user, client_for, host_of
):
    alice = make_user(tenant, "alice")
    token = api_token(alice, tenant=tenant)
    with in_tenant(tenant):
        User.objects.filter(pk=alice.pk).update(must_change_password=True)

    assert _me(client_for(host_of(tenant)), token).status_code == 403


def test_an_unknown_key_and_a_wrong_secret_both_cost_one_constant_time_compare(
    tenant, make_user, monkeypatch
):
    alice = make_user(tenant, "alice")
    token = api_token(alice, tenant=tenant)
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # the module the service calls it through
    with in_tenant(tenant):
        unknown = token_service.token_check("tinhso_" + "0" * 16 + token[23:])
        wrong = token_service.token_check(token[:-1] + ("A" if token[-1] != "A" else "B"))
        right = token_service.token_check(token)

    assert isinstance(unknown, token_service.Refusal)
    assert isinstance(wrong, token_service.Refusal)
    assert unknown.message == wrong.message  # the answer does not tell which part was wrong
    assert isinstance(right, ApiToken)
    assert len(compared) == 3
    assert all(len(a) == len(b) == 64 for a, b in compared)


def test_the_database_holds_no_token_only_its_schema_bound_digest(tenant, make_user):
    alice = make_user(tenant, "alice")
    token = api_token(alice, tenant=tenant)
    with in_tenant(tenant):
        row = ApiToken.objects.get()
        stored = " ".join(str(value) for value in ApiToken.objects.values().get().values())

    assert token[24:] not in stored  # the secret part
    assert row.digest == hashlib.sha256(f"{tenant.schema_name}\x00{token}".encode()).hexdigest()
    assert token.startswith(f"tinhso_{row.key}_")


def test_a_password_is_refused_by_the_api_for_everyone_with_a_401_naming_tokens(
    tenant, make_user, client_for, host_of
):
    import base64

    make_user(tenant, "alice")
    make_user(tenant, "cntt", roles=("it_officer",))

    def basic(username: str, password: str) -> Any:
        credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
        return client_for(host_of(tenant)).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Basic {credentials}")

    answers = [basic("alice", PASSWORD), basic("alice", "wrong"), basic("cntt", PASSWORD), basic("cntt", "x")]

    assert {answer.status_code for answer in answers} == {401}
    assert len({answer.content for answer in answers}) == 1  # no oracle: right and wrong look alike
    assert "Bearer" in answers[0].json()["detail"]
    with in_tenant(tenant):
        assert not LoginEvent.objects.exists()  # no password was checked at all


def test_an_anonymous_api_call_is_a_401_asking_for_a_bearer_token(tenant, client_for, host_of):
    response = client_for(host_of(tenant)).get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_two_factor_account_uses_its_token_without_a_session(tenant, make_user, client_for, host_of):
    officer = make_user(tenant, "cntt", roles=("it_officer",))
    response = client_for(host_of(tenant)).get(
        "/api/v1/users/", **bearer(officer, tenant=tenant, scope="read")
    )
    assert response.status_code == 200


# --- who may see and revoke whose tokens --------------------------------------------------------


def test_a_clerk_cannot_list_or_revoke_anyone_elses_tokens(tenant, make_user, signed_in, client_for):
    alice = make_user(tenant, "alice")
    clerk = make_user(tenant, "vanthu", roles=("clerk",))
    api_token(alice, tenant=tenant)
    with in_tenant(tenant):
        target = ApiToken.objects.get(user=alice)
    browser = signed_in(client_for(""), clerk, tenant=tenant)

    assert browser.get("/api-tokens/").status_code == 403
    assert browser.post(f"/account/tokens/{target.uuid}/revoke/").status_code == 404
    assert "alice" not in browser.get("/account/tokens/").content.decode()
    with in_tenant(tenant):
        assert ApiToken.objects.get(pk=target.pk).revoked_at is None


def test_an_it_officer_cannot_revoke_a_token_of_another_tenant(
    tenant, other_tenant, make_user, signed_in, client_for
):
    alice_b = make_user(other_tenant, "alice")
    api_token(alice_b, tenant=other_tenant)
    with in_tenant(other_tenant):
        target = ApiToken.objects.get()
    officer = make_user(tenant, "cntt", roles=("it_officer",))
    browser = signed_in(client_for(""), officer, tenant=tenant)

    assert browser.post(f"/account/tokens/{target.uuid}/revoke/", {"back": "list"}).status_code == 404
    assert browser.post("/account/tokens/not-a-uuid/revoke/").status_code == 404
    with in_tenant(other_tenant):
        assert ApiToken.objects.get().revoked_at is None


def test_the_it_officer_lists_everyones_tokens_and_revokes_one_audited(
    tenant, make_user, signed_in, client_for, host_of
):
    alice = make_user(tenant, "alice")
    token = api_token(alice, tenant=tenant, name="phần mềm chấm công")
    officer = make_user(tenant, "cntt", roles=("it_officer",))
    browser = signed_in(client_for(""), officer, tenant=tenant)

    page = browser.get("/api-tokens/")
    assert page.status_code == 200
    assert "alice" in page.content.decode()
    assert "phần mềm chấm công" in page.content.decode()
    with in_tenant(tenant):
        row = ApiToken.objects.get()

    revoked = browser.post(f"/account/tokens/{row.uuid}/revoke/", {"back": "list"})
    assert revoked.status_code == 302
    assert revoked["Location"] == "/api-tokens/"
    assert browser.post(f"/account/tokens/{row.uuid}/revoke/", {"back": "list"}).status_code == 302  # retry

    assert _me(client_for(host_of(tenant)), token).status_code == 401
    with in_tenant(tenant):
        assert ApiToken.objects.get().revoked_by == "cntt"
        assert AuditEntry.objects.filter(action="account.token_revoke", actor="cntt").count() == 1
        assert LoginEvent.objects.filter(user=alice, kind="token_revoked").count() == 1


# --- the owner's page -------------------------------------------------------------------------------


def test_the_owner_makes_a_token_sees_it_once_uses_it_and_revokes_it(
    tenant, make_user, signed_in, client_for, host_of
):
    alice = make_user(tenant, "alice")
    browser = signed_in(client_for(""), alice, tenant=tenant)

    made = browser.post("/account/tokens/", {"name": "  Phần mềm  kế toán ", "scope": "read", "days": "90"})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    shown = re.search(r'id="token-secret">([^<]+)<', made.content.decode())
    assert shown is not None
    token = shown.group(1)
    assert token.startswith("tinhso_")
    assert token not in browser.get("/account/tokens/").content.decode()  # once

    api = client_for(host_of(tenant))
    assert _me(api, token).status_code == 200
    assert _me(api, token).status_code == 200  # the same day, the same address: one line
    assert _me(api, token, REMOTE_ADDR="198.51.100.7").status_code == 200  # from elsewhere: a line

    with in_tenant(tenant):
        row = ApiToken.objects.get()
        assert row.name == "Phần mềm kế toán"
        assert row.scope == "read"
        assert timedelta(days=89) < row.expires_at - timezone.now() <= timedelta(days=90)
        assert row.last_used_ip == "198.51.100.7"
        uses = LoginEvent.objects.filter(user=alice, kind="token_used", token=row)
        assert sorted(str(e.ip) for e in uses) == ["127.0.0.1", "198.51.100.7"]
        assert LoginEvent.objects.filter(user=alice, kind="token_created").count() == 1
        assert AuditEntry.objects.filter(action="account.token_create", actor="alice").count() == 1
    history = browser.get("/account/logins/").content.decode()
    assert "Dùng mã truy cập API" in history
    assert "Phần mềm kế toán" in history

    assert browser.post(f"/account/tokens/{row.uuid}/revoke/")["Location"] == "/account/tokens/"
    assert _me(api, token).status_code == 401


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "scope": "read", "days": "90"}, "name"),
        ({"name": "x" * 101, "scope": "read", "days": "90"}, "name"),
        ({"name": "ok", "scope": "admin", "days": "90"}, "scope"),
        ({"name": "ok", "scope": "read", "days": "3650"}, "days"),
        ({"name": "ok", "scope": "read", "days": "-1"}, "days"),
        ({"name": "ok", "scope": "read", "days": "abc"}, "days"),
    ],
)
def test_a_bad_token_form_is_a_form_error_and_writes_nothing(
    tenant, make_user, signed_in, client_for, data, field
):
    alice = make_user(tenant, "alice")
    browser = signed_in(client_for(""), alice, tenant=tenant)

    response = browser.post("/account/tokens/", data)

    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert "token-secret" not in response.content.decode()
    with in_tenant(tenant):
        assert not ApiToken.objects.exists()


def test_the_service_refuses_a_life_over_a_year_and_a_token_for_someone_else(tenant, make_user):
    from django.core.exceptions import PermissionDenied, ValidationError

    alice, bob = make_user(tenant, "alice"), make_user(tenant, "bob")
    with in_tenant(tenant):
        with pytest.raises(ValidationError):
            token_service.token_create(actor=Actor(user=alice), user=alice, name="x", scope="read", days=366)
        with pytest.raises(PermissionDenied):
            token_service.token_create(actor=Actor(user=alice), user=bob, name="x", scope="write", days=30)
        assert not ApiToken.objects.exists()


def test_the_command_line_makes_a_working_token_and_revokes_it(
    tenant, make_user, client_for, host_of, capsys
):
    make_user(tenant, "alice")

    call_command(
        "accounts", "token-create", "--tenant", tenant.schema_name, "alice", "--name", "sync", "--days", "7"
    )
    token = capsys.readouterr().out.strip().split("\t")[-1]
    assert _me(client_for(host_of(tenant)), token).status_code == 200

    call_command("accounts", "token-revoke", "--tenant", tenant.schema_name, "alice")
    assert _me(client_for(host_of(tenant)), token).status_code == 401
    with in_tenant(tenant):
        user_lock(actor=OFFICER, user=User.objects.get(username="alice"))
    with pytest.raises(CommandError, match="khoá"):
        call_command("accounts", "token-create", "--tenant", tenant.schema_name, "alice", "--name", "x")
    with pytest.raises(CommandError):
        call_command(
            "accounts",
            "token-create",
            "--tenant",
            tenant.schema_name,
            "alice",
            "--name",
            "x",
            "--days",
            "999",
        )


def test_the_it_officer_sees_and_revokes_a_persons_tokens_on_their_account_page(
    tenant, make_user, signed_in, client_for
):
    alice = make_user(tenant, "alice")
    api_token(alice, tenant=tenant, name="máy chấm công")
    officer = signed_in(client_for(""), make_user(tenant, "cntt", roles=("it_officer",)), tenant=tenant)
    head = signed_in(client_for(""), make_user(tenant, "thutruong", roles=("head",)), tenant=tenant)
    with in_tenant(tenant):
        row = ApiToken.objects.get()

    assert "máy chấm công" in officer.get(f"/accounts/{alice.uuid}/").content.decode()
    seen_by_head = head.get(f"/accounts/{alice.uuid}/")  # the head views accounts, manages none
    assert seen_by_head.status_code == 200
    assert "máy chấm công" not in seen_by_head.content.decode()
    assert head.post(f"/account/tokens/{row.uuid}/revoke/", {"back": "account"}).status_code == 404

    revoked = officer.post(f"/account/tokens/{row.uuid}/revoke/", {"back": "account"})

    assert revoked["Location"] == f"/accounts/{alice.uuid}/"
    with in_tenant(tenant):
        assert ApiToken.objects.get().revoked_by == "cntt"
