"""Holes a security review found, each closed and pinned: self-granted roles, an officer taking an
account over, a reused TOTP secret, API password spraying, guessing from an open session, sessions
that never end, one-time passwords that live on, and input that used to end in a 500."""

from __future__ import annotations

import base64
import io
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from psycopg import sql

from accounts.models import ImportBatch, OrgUnit, User
from accounts.services.credentials import user_reset_password
from accounts.services.units import unit_create
from conftest import PASSWORD
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(tenant, make_user, sign_in):
    make_user(tenant, "itofficer", roles=("it_officer",))
    return sign_in(tenant, "itofficer")


def test_it_officer_cannot_grant_themselves_a_role(tenant, officer):
    response = officer.post(
        "/api/v1/users/itofficer/roles/", {"role": "head"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "self_grant"
    with in_tenant(tenant):
        assert not User.objects.get(username="itofficer").role_grants.filter(role="head").exists()


def test_officer_cannot_reset_both_password_and_authenticator_of_a_head(tenant, officer, make_user, sign_in):
    make_user(tenant, "nguyentd", roles=("head",))
    sign_in(tenant, "nguyentd")  # the head has signed in and enrolled an authenticator

    reset = officer.post("/api/v1/users/nguyentd/reset-password/", {}, content_type="application/json")
    device = officer.post("/api/v1/users/nguyentd/reset-second-factor/", {}, content_type="application/json")

    assert reset.status_code == 200
    assert device.status_code == 400
    assert device.json()["code"] == "takeover"
    with in_tenant(tenant):
        assert TOTPDevice.objects.filter(user__username="nguyentd", confirmed=True).exists()


def test_officer_cannot_issue_a_password_while_a_heads_authenticator_is_removed(
    tenant, officer, make_user, sign_in
):
    make_user(tenant, "nguyentd", roles=("head",))
    sign_in(tenant, "nguyentd")

    device = officer.post("/api/v1/users/nguyentd/reset-second-factor/", {}, content_type="application/json")
    reset = officer.post("/api/v1/users/nguyentd/reset-password/", {}, content_type="application/json")

    assert device.status_code == 200
    assert reset.status_code == 400
    # the shell (trusted) can still recover an account whose owner lost both
    with in_tenant(tenant):
        user_reset_password(actor=Actor(label="cli"), user=User.objects.get(username="nguyentd"))


def test_each_enrolment_shows_a_new_secret_and_an_old_one_never_becomes_the_device(
    tenant, make_user, client_for, host_of
):
    make_user(tenant, "nguyentd", roles=("head",))

    def setup_secret() -> tuple[Any, str]:
        browser = client_for(host_of(tenant))
        browser.post("/login/", {"username": "nguyentd", "password": PASSWORD})
        page = browser.get("/login/setup/").content.decode()
        return browser, page.split('id="totp-secret">')[1].split("<")[0]

    _spy, seen_by_someone_else = setup_secret()
    _owner, owners_secret = setup_secret()

    assert owners_secret != seen_by_someone_else
    with in_tenant(tenant):
        assert TOTPDevice.objects.filter(user__username="nguyentd").count() == 1


@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=3)
def test_password_spraying_over_the_api_tests_no_password(tenant, make_user, client_for, host_of):
    make_user(tenant, "lananh", roles=("deputy_head",))

    def basic(username: str, password: str) -> Any:
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        return client_for(host_of(tenant)).get("/api/v1/users/", HTTP_AUTHORIZATION=f"Basic {token}")

    assert [basic(name, "Password1").status_code for name in ("a1", "a2", "a3")] == [401] * 3
    assert basic("lananh", PASSWORD).status_code == 401  # right or wrong, the same refusal
    assert (
        client_for(host_of(tenant)).post("/login/", {"username": "lananh", "password": PASSWORD}).status_code
        == 302
    )


@override_settings(AXES_FAILURE_LIMIT=3)
def test_guessing_the_current_password_from_an_open_session_locks_out(tenant, make_user, sign_in):
    make_user(tenant, "lananh")
    browser = sign_in(tenant, "lananh")

    for attempt in range(3):
        browser.post(
            "/account/password/",
            {"old_password": f"guess {attempt}", "new_password": "x" * 12, "new_password_again": "x" * 12},
        )

    assert browser.get("/").status_code == 302  # signed out
    assert "_auth_user_id" not in browser.session


def test_a_busy_session_still_ends_after_its_absolute_lifetime(tenant, make_user, sign_in):
    make_user(tenant, "lananh")
    browser = sign_in(tenant, "lananh")
    assert browser.get("/").status_code == 200

    session = browser.session
    session["tinhso_signed_in_at"] = int(time.time()) - 9 * 3600
    session["tinhso_last_seen"] = int(time.time())
    session.save()

    assert browser.get("/").status_code == 302


def test_a_temporary_password_is_good_only_for_the_forced_change(tenant, make_user, client_for, host_of):
    make_user(tenant, "lananh")
    with in_tenant(tenant):
        _user, temporary = user_reset_password(
            actor=Actor(label="t"), user=User.objects.get(username="lananh")
        )

    assert (
        client_for(host_of(tenant)).post("/login/", {"username": "lananh", "password": temporary}).status_code
        == 302
    )

    with in_tenant(tenant):
        expires = User.objects.get(username="lananh").temporary_password_expires_at
    assert expires is not None
    assert (expires - timezone.now()).total_seconds() <= 15 * 60


def test_nul_characters_and_odd_years_get_4xx_not_500(tenant, officer, client_for, host_of):
    api = client_for(host_of(tenant)).get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer tinhso_a\x00b")

    # A NUL can be no token (401), no name or filter: bad input, refused before any view (core.input).
    assert api.status_code == 401
    assert officer.get("/accounts/a%00b/").status_code == 400
    assert officer.get("/api/v1/users/a%00b/").status_code == 400
    assert officer.get("/accounts/", {"q": "\x00"}).status_code == 400
    assert officer.get("/api/v1/users/", {"q": "\x00"}).status_code == 400
    assert (
        officer.get("/accounts/propose/", {"full_name": "Trần Đình Nguyên", "birth_year": "²"}).status_code
        == 200
    )
    assert (
        officer.get(
            "/api/v1/users/propose-username/", {"full_name": "Trần Đình Nguyên", "birth_year": "9" * 5000}
        ).status_code
        == 400
    )


def _upload(officer, text: str, name: str = "staff.csv"):
    upload = io.BytesIO(text.encode())
    upload.name = name
    return officer.post("/api/v1/users/import/", {"file": upload})


def test_import_rows_that_could_not_be_stored_are_row_errors(tenant, officer):
    long_email = "a" * 250 + "@gialai.gov.vn"
    preview = _upload(officer, f"full_name,email\nLê Văn Dài,{long_email}\nNguyễn\x00 Văn Rỗng,\n")

    assert preview.status_code == 201
    assert [row["line"] for row in preview.json()["bad_rows"]] == [2]
    confirm = officer.post(f"/api/v1/users/import/{preview.json()['uuid']}/confirm/")
    assert confirm.status_code == 200
    assert confirm.json()["created_count"] == 1


def test_confirmation_rechecks_units_created_after_the_preview(tenant, officer):
    preview = _upload(officer, "full_name,unit\nLê Thị Mới,Phòng Mới Lập\n").json()
    assert preview["bad_rows"]
    officer.post("/api/v1/units/", {"name": "Phòng Mới Lập"}, content_type="application/json")

    confirmed = officer.post(f"/api/v1/users/import/{preview['uuid']}/confirm/").json()

    assert confirmed["created_count"] == 1
    with in_tenant(tenant):
        unit = User.objects.get(full_name="Lê Thị Mới").unit
        assert unit is not None
        assert unit.name == "Phòng Mới Lập"


def test_a_unit_name_found_twice_in_the_tree_is_a_row_error(tenant, officer):
    with in_tenant(tenant):
        actor = Actor(label="t")
        for top in ("Phòng A", "Phòng B"):
            parent = unit_create(actor=actor, name=top, kind="division")
            unit_create(actor=actor, name="Tổ Văn thư", kind="team", parent=parent)

    preview = _upload(officer, "full_name,unit\nLê Thị Hai,Tổ Văn thư\n").json()

    assert "nhiều phòng, ban" in preview["bad_rows"][0]["errors"][0]


def test_cli_dry_run_stores_nothing_at_all(tenant, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("full_name\nTrần Đình Nguyên\n", encoding="utf-8")
    with in_tenant(tenant):
        before = (ImportBatch.objects.count(), AuditEntry.objects.count(), User.objects.count())

    call_command("accounts", "import", "--tenant", tenant.schema_name, str(path), "--dry-run")

    with in_tenant(tenant):
        assert (ImportBatch.objects.count(), AuditEntry.objects.count(), User.objects.count()) == before


def test_a_failed_creation_adds_no_position(tenant, officer):
    response = officer.post(
        "/api/v1/users/", {"full_name": "", "position": "Chức vụ Mồ côi"}, content_type="application/json"
    )
    assert response.status_code == 400
    with in_tenant(tenant):
        from accounts.models import Position

        assert not Position.objects.filter(name="Chức vụ Mồ côi").exists()


def test_the_audit_trail_cannot_be_truncated(tenant):
    with in_tenant(tenant):
        with transaction.atomic():
            unit_create(actor=Actor(label="t"), name="Phòng Lưu", kind="division")
        refused = (InternalError, IntegrityError, ProgrammingError)
        with transaction.atomic(), connection.cursor() as cursor:
            name = sql.Identifier(connection.settings_dict["NAME"]).as_string(cursor.connection)
            cursor.execute(f"COMMENT ON DATABASE {name} IS NULL")  # as on a production database
            # The setting that used to let TRUNCATE through opens nothing now.
            cursor.execute("SET LOCAL tinhso.audit_truncate = 'test-database'")
            with pytest.raises(refused), transaction.atomic():
                cursor.execute("TRUNCATE core_auditentry")
            transaction.set_rollback(True)  # the test database keeps its mark
        assert AuditEntry.objects.filter(action="unit.create").exists()
        assert OrgUnit.objects.filter(name="Phòng Lưu").exists()


def test_an_unverified_session_of_a_privileged_person_gets_no_api(tenant, make_user, client_for, host_of):
    head = make_user(tenant, "nguyentd", roles=("head",))
    browser = client_for(host_of(tenant))
    with in_tenant(tenant):
        browser.force_login(head)  # a session that skipped the second step

    response = browser.get("/api/v1/me/")

    assert response.status_code in (401, 403)
    assert "hai lớp" in response.json()["detail"]
