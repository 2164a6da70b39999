"""The province's own data (the public schema) is backed up, listed, verified and read back beside."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from backups.inplace import backup_restore_in_place
from backups.models import Backup
from backups.services import BackupError, backup_restore_as_new_tenant
from backups.tests.test_backups import _files, _table_digests
from core.audit import Actor
from core.tenancy import in_public

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("drop_restored_schemas")]

SHELL = Actor(label="test")


def test_the_public_schema_is_backed_up_verified_and_restored_beside_the_live_one(
    s3: Any, province: Any, tenant: Any, other_tenant: Any
) -> None:
    with in_public():
        default_storage.save("seal/province.txt", ContentFile("Sở TT&TT".encode()))
    province_tables = (
        "tenants_tenant",
        "tenants_domain",
        "interagency_organisation",
        "interagency_hubpacket",
    )
    before = {t: d for t, d in _table_digests("public").items() if t in province_tables}
    assert set(before) == set(province_tables)

    out = io.StringIO()
    call_command("backups", "run", "--public", stdout=out)
    backup = Backup.objects.get(uuid=out.getvalue().strip())
    assert backup.tenant == province
    assert backup.schema_name == "public"

    listed = io.StringIO()
    call_command("backups", "list", stdout=listed)
    assert f"{backup.uuid}\tpublic\tcomplete" in listed.getvalue()
    verified = io.StringIO()
    call_command("backups", "verify", str(backup.uuid), stdout=verified)
    assert verified.getvalue().startswith(f"ok {backup.uuid}")

    out, err = io.StringIO(), io.StringIO()
    call_command("backups", "restore", str(backup.uuid), "--beside", stdout=out, stderr=err)
    schema = out.getvalue().strip()
    assert schema.startswith("restore_")
    assert "Warning: this is the province's own schema" in err.getvalue()
    restored = _table_digests(schema)
    assert {t: d for t, d in restored.items() if t in province_tables} == before
    assert _files(schema) == _files("public") != {}
    # The live public schema is untouched.
    assert {t: d for t, d in _table_digests("public").items() if t in province_tables} == before


def test_the_public_schema_is_never_swapped_nor_made_an_agency(s3: Any, province: Any) -> None:
    out = io.StringIO()
    call_command("backups", "run", "--public", stdout=out)
    backup = Backup.objects.get(uuid=out.getvalue().strip())
    with pytest.raises(BackupError, match="beside"):
        backup_restore_in_place(actor=SHELL, backup=backup)
    with pytest.raises(BackupError, match="cannot become an agency"):
        backup_restore_as_new_tenant(actor=SHELL, backup=backup, name="X", org_code="000.00.96.H21")
    with pytest.raises(CommandError, match="required"):
        call_command("backups", "run")
