"""The backup pages: the agency's IT officer on its workspace (R10) and operators on the console,
over real HTTP, with the attacker's requests: another tenant's ids, the wrong role, the wrong host."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from backups.console import console_action_run
from backups.models import Alert, Backup
from backups.officer import backup_own_run
from backups.services import backup_run
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_public, in_tenant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("drop_restored_schemas")]

SHELL = Actor(label="test")


@pytest.fixture
def officer(tenant: Any, make_user: Any, signed_in: Any) -> Any:
    user = make_user(tenant, "cntt", full_name="Cán bộ CNTT", roles=("it_officer",))
    return user, signed_in(Client(), user, tenant=tenant)


@pytest.mark.django_db
def test_the_officers_start_is_audited_and_queued_only_after_commit(
    tenant: Any, officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _user, client = officer
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/backups/start/")
    assert response.status_code == 302
    assert len(queued) == 1
    assert not Backup.objects.exists()  # the task makes it
    with in_tenant(tenant):
        assert AuditEntry.objects.filter(action="backup.request", actor="cntt").exists()


def test_the_it_officer_backs_up_their_tenant_and_downloads_it(s3: Any, tenant: Any, officer: Any) -> None:
    user, client = officer
    with in_tenant(tenant):
        default_storage.save("attachments/a.pdf", ContentFile(b"%PDF-1.7 noi dung"))
    assert client.get("/backups/").status_code == 200
    backup = backup_own_run(tenant_uuid=str(tenant.uuid), user_uuid=str(user.uuid))  # the task's body
    assert backup is not None
    assert backup.trigger == Backup.Trigger.OFFICER
    assert str(backup.uuid) in client.get("/backups/").content.decode()

    response = client.get(f"/backups/{backup.uuid}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="{tenant.org_code}-')
    body = b"".join(response.streaming_content)
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        parts = {name: tar.extractfile(name).read() for name in ("schema.dump", "files.tar")}  # type: ignore[union-attr]
    assert names == ["manifest.json", "schema.dump", "files.tar"]
    for name, data in parts.items():
        assert hashlib.sha256(data).hexdigest() == manifest["parts"][name]["plain_sha256"]
    with tarfile.open(fileobj=io.BytesIO(parts["files.tar"])) as files:
        assert files.extractfile("attachments/a.pdf").read() == b"%PDF-1.7 noi dung"  # type: ignore[union-attr]
    with in_tenant(tenant):
        actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "backup.download" in actions
    with in_public():
        assert AuditEntry.objects.filter(action="backup.download", actor="cntt").exists()


def test_an_officer_never_reaches_another_tenants_backup(
    s3: Any, tenant: Any, other_tenant: Any, officer: Any, make_user: Any, signed_in: Any
) -> None:
    _user, client = officer
    theirs = backup_run(actor=SHELL, tenant=other_tenant)
    assert str(theirs.uuid) not in client.get("/backups/").content.decode()
    assert client.get(f"/backups/{theirs.uuid}/download/").status_code == 404
    assert client.get("/backups/not-a-uuid/download/").status_code == 404
    assert client.get(f"/backups/{theirs.uuid}/download/", HTTP_HOST=settings.CONSOLE_HOST).status_code == 404
    # A clerk of the tenant (no IT role) may neither list, start nor download.
    clerk = signed_in(Client(), make_user(tenant, "vanthu", roles=("clerk",)), tenant=tenant)
    ours = backup_run(actor=SHELL, tenant=tenant)
    assert clerk.get("/backups/").status_code == 403
    assert clerk.post("/backups/start/").status_code == 403
    assert clerk.get(f"/backups/{ours.uuid}/download/").status_code == 403
    assert Backup.objects.count() == 2


def test_a_second_start_while_one_runs_is_refused_with_a_message(s3: Any, tenant: Any, officer: Any) -> None:
    _user, client = officer
    Backup.objects.create(
        tenant=tenant, schema_name=tenant.schema_name, org_code=tenant.org_code, store="s3", location="x"
    )
    response = client.post("/backups/start/", follow=True)
    assert "đang chạy" in response.content.decode()


@pytest.mark.django_db
def test_a_console_backup_is_queued_only_after_commit(
    tenant: Any, operator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = operator.post(f"/backups/backup/{tenant.uuid}/")
    assert response.status_code == 302
    assert len(queued) == 1
    with in_public():
        assert AuditEntry.objects.filter(action="backup.console_request").exists()


def test_operators_see_every_tenant_and_back_one_up_from_the_console(
    s3: Any, tenant: Any, operator: Any
) -> None:
    Alert.objects.create(
        tenant=tenant, kind=Alert.Kind.BACKUP_MISSED, message="Không có bản sao lưu đúng hạn"
    )
    page = operator.get("/backups/").content.decode()
    assert tenant.name in page
    assert 'data-alert="backup_missed"' in page
    assert operator.get(f"/backups/tenants/{tenant.uuid}/").status_code == 200
    assert operator.get("/backups/alerts/").status_code == 200
    assert operator.get("/backups/drills/").status_code == 200
    operator_user = operator.session.get("_auth_user_id")
    with in_public():
        from accounts.models import User

        user = User.objects.get(pk=operator_user)
    backup = console_action_run(action="backup", key=str(tenant.uuid), user_uuid=str(user.uuid), options={})
    assert backup.state == Backup.State.COMPLETE
    assert "Diễn tập" in operator.get(f"/backups/tenants/{tenant.uuid}/").content.decode()


def test_the_restore_form_asks_for_confirmation_and_queues_the_restore(
    s3: Any, tenant: Any, operator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    backup = backup_run(actor=SHELL, tenant=tenant)
    url = f"/backups/restore/{backup.uuid}/"
    assert operator.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as queued:
        wrong = operator.post(url, {"mode": "restore_in_place", "confirm": "000.00.00.H99"})
        unnamed = operator.post(url, {"mode": "restore_new", "org_code": "000.00.95.H21"})
        bad_code = operator.post(url, {"mode": "restore_new", "name": "Tạm", "org_code": "xyz"})
    assert wrong.status_code == unnamed.status_code == bad_code.status_code == 200
    assert "Mã xác nhận không khớp" in wrong.content.decode()
    assert "Cần tên của đơn vị tạm" in unnamed.content.decode()
    assert "không đúng định dạng" in bad_code.content.decode()
    assert queued == []
    response = operator.post(url, {"mode": "restore_in_place", "confirm": tenant.org_code.lower()})
    assert response.status_code == 302
    with in_public():
        assert AuditEntry.objects.filter(action="backup.console_request").latest("id").detail["request"] == (
            "restore_in_place"
        )


def test_inspectors_agencies_and_strangers_get_no_console_backup_page(
    s3: Any, tenant: Any, inspector: Any, officer: Any
) -> None:
    backup = backup_run(actor=SHELL, tenant=tenant)
    assert inspector.get("/backups/").status_code == 403
    assert inspector.post(f"/backups/backup/{tenant.uuid}/").status_code == 403
    assert inspector.get(f"/backups/restore/{backup.uuid}/").status_code == 403
    anonymous = Client(HTTP_HOST=settings.CONSOLE_HOST)
    assert anonymous.get("/backups/").status_code == 302  # to the login page
    # The workspace has no console pages: the officer's host answers 404 for them.
    _user, client = officer
    assert client.get(f"/backups/restore/{backup.uuid}/").status_code == 404
    assert Backup.objects.count() == 1
