"""Bulk import end to end: a 500-row staff file with some bad rows is previewed with each bad row's
reason, nothing is written until confirmed, and after confirmation every good row exists once."""

from __future__ import annotations

import io
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from accounts.models import ImportBatch, User
from accounts.services.units import unit_create
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Hoàng", "Tiến", "Tấn"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hương", "Khánh", "Lan", "Minh", "Nam", "Thuý"]
UNITS = ["Văn phòng", "Phòng Tổng hợp", "Phòng Kế hoạch - Tài chính"]

# line -> (row values, a word the error message must contain)
BAD_ROWS = {
    17: (["", 1980, "Văn phòng", "Chuyên viên", "", ""], "Họ và tên"),
    60: (["Nguyễn Văn Sai", 1899, "Văn phòng", "", "", ""], "Năm sinh"),
    123: (["Trần Thị Thư", 1985, "Phòng Không Có", "", "", ""], "Phòng Không Có"),
    204: (["Lê Văn Mail", 1990, "Văn phòng", "", "khong-phai-email", ""], "khong-phai-email"),
    333: (["Phạm Văn Điện", 1990, "Văn phòng", "", "", "12345"], "điện thoại"),
    401: (["NguyÔn V¨n Cò", 1975, "Văn phòng", "", "", ""], "TCVN3"),
}
FIRST_EMAIL_LINE, DUPLICATE_EMAIL_LINE = 450, 451  # the second row repeats the first one's address


def _staff_file(rows: int = 500) -> tuple[bytes, list[tuple[str, int]]]:
    rng = random.Random(2026)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH CÁN BỘ, CÔNG CHỨC"])
    sheet.append(["STT", "Họ và tên", "Năm sinh", "Đơn vị", "Chức vụ", "Thư điện tử", "Số điện thoại"])
    good: list[tuple[str, int]] = []
    # R8's collisions, inside the batch
    fixed = [
        ("Trương Hoàng Tiến Minh", 1980),
        ("Trần Huỳnh Tấn Minh", 1981),
        ("Cao Thị Phương Thuý", 1978),
        ("Cao Thị Phương Thuý", 1982),
    ]
    for line in range(3, rows + 3):
        if line in BAD_ROWS:
            sheet.append([line - 2, *BAD_ROWS[line][0]])
            continue
        if line in (FIRST_EMAIL_LINE, DUPLICATE_EMAIL_LINE):
            name, year = ("Đỗ Thị Trùng", 1991) if line == FIRST_EMAIL_LINE else ("Đỗ Văn Lặp", 1992)
            sheet.append([line - 2, name, year, "Văn phòng", "", "trung@gialai.gov.vn", ""])
            if line == FIRST_EMAIL_LINE:
                good.append((name, year))
            continue
        if fixed:
            name, year = fixed.pop(0)
        else:
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            year = rng.randint(1965, 2000)
        good.append((name, year))
        sheet.append(
            [
                line - 2,
                name,
                year,
                rng.choice(UNITS),
                "Chuyên viên",
                "",
                f"09{rng.randint(10000000, 99999999)}",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), good


@pytest.fixture
def units(tenant):
    with in_tenant(tenant):
        for name in UNITS:
            unit_create(actor=Actor(label="test"), name=name, kind="division")


@pytest.fixture
def officer(tenant, make_user, sign_in, units):
    make_user(tenant, "itofficer", roles=("it_officer",))
    return sign_in(tenant, "itofficer")


def test_500_row_import_reports_bad_rows_writes_nothing_then_creates_each_good_row_once(tenant, officer):
    content, good = _staff_file()
    with in_tenant(tenant):
        before = User.objects.count()

    # when: the officer uploads the file through the page
    upload = io.BytesIO(content)
    upload.name = "danh-sach.xlsx"
    response = officer.post("/accounts/import/", {"file": upload})

    # then: a preview, with each bad row and its reason, and no account yet
    assert response.status_code == 302
    page = officer.get(response["Location"])
    assert page.status_code == 200
    with in_tenant(tenant):
        batch = ImportBatch.objects.get()
        assert User.objects.count() == before
    bad = {row["line"]: " ".join(row["errors"]) for row in batch.bad_rows}
    assert set(bad) == {*BAD_ROWS, DUPLICATE_EMAIL_LINE}
    for line, (_values, word) in BAD_ROWS.items():
        assert word.lower() in bad[line].lower(), (line, bad[line])
    assert "450" in bad[DUPLICATE_EMAIL_LINE]
    assert "trung@gialai.gov.vn" in bad[DUPLICATE_EMAIL_LINE]
    assert len(batch.good_rows) == len(good) == 500 - len(BAD_ROWS) - 1
    proposed = {(row["full_name"], row["birth_year"]): row["username"] for row in batch.good_rows}
    assert proposed[("Trương Hoàng Tiến Minh", 1980)] == "tienminhth"
    assert proposed[("Trần Huỳnh Tấn Minh", 1981)] == "tanminhth"
    assert proposed[("Cao Thị Phương Thuý", 1978)] == "thuyctp78"
    assert proposed[("Cao Thị Phương Thuý", 1982)] == "thuyctp82"
    usernames = [row["username"] for row in batch.good_rows]
    assert len(set(usernames)) == len(usernames)
    body = page.content.decode()
    assert "Phòng Không Có" in body
    assert "tienminhth" in body

    # when: confirmed, twice (a double click, a retry)
    first = officer.post(response["Location"], {"action": "confirm"})
    second = officer.post(f"/api/v1/users/import/{batch.uuid}/confirm/")

    # then: every good row exists exactly once, and nothing from a bad row
    assert first.status_code == 302
    assert second.status_code == 200
    assert second.json()["created_count"] == len(good)
    with in_tenant(tenant):
        assert User.objects.count() == before + len(good)
        created = Counter(User.objects.exclude(username="itofficer").values_list("full_name", "birth_year"))
        assert created == Counter(good)
        assert not User.objects.filter(
            full_name__in=["Nguyễn Văn Sai", "Trần Thị Thư", "Đỗ Văn Lặp"]
        ).exists()
        assert AuditEntry.objects.filter(action="account.create").count() == len(good)
        imported = User.objects.get(username="tienminhth")
        assert imported.unit is not None
        assert imported.must_change_password
        assert not imported.has_usable_password()


def test_import_preview_through_the_api_and_a_file_level_error(tenant, officer):
    content, _good = _staff_file(rows=40)
    nothing = officer.post("/api/v1/users/import/", {})
    assert nothing.status_code == 400
    assert "file" in nothing.json()

    named = io.BytesIO(content)
    named.name = "staff.xlsx"
    preview = officer.post("/api/v1/users/import/", {"file": named})
    assert preview.status_code == 201
    assert {row["line"] for row in preview.json()["bad_rows"]} == {17}

    wrong = io.BytesIO(b"not a spreadsheet")
    wrong.name = "staff.xls"
    refused = officer.post("/api/v1/users/import/", {"file": wrong})
    assert refused.status_code == 400
    assert ".xlsx" in refused.json()["detail"]


def test_names_taken_after_the_preview_are_resolved_again_at_confirmation(tenant, officer):
    content = "Họ và tên,Năm sinh\nTrần Đình Nguyên,1970\n".encode()
    upload = io.BytesIO(content)
    upload.name = "one.csv"
    batch_uuid = officer.post("/api/v1/users/import/", {"file": upload}).json()["uuid"]
    officer.post(
        "/api/v1/users/", {"full_name": "Trần Đức Nguyên"}, content_type="application/json"
    )  # nguyentd

    done = officer.post(f"/api/v1/users/import/{batch_uuid}/confirm/").json()

    assert done["good_rows"][0]["username"] == "dinhnguyent"
    with in_tenant(tenant):
        assert User.objects.filter(full_name="Trần Đình Nguyên").get().username == "dinhnguyent"


def test_cli_dry_run_prints_one_line_per_person_and_writes_nothing(tenant, units, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_text(
        "full_name,birth_year,unit\nTrương Hoàng Tiến Minh,1980,Văn phòng\nTrần Huỳnh Tấn Minh,1981,\n"
        "Kră Jăh Ha Tuys,1990,\nK' Blin Cil,1992,\n,1990,\n",
        encoding="utf-8",
    )
    with in_tenant(tenant):
        before = User.objects.count()

    call_command("accounts", "import", "--tenant", tenant.schema_name, str(path), "--dry-run")

    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "Trương Hoàng Tiến Minh\ttienminhth",
        "Trần Huỳnh Tấn Minh\ttanminhth",
        "Kră Jăh Ha Tuys\ttuyskjh",
        "K' Blin Cil\tcilkb",
    ]
    assert "line 6" in err
    with in_tenant(tenant):
        assert User.objects.count() == before

    # without --skip-bad-rows a file with a bad row writes nothing and says why
    with pytest.raises(CommandError, match="1 of 5 rows have errors"):
        call_command("accounts", "import", "--tenant", tenant.schema_name, str(path))
    call_command("accounts", "import", "--tenant", tenant.schema_name, str(path), "--skip-bad-rows")
    with in_tenant(tenant):
        assert User.objects.count() == before + 4


def test_cli_refuses_unknown_tenant_and_missing_file(tenant, tmp_path):
    with pytest.raises(CommandError, match="No tenant"):
        call_command("accounts", "import", "--tenant", "nope", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="No such file"):
        call_command("accounts", "import", "--tenant", tenant.schema_name, str(tmp_path / "x.csv"))
