"""Backups of one tenant against a real S3 server on loopback, verified and restored for real."""

from __future__ import annotations

import io
import os
import tempfile
from typing import Any

import pytest
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from backups.conftest import BUCKET, CuttingProxy
from backups.models import Backup
from backups.services import BackupError, backup_run, backup_verify
from backups.store import configured_store
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_public, in_schema, in_tenant
from tenants.models import Tenant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("drop_restored_schemas")]

SHELL = Actor(label="test")


def _table_digests(schema: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows, in a stable order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema])
        tables = [row[0] for row in cursor.fetchall()]
        digests = {}
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {}.{} t"
            ).format(sql.Identifier(schema), sql.Identifier(table))
            cursor.execute(query)
            digests[table] = tuple(cursor.fetchone())
    return digests


def _files(schema: str) -> dict[str, bytes]:
    root = os.path.join(str(settings.MEDIA_ROOT), "tenants", schema)
    found = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, root)] = handle.read()
    return found


@pytest.fixture
def filled(tenant: Any, make_user: Any) -> Any:
    make_user(tenant, "nguyentd", full_name="Trần Đình Nguyên")
    make_user(tenant, "thuyctp", full_name="Cao Thị Phương Thuý")
    with in_tenant(tenant):
        default_storage.save("attachments/2026/van-ban.pdf", ContentFile(b"%PDF-1.7 " + os.urandom(3000)))
        default_storage.save("avatars/a.png", ContentFile(os.urandom(500)))
    return tenant


# What the portal's subscriber to TenantCreated writes for a new tenant's host: its site, page
# tree, search index and the board's Wagtail groups.
PORTAL_SITE_TABLES = ("wagtail", "portal_", "auth_group", "taggit_")


def test_backup_then_restore_as_new_tenant_gives_identical_rows_and_files_and_serves_on_its_own_host(
    s3: Any, filled: Any, client_for: Any
) -> None:
    out = io.StringIO()
    call_command("backups", "run", "--tenant", filled.org_code, stdout=out)
    backup_id = out.getvalue().strip()
    backup = Backup.objects.get(uuid=backup_id)
    assert backup.state == Backup.State.COMPLETE
    keys = {o["Key"] for o in s3.client().list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {f"{backup.location}/{p}.zst.enc" for p in ("schema.dump", "files.tar", "manifest.json")}
    assert all(key.startswith(f"backups/{filled.uuid}/{backup_id}/") for key in keys)

    out = io.StringIO()
    call_command("backups", "verify", backup_id, stdout=out)
    assert out.getvalue().startswith(f"ok {backup_id}")

    out = io.StringIO()
    call_command(
        "backups", "restore", backup_id, "--as-new-tenant", "--name", "Sở Thử nghiệm A (tạm)",
        "--org-code", "000.00.99.H21", "--host", "alpha-tam", stdout=out,
    )  # fmt: skip
    schema = out.getvalue().strip()
    restored = Tenant.objects.get(schema_name=schema)
    assert restored.org_code == "000.00.99.H21"
    restored_rows, source_rows = _table_digests(schema), _table_digests(filled.schema_name)
    # The new tenant's portal site is made for its own host (tenants.events.TenantCreated); every
    # other table holds exactly the backup's rows.
    differing = {
        table
        for table in restored_rows.keys() | source_rows.keys()
        if restored_rows.get(table) != source_rows.get(table)
    }
    assert all(table.startswith(PORTAL_SITE_TABLES) for table in differing), differing
    assert sum(1 for table in source_rows if not table.startswith(PORTAL_SITE_TABLES)) > 50
    assert _files(schema) == _files(filled.schema_name) != {}

    # The temporary tenant serves on its own host, with the accounts of the backup.
    host = restored.domains.get(purpose="workspace").domain
    client = client_for(host)
    response = client.post("/login/", {"username": "nguyentd", "password": "x" * 3})
    assert response.status_code == 200  # the login page of that tenant, refusing a wrong password
    from conftest import PASSWORD

    response = client.post("/login/", {"username": "nguyentd", "password": PASSWORD})
    assert response.status_code == 302
    # The source tenant is untouched and still serves.
    assert client_for(filled.domains.get(purpose="workspace").domain).get("/login/").status_code == 200

    with in_public():
        actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-1] == "backup.restore"
    assert {"backup.start", "backup.complete", "tenant.create"} <= set(actions)


def _flip_byte(s3: Any, key: str, at: int) -> None:
    client = s3.client()
    body = bytearray(client.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    body[at] ^= 0x01
    client.put_object(Bucket=BUCKET, Key=key, Body=bytes(body))


@pytest.mark.parametrize("part", ["schema.dump", "files.tar", "manifest.json"])
def test_a_flipped_byte_is_refused_before_anything_is_touched(s3: Any, filled: Any, part: str) -> None:
    backup = backup_run(actor=SHELL, tenant=filled)
    _flip_byte(s3, f"{backup.location}/{part}.zst.enc", at=100)
    schemas_before = _schemas()
    tenants_before = Tenant.objects.count()

    with pytest.raises(CommandError, match=r"altered|damaged|cannot be opened"):
        call_command(
            "backups", "restore", str(backup.uuid), "--as-new-tenant", "--name", "Tạm",
            "--org-code", "000.00.98.H21",
        )  # fmt: skip
    assert _schemas() == schemas_before
    assert Tenant.objects.count() == tenants_before


def test_a_truncated_part_is_refused(s3: Any, filled: Any) -> None:
    backup = backup_run(actor=SHELL, tenant=filled)
    client = s3.client()
    key = f"{backup.location}/schema.dump.zst.enc"
    body = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    client.put_object(Bucket=BUCKET, Key=key, Body=body[: len(body) // 2])
    with pytest.raises(CommandError, match="truncated"):
        call_command("backups", "verify", str(backup.uuid))
    with in_public():
        entry = AuditEntry.objects.filter(action="backup.verify").latest("id")
    assert entry.detail["ok"] is False
    assert "truncated" in entry.detail["error"]


def _schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {row[0] for row in cursor.fetchall()}


def test_an_outage_in_the_middle_of_an_upload_leaves_no_manifest(s3: Any, filled: Any, settings: Any) -> None:
    with in_tenant(filled), tempfile.TemporaryFile() as big:
        for _ in range(64):
            big.write(os.urandom(1024 * 1024))  # incompressible: 8 parts of 8 MB to upload
        big.seek(0)
        default_storage.save("big/scan.bin", File(big))
    proxy = CuttingProxy(s3.server.get_host_and_port(), cut_after=20 * 1024 * 1024)
    settings.S3_ENDPOINT_URL = proxy.endpoint  # the S3 server goes down after 20 of ~64 MB

    with pytest.raises(CommandError, match="failed"):
        call_command("backups", "run", "--tenant", filled.schema_name)
    assert proxy.cut.is_set()
    backup = Backup.objects.get()
    assert backup.state == Backup.State.FAILED
    assert backup.error

    # Seen directly on the server: no manifest claims a complete backup.
    listed = s3.client().list_objects_v2(Bucket=BUCKET, Prefix=backup.location)
    assert not any(o["Key"].endswith("manifest.json.zst.enc") for o in listed.get("Contents", []))
    with pytest.raises(CommandError, match="not complete"):
        call_command("backups", "verify", str(backup.uuid))


def test_key_rotation_keeps_an_old_backup_readable(s3: Any, filled: Any, settings: Any) -> None:
    old = "old-backup-key-0123456789-0123456789-abcdef"
    new = "new-backup-key-0123456789-0123456789-abcdef"
    settings.BACKUP_KEYS = [old]
    first = backup_run(actor=SHELL, tenant=filled)
    settings.BACKUP_KEYS = [new, old]
    second = backup_run(actor=SHELL, tenant=filled)
    assert first.key_id != second.key_id
    assert backup_verify(backup=first)["backup"] == str(first.uuid)
    assert backup_verify(backup=second)["backup"] == str(second.uuid)
    settings.BACKUP_KEYS = [new]  # the old key dropped: its backup can no longer be opened
    with pytest.raises(BackupError, match="key"):
        backup_verify(backup=first)


def test_verify_of_an_unknown_or_malformed_id_exits_with_a_sentence(s3: Any, filled: Any) -> None:
    with pytest.raises(CommandError, match="No backup has the id"):
        call_command("backups", "verify", "not-a-uuid")
    with pytest.raises(CommandError, match="No tenant matches"):
        call_command("backups", "run", "--tenant", "nobody")


def test_local_folder_store_backs_up_and_verifies(filled: Any, settings: Any, tmp_path: Any) -> None:
    settings.BACKUP_S3_BUCKET = ""
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    with in_schema(filled.schema_name):
        default_storage.save("a.txt", ContentFile(b"xin chao"))
    backup = backup_run(actor=SHELL, tenant=filled)
    assert configured_store().name == "local"
    assert (tmp_path / "backups" / backup.location / "manifest.json.zst.enc").is_file()
    assert backup_verify(backup=backup)["tenant"]["schema"] == filled.schema_name


def test_only_province_operators_may_back_up_or_restore(s3: Any, filled: Any, make_user: Any) -> None:
    from django.core.exceptions import PermissionDenied

    from backups.services import backup_restore_as_new_tenant

    nobody = make_user(None, "khach", full_name="Khách")  # a console account without the right
    officer = make_user(filled, "itofficer", full_name="Cán bộ CNTT")  # an agency account
    backup = backup_run(actor=SHELL, tenant=filled)
    for user in (nobody, officer):
        with pytest.raises(PermissionDenied):
            backup_run(actor=Actor(user=user), tenant=filled)
        with pytest.raises(PermissionDenied):
            backup_restore_as_new_tenant(
                actor=Actor(user=user), backup=backup, name="Tạm", org_code="000.00.97.H21"
            )
    assert Backup.objects.count() == 1
