"""Organisation directory: sync from tenants, all-or-nothing CSV import, lookup by any spelling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_public
from interagency.hub.models import Organisation
from interagency.hub.services.directory import directory_import_csv, directory_lookup, directory_sync_tenants

ACTOR = Actor(label="test")

pytestmark = pytest.mark.django_db


def _public_rows() -> list[tuple[str, str, str]]:
    with in_public():
        return list(Organisation.objects.order_by("org_code").values_list("org_code", "kind", "hub_url"))


def test_sync_makes_one_row_per_tenant_and_is_idempotent(
    province: Any, tenant: Any, other_tenant: Any
) -> None:
    first = directory_sync_tenants(actor=ACTOR)
    second = directory_sync_tenants(actor=ACTOR)

    assert (first.created, first.updated) == (3, 0)
    assert (second.created, second.updated, second.deactivated) == (0, 0, 0)
    assert _public_rows() == [
        ("000.00.00.H21", "tenant", ""),
        ("000.00.91.H21", "tenant", ""),
        ("000.00.92.H21", "tenant", ""),
    ]


def test_sync_deactivates_archived_tenant(tenant: Any, other_tenant: Any) -> None:
    directory_sync_tenants(actor=ACTOR)
    other_tenant.status = "archived"
    other_tenant.save()

    result = directory_sync_tenants(actor=ACTOR)

    assert result.deactivated == 1
    assert directory_lookup("000.00.92.H21") is None
    assert directory_lookup("000.00.91.H21") is not None


def test_import_accepts_code_variants_and_stores_them_normalised(db: Any) -> None:
    content = (
        "\ufeffMã định danh,Tên cơ quan,Địa chỉ trục\n"
        " 000.00.00.g22 ,Văn phòng Chính phủ,https://hub.vpcp.gov.vn/edxml\n"
        "28.22.h17,Sở Tư pháp tỉnh Khác,https://hub.example.gov.vn\n"
        "H26,UBND thành phố Hà Nội,https://truc.hanoi.gov.vn\n"
    ).encode()

    result = directory_import_csv(actor=ACTOR, content=content)

    assert (result.created, result.updated, result.errors) == (3, 0, [])
    assert [code for code, _kind, _url in _public_rows()] == ["000.00.00.G22", "28.22.H17", "H26"]
    with in_public():
        assert AuditEntry.objects.filter(action="directory.import").count() == 1


def test_import_twice_updates_instead_of_duplicating(db: Any) -> None:
    directory_import_csv(actor=ACTOR, content=b"org_code,name,hub_url\nH26,Ha Noi,https://a.example.vn\n")

    result = directory_import_csv(
        actor=ACTOR, content=b"org_code,name,hub_url\n000.00.00.h26,Ha Noi,https://b.example.vn\n"
    )

    assert (result.created, result.updated) == (0, 1)
    assert _public_rows() == [("000.00.00.H26", "external", "https://b.example.vn")]


def test_bad_line_makes_import_write_nothing_and_names_the_line(db: Any) -> None:
    content = (
        "org_code,name,hub_url\n"
        "000.00.00.G22,Văn phòng Chính phủ,https://hub.vpcp.gov.vn\n"
        "not a code,Cơ quan lạ,https://x.example.vn\n"
    ).encode()

    result = directory_import_csv(actor=ACTOR, content=content)

    assert (result.created, result.updated) == (0, 0)
    assert len(result.errors) == 1
    assert result.errors[0].startswith("dòng 3:")
    assert "not a code" in result.errors[0]
    assert _public_rows() == []
    with in_public():
        assert not AuditEntry.objects.filter(action="directory.import").exists()


def test_http_hub_url_is_refused(db: Any) -> None:
    content = b"org_code,name,hub_url\nH26,Ha Noi,http://truc.hanoi.gov.vn\n"

    result = directory_import_csv(actor=ACTOR, content=content)

    assert len(result.errors) == 1
    assert result.errors[0].startswith("dòng 2:")
    assert "https" in result.errors[0]
    assert _public_rows() == []


def test_import_refuses_a_tenant_code(tenant: Any) -> None:
    directory_sync_tenants(actor=ACTOR)

    result = directory_import_csv(
        actor=ACTOR, content=b"org_code,name,hub_url\n91.H21,X,https://x.example.vn\n"
    )

    assert len(result.errors) == 1
    assert result.errors[0].startswith("dòng 2:")
    with in_public():
        assert Organisation.objects.get().kind == "tenant"


def test_lookup_by_variant_finds_the_row(tenant: Any) -> None:
    directory_sync_tenants(actor=ACTOR)

    found = directory_lookup("  91.h21 ")

    assert found is not None
    assert found.org_code == "000.00.91.H21"
    assert directory_lookup("000.00.99.H21") is None
    assert directory_lookup("garbage") is None


def test_cli_import_exit_codes(db: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "org_code,name,hub_url\nG22,Văn phòng Chính phủ,https://hub.vpcp.gov.vn\n", encoding="utf-8"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("org_code,name,hub_url\nG22,VPCP,http://hub.vpcp.gov.vn\n", encoding="utf-8")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        "org_code,name,hub_url\nG22,Bộ,https://x.vn\n".encode("cp1258", errors="replace") + b"\xff"
    )

    call_command("directory", "import", str(good))
    assert "created 1, updated 0" in capsys.readouterr().out

    with pytest.raises(CommandError, match="nothing was imported") as bad_exit:
        call_command("directory", "import", str(bad))
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("directory", "import", str(latin))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("directory", "import", str(tmp_path / "missing.csv"))

    assert bad_exit.value.returncode == 1
    assert "dòng 2:" in capsys.readouterr().err


def test_cli_sync_prints_counts(tenant: Any, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("directory", "sync")

    assert "created 1, updated 0" in capsys.readouterr().out
