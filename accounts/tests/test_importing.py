import io
import unicodedata
import zipfile
from datetime import date, datetime

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

import core.text
from accounts.importing import (
    FIELDS,
    MAX_BYTES,
    MAX_ROWS,
    StaffRow,
    read_staff_file,
    staff_template_xlsx,
)
from core.errors import ApplicationError

EN_HEADER = ["full_name", "birth_year", "unit", "position", "email", "phone"]
VI_HEADER = ["Họ và tên", "Năm sinh", "Đơn vị", "Chức vụ", "Email", "Số điện thoại"]
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _xlsx(rows, *, sheet_title="Sheet") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows, *, delimiter=",") -> str:
    return "\r\n".join(delimiter.join(str(cell) for cell in row) for row in rows) + "\r\n"


def _cp1258(text: str) -> bytes:
    """Encode as Vietnamese Windows does: precomposed base letters, tone marks as combining characters."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(mark for mark in decomposed if mark in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(mark for mark in decomposed if mark not in TONE_MARKS))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def _one(rows) -> StaffRow:
    [row] = read_staff_file("staff.xlsx", _xlsx([EN_HEADER, *rows]))
    return row


def _errors_of(**fields) -> list[str]:
    row = {"full_name": "Nguyễn Văn An", **fields}
    return _one([[row.get(name) for name in EN_HEADER]]).errors


# Headers and layout ----------------------------------------------------------------------------


def test_english_headers_give_every_field():
    content = _xlsx(
        [EN_HEADER, ["Nguyễn Văn An", 1985, "Văn phòng", "Chuyên viên", "An@Example.COM", "0912345678"]]
    )

    [row] = read_staff_file("staff.xlsx", content)

    assert row == StaffRow(
        line=2,
        full_name="Nguyễn Văn An",
        birth_year=1985,
        unit="Văn phòng",
        position="Chuyên viên",
        email="an@example.com",
        phone="0912345678",
    )
    assert row.ok
    assert row.as_dict() == {
        "line": 2,
        "full_name": "Nguyễn Văn An",
        "birth_year": 1985,
        "unit": "Văn phòng",
        "position": "Chuyên viên",
        "email": "an@example.com",
        "phone": "0912345678",
        "errors": [],
        "ok": True,
    }


def test_vietnamese_headers_in_any_order_below_title_rows_with_stt_column():
    content = _xlsx(
        [
            ["UBND TỈNH GIA LAI"],
            ["DANH SÁCH CÁN BỘ, CÔNG CHỨC NĂM 2025"],
            [],
            ["STT", "SĐT", "Chức danh", "HỌ VÀ TÊN", "Ghi chú", "Phòng/ban", "E-mail", "Năm sinh"],
            [
                1,
                "0987654321",
                "Trưởng phòng",
                "Trần Thị Bình",
                "x",
                "Phòng Tổ chức",
                "binh@example.com",
                1979,
            ],
            [2, "", "", "Lê Văn Cường", "", "", "", ""],
        ]
    )

    rows = read_staff_file("danh-sach.xlsx", content)

    assert [row.line for row in rows] == [5, 6]
    assert rows[0] == StaffRow(
        line=5,
        full_name="Trần Thị Bình",
        birth_year=1979,
        unit="Phòng Tổ chức",
        position="Trưởng phòng",
        email="binh@example.com",
        phone="0987654321",
    )
    assert rows[1] == StaffRow(line=6, full_name="Lê Văn Cường")


@pytest.mark.parametrize(
    "header",
    [
        "Họ tên",
        "Họ và tên đầy đủ",
        "ho_va_ten",
        " Họ  và  tên (*) ",
        unicodedata.normalize("NFD", "Họ và tên"),
    ],
)
def test_full_name_header_spellings_are_recognised(header):
    [row] = read_staff_file("staff.xlsx", _xlsx([[header], ["Phạm Thị Dung"]]))

    assert row.full_name == "Phạm Thị Dung"


@pytest.mark.parametrize(
    ("header", "value", "field_name", "expected"),
    [
        ("Đơn vị công tác", "Văn phòng", "unit", "Văn phòng"),
        ("Phòng ban", "Văn phòng", "unit", "Văn phòng"),
        ("Chức vụ", "Phó Giám đốc", "position", "Phó Giám đốc"),
        ("Thư điện tử", "a@example.com", "email", "a@example.com"),
        ("Điện thoại", "0912345678", "phone", "0912345678"),
    ],
)
def test_other_vietnamese_header_spellings_are_recognised(header, value, field_name, expected):
    [row] = read_staff_file("staff.xlsx", _xlsx([["Họ và tên", header], ["Phạm Thị Dung", value]]))

    assert getattr(row, field_name) == expected


def test_only_a_full_name_column_is_enough():
    rows = read_staff_file("staff.csv", "Họ và tên\nPhạm Thị Dung\nHoàng Văn Em\n".encode())

    assert [(row.line, row.full_name, row.ok) for row in rows] == [
        (2, "Phạm Thị Dung", True),
        (3, "Hoàng Văn Em", True),
    ]
    assert rows[0].as_dict()["birth_year"] is None


def test_blank_rows_are_skipped_and_line_numbers_stay_those_of_the_file():
    content = _xlsx(
        [
            ["STT", "Họ và tên", "Năm sinh"],
            [1, "Nguyễn Văn An", 1980],
            [None, None, None],
            [2, "   ", ""],  # pre-numbered but empty: nothing to import
            [],
            [3, "Trần Thị Bình", ""],
        ]
    )

    rows = read_staff_file("staff.xlsx", content)

    assert [(row.line, row.full_name) for row in rows] == [(2, "Nguyễn Văn An"), (6, "Trần Thị Bình")]


def test_names_are_stored_in_nfc_with_whitespace_collapsed():
    row = _one([[unicodedata.normalize("NFD", "  Nguyễn   Thị\u00a0Hoà ")]])

    assert row.full_name == "Nguyễn Thị Hoà"
    assert unicodedata.is_normalized("NFC", row.full_name)


# Excel cell types --------------------------------------------------------------------------------


def test_excel_numeric_phone_gets_its_leading_zero_back_and_float_year_is_a_year():
    row = _one([["Nguyễn Văn An", 1978.0, None, None, None, 912345678]])

    assert (row.birth_year, row.phone, row.errors) == (1978, "0912345678", [])


def test_excel_float_phone_is_read_as_digits():
    assert _one([["Nguyễn Văn An", None, None, None, None, 912345678.0]]).phone == "0912345678"


# Excel has no time zones: openpyxl reads and writes naive datetimes.
@pytest.mark.parametrize("value", [datetime(1981, 3, 15), date(1981, 3, 15)])  # noqa: DTZ001
def test_a_date_in_the_birth_year_column_gives_its_year(value):
    assert _one([["Nguyễn Văn An", value]]).birth_year == 1981


# Row errors ------------------------------------------------------------------------------------


def test_missing_full_name_is_a_row_error():
    row = _one([[None, 1980, "Văn phòng"]])

    assert row.errors == ["Thiếu họ và tên."]
    assert not row.ok


def test_full_name_without_a_letter_is_refused():
    [error] = _errors_of(full_name="12345")

    assert "12345" in error


def test_overlong_full_name_unit_and_position_are_refused():
    long = "Nguyễn " * 30  # 210 characters

    errors = _one([[long, None, long, long]]).errors

    assert len(errors) == 3
    assert all("150" in error for error in errors)


@pytest.mark.parametrize("value", ["78", 78, "78.0"])
def test_two_digit_birth_year_is_refused_as_ambiguous(value):
    [error] = _errors_of(birth_year=value)

    assert "78" in error
    assert "hai chữ số" in error


@pytest.mark.parametrize("value", ["năm 80", "1978.5", 1978.5, "abc"])
def test_birth_year_that_is_not_a_year_is_refused(value):
    [error] = _errors_of(birth_year=value)

    assert "Năm sinh" in error


def test_birth_year_out_of_range_is_refused_both_ends():
    too_young = timezone.localdate().year - 10

    [old_error] = _errors_of(birth_year=1920)
    [young_error] = _errors_of(birth_year=too_young)

    assert "1920" in old_error
    assert str(too_young) in young_error
    assert _errors_of(birth_year=1930) == []
    assert _errors_of(birth_year=timezone.localdate().year - 15) == []


@pytest.mark.parametrize("value", ["12/05/1978", "1978-05-12", " 1978 "])
def test_birth_year_typed_as_text_date_or_padded_year_is_read(value):
    row = _one([["Nguyễn Văn An", value]])

    assert (row.birth_year, row.errors) == (1978, [])


@pytest.mark.parametrize("value", ["an@", "an example@x.vn", "an@@example.com"])
def test_invalid_email_is_refused_naming_the_value(value):
    row = _one([["Nguyễn Văn An", None, None, None, value]])

    [error] = row.errors
    assert value in error


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("(024) 3825 1234", "02438251234"),
        ("+84 912 345 678", "0912345678"),
        ("+84 (0) 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0084912345678", "0912345678"),
        ("912345678", "0912345678"),
        ("843123456", "0843123456"),  # 9 digits that happen to start with 84: a dropped 0, not +84
    ],
)
def test_phone_is_normalised(value, expected):
    row = _one([["Nguyễn Văn An", None, None, None, None, value]])

    assert (row.phone, row.errors) == (expected, [])


@pytest.mark.parametrize(
    "value", ["12345", "091234567890", "0912 345 67x", "0912345678 / 0987654321", "1912345678"]
)
def test_invalid_phone_is_refused_naming_the_value(value):
    row = _one([["Nguyễn Văn An", None, None, None, None, value]])

    [error] = row.errors
    assert value in error


def test_several_problems_on_one_row_give_one_sentence_each():
    row = _one([["", "78", None, None, "x@", "123"]])

    assert len(row.errors) == 4


def test_text_in_a_legacy_font_is_refused_naming_the_encoding(monkeypatch):
    def fake_legacy_encoding(value: str) -> str | None:
        return "TCVN3" if "Ô" in value else None

    monkeypatch.setattr(core.text, "legacy_encoding", fake_legacy_encoding, raising=False)

    row = _one([["NguyÔn V¨n An", None, "Phßng TÔ chøc", "ChuyÔn viªn"]])

    assert len(row.errors) == 3
    assert all("TCVN3" in error and "Unicode" in error for error in row.errors)


def test_without_a_legacy_detector_rows_are_still_read(monkeypatch):
    monkeypatch.delattr(core.text, "legacy_encoding", raising=False)

    assert _one([["NguyÔn V¨n An"]]).ok


def test_real_tcvn3_name_is_refused():
    if not hasattr(core.text, "legacy_encoding"):
        pytest.skip("core.text.legacy_encoding is not there yet")

    [error] = _errors_of(full_name="NguyÔn V¨n An")

    assert "TCVN3" in error


def test_same_email_on_a_later_row_names_the_first_line():
    rows = read_staff_file(
        "staff.xlsx",
        _xlsx(
            [
                ["Họ và tên", "Email"],
                ["Nguyễn Văn An", "an@example.com"],
                ["Trần Thị Bình", "binh@example.com"],
                ["Lê Văn Cường", "AN@example.com"],
            ]
        ),
    )

    assert [row.ok for row in rows] == [True, True, False]
    [error] = rows[2].errors
    assert "an@example.com" in error
    assert "dòng 2" in error


def test_the_same_person_twice_names_the_first_line():
    rows = read_staff_file(
        "staff.xlsx",
        _xlsx(
            [
                ["Họ và tên", "Năm sinh", "Số điện thoại"],
                ["Nguyễn Văn An", 1980, "0912345678"],
                ["Nguyễn Văn An", 1981, "0912345678"],
                ["NGUYỄN VĂN AN", 1980, "0912 345 678"],
            ]
        ),
    )

    assert [row.ok for row in rows] == [True, True, False]
    [error] = rows[2].errors
    assert "trùng với dòng 2" in error


def test_namesakes_without_contact_details_in_different_units_are_not_duplicates():
    rows = read_staff_file(
        "staff.csv",
        _csv(
            [
                ["Họ và tên", "Năm sinh", "Đơn vị"],
                ["Nguyễn Văn An", 1980, "Văn phòng"],
                ["Nguyễn Văn An", 1980, "Thanh tra"],
                ["Nguyễn Văn An", 1980, "Thanh tra"],
            ]
        ).encode(),
    )

    assert [row.ok for row in rows] == [True, True, False]
    assert "trùng với dòng 3" in rows[2].errors[0]


# CSV ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encode", "delimiter"),
    [
        (lambda text: text.encode("utf-8"), ","),
        (lambda text: text.encode("utf-8-sig"), ";"),
        (_cp1258, ";"),
        (lambda text: text.encode("utf-8"), "\t"),
        (lambda text: text.encode("utf-16"), "\t"),
    ],
    ids=["utf-8 comma", "utf-8-sig semicolon", "cp1258 semicolon", "utf-8 tab", "utf-16 tab"],
)
def test_csv_in_common_encodings_and_delimiters(encode, delimiter):
    text = _csv(
        [
            ["DANH SÁCH CÁN BỘ"],
            VI_HEADER,
            ["Nguyễn Thị Hoà", "1985", "Phòng Tổ chức", "Chuyên viên", "hoa@example.com", "0912345678"],
        ],
        delimiter=delimiter,
    )

    [row] = read_staff_file("danh-sach.csv", encode(text))

    assert row == StaffRow(
        line=3,
        full_name="Nguyễn Thị Hoà",
        birth_year=1985,
        unit="Phòng Tổ chức",
        position="Chuyên viên",
        email="hoa@example.com",
        phone="0912345678",
    )
    assert unicodedata.is_normalized("NFC", row.full_name)


def test_csv_quoted_cells_may_hold_the_delimiter():
    content = 'Họ và tên;Đơn vị\n"Nguyễn Văn An";"Phòng Kế hoạch; Tài chính"\n'.encode()

    [row] = read_staff_file("staff.csv", content)

    assert row.unit == "Phòng Kế hoạch; Tài chính"


def test_csv_cells_are_all_text_yet_checked_the_same():
    content = _csv([EN_HEADER, ["Nguyễn Văn An", "78", "", "", "x@", "912345678"]]).encode()

    [row] = read_staff_file("staff.csv", content)

    assert row.phone == "0912345678"
    assert len(row.errors) == 2


# File-level errors -------------------------------------------------------------------------------


def _file_error(filename, content) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        read_staff_file(filename, content)
    assert caught.value.code == "import_file"
    assert caught.value.message
    return caught.value


@pytest.mark.parametrize("filename", ["staff.xlsx", "staff.csv"])
@pytest.mark.parametrize("content", [b"", b" \r\n"])
def test_empty_file_is_refused(filename, content):
    assert "không có nội dung" in _file_error(filename, content).message


def test_xls_is_refused_asking_to_save_as_xlsx():
    message = _file_error("danh sach.XLS", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100).message

    assert ".xls" in message
    assert ".xlsx" in message


@pytest.mark.parametrize("filename", ["staff.pdf", "staff", "staff.xlsx.txt", "staff.ods"])
def test_other_extensions_are_refused(filename):
    _file_error(filename, b"Ho va ten\nA\n")


def test_windows_path_with_upper_case_extension_is_accepted():
    [row] = read_staff_file("C:\\Users\\van thu\\DANH SACH.CSV", "Họ và tên\nPhạm Thị Dung\n".encode())

    assert row.full_name == "Phạm Thị Dung"


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a zip file at all",
        _xlsx([["Họ và tên"], ["A"]])[:-200],  # truncated download
    ],
    ids=["not a zip", "truncated"],
)
def test_corrupt_xlsx_is_refused(content):
    assert "Excel" in _file_error("staff.xlsx", content).message


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")

    assert "Excel" in _file_error("staff.xlsx", buffer.getvalue()).message


def test_xls_renamed_to_xlsx_is_refused_as_old_excel():
    message = _file_error("staff.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500).message

    assert ".xls" in message


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("staff.csv", "Tên,Tuổi\nAn,40\n".encode()),
        ("staff.xlsx", _xlsx([["Tên", "Tuổi"], ["An", 40]])),
        ("staff.xlsx", _xlsx([])),
        ("staff.xlsx", _xlsx([*[["tiêu đề"]] * 10, ["Họ và tên"], ["An"]])),  # header on row 11
    ],
    ids=["csv", "xlsx", "empty sheet", "header too low"],
)
def test_file_without_a_full_name_header_is_refused(filename, content):
    assert "Họ và tên" in _file_error(filename, content).message


def test_header_on_row_ten_is_still_found():
    [row] = read_staff_file("staff.xlsx", _xlsx([*[["tiêu đề"]] * 9, ["Họ và tên"], ["Phạm Thị Dung"]]))

    assert row.line == 11


def test_more_than_max_rows_is_refused_but_max_rows_is_accepted():
    header = "Họ và tên\n"
    exactly = header + "".join(f"Người {index}\n" for index in range(MAX_ROWS))

    assert len(read_staff_file("staff.csv", exactly.encode())) == MAX_ROWS
    error = _file_error("staff.csv", (exactly + "Người thừa\n").encode())
    assert str(MAX_ROWS) in error.message


def test_file_larger_than_max_bytes_is_refused():
    content = b"Ho va ten\n" + b"a" * MAX_BYTES

    assert "MB" in _file_error("staff.csv", content).message


def test_csv_in_no_known_encoding_is_refused():
    content = "Họ và tên\n".encode() + b"\x81\x8d\x8f\xff\n"

    assert "bảng mã" in _file_error("staff.csv", content).message


# Larger files and the template -------------------------------------------------------------------


def test_500_row_file_reports_exactly_the_bad_lines():
    bad_lines = {7, 58, 123, 250, 251, 499}
    rows: list[list[object]] = [["STT", *VI_HEADER]]
    for index in range(500):
        line = index + 2
        person = [index + 1, f"Nguyễn Văn Số {index}", 1960 + index % 40, "Văn phòng", "Chuyên viên"]
        contact = [f"nguoi{index}@example.com", f"09{index:08d}"]
        if line in bad_lines:
            contact = [f"nguoi{index}@", f"09{index:08d}"]
        rows.append(person + contact)

    result = read_staff_file("staff.xlsx", _xlsx(rows))

    assert len(result) == 500
    assert {row.line for row in result if not row.ok} == bad_lines


def test_template_round_trips_through_the_reader():
    content = staff_template_xlsx()

    [row] = read_staff_file("mau-danh-sach.xlsx", content)

    assert row == StaffRow(
        line=2,
        full_name="Nguyễn Văn An",
        birth_year=1985,
        unit="Văn phòng",
        position="Chuyên viên",
        email="nguyenvanan@example.com",
        phone="0912345678",
    )
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert "Họ và tên" in headers
    assert len(headers) == len(FIELDS) + 1  # every field, and an STT column
