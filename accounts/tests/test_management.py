"""The IT officer's work through real requests: create with a proposed name, roles, lock, reset,
deactivate; every action audited and safe to repeat; names never reused or renamed."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, transaction

from accounts.models import RoleGrant, User
from core.audit import audit_verify
from core.models import AuditEntry
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(tenant, make_user, sign_in):
    make_user(tenant, "itofficer", roles=("it_officer",))
    return sign_in(tenant, "itofficer")


def test_create_account_proposes_the_r8_name_and_hands_over_a_one_time_password(tenant, officer):
    proposal = officer.get("/accounts/propose/", {"full_name": "Cao  thị phương THUÝ", "birth_year": "1978"})
    assert "thuyctp" in proposal.content.decode()

    page = officer.post(
        "/accounts/new/", {"full_name": "Cao Thị Phương Thuý", "birth_year": "1978", "roles": ["clerk"]}
    )

    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="issued-username">thuyctp<' in body
    assert "no-store" in page["Cache-Control"]
    with in_tenant(tenant):
        person = User.objects.get(username="thuyctp")
        assert person.must_change_password
        assert {g.role for g in person.role_grants.all()} == {"clerk"}
        assert AuditEntry.objects.filter(action="account.create", target_id=str(person.uuid)).count() == 1


def test_second_person_with_same_result_gets_the_expanded_name(tenant, officer):
    officer.post("/accounts/new/", {"full_name": "Trương Hoàng Tiến Minh"})
    response = officer.post(
        "/api/v1/users/", {"full_name": "Trần Huỳnh Tấn Minh"}, content_type="application/json"
    )

    assert response.status_code == 201
    assert response.json()["username"] == "tanminhth"
    assert response.json()["temporary_password"]
    with in_tenant(tenant):
        assert set(User.objects.filter(full_name__endswith="Minh").values_list("username", flat=True)) == {
            "minhtht",
            "tanminhth",
        }


def test_identical_full_name_gets_the_birth_year(tenant, officer):
    officer.post(
        "/api/v1/users/",
        {"full_name": "Cao Thị Phương Thuý", "birth_year": 1978},
        content_type="application/json",
    )
    second = officer.post(
        "/api/v1/users/",
        {"full_name": "Cao Thị Phương Thuý", "birth_year": 1982},
        content_type="application/json",
    )
    assert second.json()["username"] == "thuyctp82"


def test_typed_account_name_that_exists_is_refused_and_nothing_is_written(tenant, officer):
    officer.post("/api/v1/users/", {"full_name": "Trần Đình Nguyên"}, content_type="application/json")
    again = officer.post(
        "/api/v1/users/",
        {"full_name": "Trần Văn Nguyên", "username": "nguyentd"},
        content_type="application/json",
    )
    bad = officer.post(
        "/api/v1/users/",
        {"full_name": "Trần Văn Nguyên", "username": "Nguyên TD"},
        content_type="application/json",
    )
    legacy = officer.post("/api/v1/users/", {"full_name": "NguyÔn V¨n A"}, content_type="application/json")

    assert again.status_code == 400
    assert "không bao giờ được cấp lại" in again.json()["username"][0]
    assert bad.status_code == 400
    assert legacy.status_code == 400
    assert "TCVN3" in legacy.json()["full_name"][0]
    with in_tenant(tenant):
        assert User.objects.filter(full_name__startswith="Trần").count() == 1


def test_lock_reset_deactivate_and_roles_through_the_api_are_audited_and_idempotent(
    tenant, officer, make_user
):
    make_user(tenant, "lananh", full_name="Lê Thị Lan Anh")
    base = "/api/v1/users/lananh"

    for _repeat in range(2):
        assert (
            officer.post(f"{base}/lock/", {"reason": "mất máy"}, content_type="application/json").status_code
            == 200
        )
        assert (
            officer.post(f"{base}/roles/", {"role": "official"}, content_type="application/json").status_code
            == 200
        )
    reset = officer.post(f"{base}/reset-password/", {}, content_type="application/json")
    assert reset.json()["temporary_password"]
    assert officer.post(f"{base}/unlock/", {}, content_type="application/json").json()["status"] == "active"
    assert officer.delete(f"{base}/roles/official/").json()["roles"] == []
    assert (
        officer.post(f"{base}/deactivate/", {"reason": "nghỉ hưu"}, content_type="application/json").json()[
            "status"
        ]
        == "deactivated"
    )
    assert (
        officer.post(f"{base}/roles/", {"role": "operator"}, content_type="application/json").status_code
        == 400
    )

    with in_tenant(tenant):
        person = User.objects.get(username="lananh")
        actions = list(
            AuditEntry.objects.filter(target_id=str(person.uuid))
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == [
            "account.lock",
            "account.grant_role",
            "account.reset_password",
            "account.unlock",
            "account.revoke_role",
            "account.deactivate",
        ]
        entry = AuditEntry.objects.get(target_id=str(person.uuid), action="account.lock")
        assert entry.actor == "itofficer"
        assert entry.actor_ip == "127.0.0.1"
        assert entry.detail["reason"] == "mất máy"
        assert RoleGrant.objects.filter(user=person).count() == 1  # revoked, kept on record
        assert audit_verify() is None


def test_it_officer_cannot_lock_themselves(tenant, officer):
    response = officer.post("/api/v1/users/itofficer/lock/", {}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "self_lock"


def test_people_without_the_role_cannot_manage_accounts(tenant, make_user, sign_in):
    make_user(tenant, "thuyctp", roles=("clerk",))
    make_user(tenant, "lananh")
    clerk = sign_in(tenant, "thuyctp")

    assert clerk.get("/accounts/").status_code == 403
    assert clerk.post("/accounts/new/", {"full_name": "Nguyễn Văn A"}).status_code == 403
    assert clerk.post("/api/v1/users/lananh/lock/", {}, content_type="application/json").status_code in (
        403,
        404,
    )
    assert clerk.get("/audit/").status_code == 403
    with in_tenant(tenant):
        assert User.objects.get(username="lananh").locked_at is None


def test_account_pages_render_for_the_officer(tenant, officer, make_user):
    make_user(tenant, "lananh", full_name="Lê Thị Lan Anh")
    officer.post("/units/", {"name": "Phòng Hành chính", "kind": "division"})

    listing = officer.get("/accounts/", {"q": "le thi lan"})
    assert "lananh" in listing.content.decode()
    assert "Lê Thị Lan Anh" in officer.get("/accounts/lananh/").content.decode()
    assert "Phòng Hành chính" in officer.get("/units/").content.decode()
    assert "unit.create" in officer.get("/audit/").content.decode()
    home = officer.get("/").content.decode()
    assert 'href="/accounts/"' in home  # the navigation offers what the role may use
    assert officer.get("/accounts/import/template.xlsx").status_code == 200


def test_account_list_query_count_does_not_grow(tenant, officer, make_user, django_assert_max_num_queries):
    for i in range(25):
        make_user(tenant, f"user{i:02d}", roles=("official",))
    with django_assert_max_num_queries(16):
        response = officer.get("/api/v1/users/")
    assert response.json()["count"] == 26


def test_accounts_are_never_deleted_nor_renamed(tenant, make_user):
    person = make_user(tenant, "lananh")
    with in_tenant(tenant):
        with pytest.raises((InternalError, IntegrityError, ProgrammingError)), transaction.atomic():
            User.objects.filter(pk=person.pk).delete()
        with pytest.raises((InternalError, IntegrityError, ProgrammingError)), transaction.atomic():
            User.objects.filter(pk=person.pk).update(username="lananh2")
        assert User.objects.filter(username="lananh").exists()


def test_submitting_the_create_form_twice_makes_one_account(tenant, officer):
    form = officer.get("/accounts/new/").content.decode()
    key = form.split('name="request_key" value="')[1].split('"')[0]
    data = {"full_name": "Cao Thị Phương Thuý", "request_key": key}

    first = officer.post("/accounts/new/", data)
    second = officer.post("/accounts/new/", data)

    assert first.status_code == 200
    assert second.status_code == 302  # to the account the first submission made
    with in_tenant(tenant):
        person = User.objects.get(full_name="Cao Thị Phương Thuý")
        assert second["Location"] == f"/accounts/{person.uuid}/"


def test_api_create_with_the_same_idempotency_key_is_a_conflict_not_a_second_account(tenant, officer):
    headers = {"HTTP_IDEMPOTENCY_KEY": "hr-2026-0042"}
    body = {"full_name": "Trần Đình Nguyên"}

    first = officer.post("/api/v1/users/", body, content_type="application/json", **headers)
    again = officer.post("/api/v1/users/", body, content_type="application/json", **headers)

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["username"] == "nguyentd"
    with in_tenant(tenant):
        assert User.objects.filter(full_name="Trần Đình Nguyên").count() == 1
