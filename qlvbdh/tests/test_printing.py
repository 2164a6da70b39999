"""Printed registers (R9): the day's register as PDF with every column of the form, a period as
XLSX, days in Asia/Ho_Chi_Minh, permissions both ways, tenant isolation, 400s for bad dates, audit."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_tenant
from qlvbdh import printing
from qlvbdh.models import Document, Register
from qlvbdh.services.incoming import IncomingData, incoming_document_register
from qlvbdh.services.processing import document_submit
from qlvbdh.services.registers import register_create

ACTOR = Actor(label="t")
INCOMING_HEADERS = [
    "Ngày đến",
    "Số đến",
    "Cơ quan ban hành",
    "Số, ký hiệu",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Đơn vị hoặc người nhận",
    "Ký nhận",
    "Ghi chú",
]
OUTGOING_HEADERS = [
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ghi chú",
]
SUMMARY = "Về việc hợp đồng sửa chữa trụ sở"  # ệ ợ ữ ụ ở: glyphs a non-Unicode font lacks


def _year() -> int:
    return timezone.localdate().year


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the agency's time zone (Asia/Ho_Chi_Minh)."""
    return datetime(_year(), month, day, hour, minute, tzinfo=timezone.get_current_timezone())


def _data(**overrides: Any) -> IncomingData:
    values: dict[str, Any] = {
        "issuer_name": "Sở Nội vụ tỉnh Gia Lai",
        "issuer_code": "000.00.14.H21",
        "document_type": "CV",
        "summary": SUMMARY,
        "number": "45",
        "notation": "SNV-VP",
    }
    values.update(overrides)
    return IncomingData(**values)


def _register_at(monkeypatch: pytest.MonkeyPatch, moment: datetime, **overrides: Any) -> Document:
    """Register a document as if the clerk did it at `moment` (the service stamps registered_at with now)."""
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        return incoming_document_register(
            actor=ACTOR, data=_data(**overrides), today=timezone.localdate(moment)
        )


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def clerk(tenant, make_user, sign_in):
    make_user(tenant, "vanthu", roles=("clerk",), full_name="Trần Thị Thu")
    return sign_in(tenant, "vanthu")


@pytest.fixture
def register(tenant):
    with in_tenant(tenant):
        return register_create(actor=ACTOR, year=_year(), direction="incoming", name="Sổ văn bản đến")


@pytest.fixture
def march(tenant, register, make_user, monkeypatch):
    """01 and 02 on 5 March (02 late in the evening), 03 just after midnight on the 6th, 04 on the 7th."""
    head = make_user(tenant, "giamdoc", roles=("head",), full_name="Nguyễn Văn Đông")
    with in_tenant(tenant):
        first = _register_at(monkeypatch, _at(3, 5, 9), issued_on=date(_year(), 3, 4), urgency="urgent")
        document_submit(actor=ACTOR, document=first, head=head)
        _register_at(monkeypatch, _at(3, 5, 23, 30), number="12", notation="STC-NS", summary="Về dự toán")
        _register_at(monkeypatch, _at(3, 6, 0, 10), number="7", notation="SYT-VP", summary="Về y tế")
        _register_at(monkeypatch, _at(3, 7, 10), number="88", notation="UBND-KT", summary="Về đất đai")
    return register


def _print_url(register: Register) -> str:
    return f"/api/v1/registers/{register.uuid}/print.pdf"


def _export_url(register: Register) -> str:
    return f"/api/v1/registers/{register.uuid}/export.xlsx"


@pytest.mark.django_db
def test_daily_pdf_has_every_column_and_only_that_days_documents(tenant, clerk, march):
    response = clerk.get(_print_url(march), {"date": f"{_year()}-03-05"})

    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="so-van-ban-den-{_year()}-03-05.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    for header in INCOMING_HEADERS:
        assert header in text
    assert tenant.name.upper() in text
    assert f"SỔ VĂN BẢN ĐẾN NĂM {_year()}" in text
    assert f"Ngày 05/03/{_year()}" in text
    # row 01: arrival date, number, issuer, number/notation, document date, type and summary, receiver
    assert re.search(
        rf"05/03/{_year()} 01 Sở Nội vụ tỉnh Gia Lai 45/SNV-VP 04/03/{_year()} "
        rf"Công văn: {SUMMARY} Nguyễn Văn Đông Khẩn",
        text,
    ), text
    assert "12/STC-NS" in text  # 23:30 on the 5th is still the 5th in Ho Chi Minh City
    assert "7/SYT-VP" not in text  # 00:10 on the 6th (17:10 UTC on the 5th) is not
    assert "88/UBND-KT" not in text
    assert "Tổng số: 2 văn bản." in text
    assert "Người lập sổ" in text
    assert "Thủ trưởng cơ quan" in text
    assert "Trang 1/1" in text


@pytest.mark.django_db
def test_pdf_defaults_to_today_and_ignores_the_accept_header(tenant, clerk, register):
    with in_tenant(tenant):
        incoming_document_register(actor=ACTOR, data=_data())

    response = clerk.get(_print_url(register), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert f"Ngày {timezone.localdate():%d/%m/%Y}" in _pdf_text(response.content)
    assert "45/SNV-VP" in _pdf_text(response.content)


@pytest.mark.django_db
def test_empty_day_prints_a_closed_register_saying_so(clerk, march):
    response = clerk.get(_print_url(march), {"date": f"{_year()}-03-08"})

    text = _pdf_text(response.content)
    assert response.status_code == 200
    assert "Không có văn bản nào được vào sổ." in text
    assert "Tổng số: 0 văn bản." in text
    assert "Thủ trưởng cơ quan" in text


@pytest.mark.django_db
def test_xlsx_has_the_header_row_and_one_row_per_document_of_the_period_in_number_order(clerk, march):
    response = clerk.get(_export_url(march), {"start": f"{_year()}-03-05", "end": f"{_year()}-03-06"})

    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == INCOMING_HEADERS
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["F"].width == 60
    assert len(rows) == 4
    assert [row[1] for row in rows[1:]] == ["01", "02", "03"]  # text, not the number 1
    assert [row[3] for row in rows[1:]] == ["45/SNV-VP", "12/STC-NS", "7/SYT-VP"]
    assert isinstance(rows[1][0], datetime)  # a real date cell, which openpyxl reads back as a datetime
    fifth, sixth = date(_year(), 3, 5), date(_year(), 3, 6)
    assert [row[0].date() for row in rows[1:]] == [fifth, fifth, sixth]
    assert rows[1][4].date() == date(_year(), 3, 4)
    assert rows[1][5] == f"Công văn: {SUMMARY}"
    assert rows[1][6] == "Nguyễn Văn Đông"
    assert sheet["A2"].number_format == "DD/MM/YYYY"


@pytest.mark.django_db
def test_xlsx_defaults_to_the_registers_whole_year(clerk, march):
    response = clerk.get(_export_url(march))

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["01", "02", "03", "04"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "params", "field"),
    [
        ("print", {"date": "2026-13-01"}, "date"),
        ("print", {"date": "hôm nay"}, "date"),
        ("print", {"date": "0001-01-01"}, "detail"),
        ("print", {"date": "9999-12-31"}, "detail"),
        ("export", {"start": "05/03/2026"}, "start"),
        ("export", {"start": "2026-03-06", "end": "2026-03-05"}, "detail"),
        ("export", {"start": "2025-01-01", "end": "2026-01-02"}, "detail"),
    ],
)
def test_bad_dates_are_refused_with_a_message_and_nothing_is_audited(
    tenant, clerk, register, endpoint, params, field
):
    url = _print_url(register) if endpoint == "print" else _export_url(register)

    response = clerk.get(url, params)

    assert response.status_code == 400
    assert "Ngày" in str(response.json()[field]) or "năm" in str(response.json()[field])
    with in_tenant(tenant):
        assert not AuditEntry.objects.filter(action__in=["register.print", "register.export"]).exists()


@pytest.mark.django_db
def test_a_register_of_another_tenant_is_not_found(other_tenant, register, make_user, sign_in):
    make_user(other_tenant, "vanthu_b", roles=("clerk",))
    other = sign_in(other_tenant, "vanthu_b")

    assert other.get(_print_url(register)).status_code == 404
    assert other.get(_export_url(register)).status_code == 404


@pytest.mark.django_db
def test_an_official_may_print_and_export(tenant, register, make_user, sign_in):
    make_user(tenant, "chuyenvien", roles=("official",))
    official = sign_in(tenant, "chuyenvien")

    assert official.get(_print_url(register)).status_code == 200
    assert official.get(_export_url(register)).status_code == 200


@pytest.mark.django_db
def test_a_portal_editor_without_document_rights_may_not_print_or_export(
    tenant, register, make_user, sign_in
):
    make_user(tenant, "bientap", roles=("editor",))
    editor = sign_in(tenant, "bientap")

    assert editor.get(_print_url(register)).status_code == 403
    assert editor.get(_export_url(register)).status_code == 403
    with in_tenant(tenant):
        assert not AuditEntry.objects.filter(action__in=["register.print", "register.export"]).exists()


@pytest.mark.django_db
def test_printing_and_exporting_are_audited(tenant, clerk, march):
    clerk.get(_print_url(march), {"date": f"{_year()}-03-05"})
    clerk.get(_export_url(march), {"start": f"{_year()}-03-01", "end": f"{_year()}-03-31"})

    with in_tenant(tenant):
        printed = AuditEntry.objects.get(action="register.print")
        exported = AuditEntry.objects.get(action="register.export")
    assert printed.actor == exported.actor == "vanthu"
    assert printed.target_id == exported.target_id == str(march.uuid)
    assert printed.detail == {"day": f"{_year()}-03-05", "documents": 2}
    assert exported.detail == {"start": f"{_year()}-03-01", "end": f"{_year()}-03-31", "documents": 4}


@pytest.mark.django_db
def test_print_query_count_does_not_grow_with_the_documents(tenant, clerk, register, make_user):
    head = make_user(tenant, "giamdoc", roles=("head",), full_name="Nguyễn Văn Đông")

    def add(count: int) -> None:
        with in_tenant(tenant):
            for _ in range(count):
                document = incoming_document_register(actor=ACTOR, data=_data(), accept_duplicate=True)
                document_submit(actor=ACTOR, document=document, head=head)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert clerk.get(_print_url(register)).status_code == 200
        return len(captured)

    add(1)
    queries()  # the first request after signing in also saves the session
    few = queries()
    add(8)

    assert queries() == few


@pytest.mark.django_db
def test_rows_are_read_in_one_query(tenant, march, django_assert_num_queries):
    with in_tenant(tenant):
        Register.objects.exists()  # the schema switch happens on the first query: not counted below
        with django_assert_num_queries(1):
            rows = printing.register_rows(register=march, start=date(_year(), 3, 1), end=date(_year(), 3, 31))

    assert [row[6] for row in rows] == ["Nguyễn Văn Đông", "", "", ""]


@pytest.mark.django_db
def test_outgoing_register_has_the_outgoing_columns(tenant):
    with in_tenant(tenant):
        register = register_create(
            actor=ACTOR, year=_year(), direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND"
        )
        Document.objects.create(
            direction=Document.Direction.OUTGOING,
            status=Document.Status.ISSUED,
            register=register,
            register_number=3,
            registered_at=_at(3, 5, 15),
            number="03",
            notation="QĐ-SNV",
            issuer_name="Sở Thử nghiệm A",
            document_type="QĐ",
            summary="Về việc thành lập tổ công tác",
            signer_name="Lê Thị Hương",
            issued_on=date(_year(), 3, 5),
            recipients="Như trên; Lưu: VT",
            copy_count=5,
            created_by="t",
        )
        day = date(_year(), 3, 5)
        rows = printing.register_rows(register=register, start=day, end=day)
        workbook = printing.register_xlsx(
            register=register, agency_name=tenant.name, start=day, end=day, rows=rows
        )
        pdf = printing.register_pdf(register=register, agency_name=tenant.name, start=day, end=day, rows=rows)

    assert rows == [
        (
            "03/QĐ-SNV",
            day,
            "Quyết định: Về việc thành lập tổ công tác",
            "Lê Thị Hương",
            "Như trên; Lưu: VT",
            "",
            5,
            "",
        )
    ]
    sheet = load_workbook(io.BytesIO(workbook)).active
    assert [cell.value for cell in sheet[1]] == OUTGOING_HEADERS
    text = _pdf_text(pdf)
    for header in OUTGOING_HEADERS:
        assert header in text
    assert "03/QĐ-SNV" in text
    assert "SỔ VĂN BẢN ĐI NĂM" in text


def test_xlsx_keeps_formula_like_text_as_text_and_drops_control_characters():
    register = Register(year=2026, direction=Register.Direction.INCOMING, name="Sổ văn bản đến")
    day = date(2026, 3, 5)
    row = (day, "01", "Sở\x01 Nội vụ", "45/SNV-VP", None, '=HYPERLINK("http://x","bấm")', "", "", "")

    content = printing.register_xlsx(register=register, agency_name="A & B", start=day, end=day, rows=[row])
    pdf = printing.register_pdf(register=register, agency_name="A & B", start=day, end=day, rows=[row])

    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["C2"].value == "Sở Nội vụ"
    assert sheet["F2"].data_type == "s"
    assert sheet["F2"].value == '=HYPERLINK("http://x","bấm")'
    assert "Sở Nội vụ" in _pdf_text(pdf)
