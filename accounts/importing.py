"""Staff list import: read an XLSX or CSV file into validated rows, one per person.

Pure parsing and per-field checks; no database access. The caller resolves account names,
units and collisions with existing accounts afterwards. File-level problems raise
``ApplicationError(code="import_file")``; anything wrong inside a row is a row error.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from pathlib import PureWindowsPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.text import fold, fold_words, nfc

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
FIELDS = ("full_name", "birth_year", "unit", "position", "email", "phone")

ERROR_CODE = "import_file"
MAX_TEXT_LENGTH = 150
MIN_BIRTH_YEAR = 1930
MIN_AGE = 15
# Title rows ("DANH SÁCH CÁN BỘ ...") may sit above the header; it must be within these rows.
HEADER_SEARCH_ROWS = 10
# Excel's own sheet limit; scanning stops there so that a small file inflating to a huge
# sheet (formatted empty rows, or a crafted zip) cannot keep a worker busy.
MAX_SHEET_ROWS = 1_048_576
# The same for the unpacked size: a sheet formatted down to Excel's last row unpacks to ~50 MB.
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024

# Headers as users write them. Matched on their folded words with separators removed, so
# "Họ và tên", "HỌ VÀ TÊN", "ho_va_ten" and "Họ và tên (*)" are the same header. Not
# translated: they are part of the file format, and the template writes the first Vietnamese one.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("full_name", "Họ và tên", "Họ tên", "Họ và tên đầy đủ"),
    "birth_year": ("birth_year", "Năm sinh"),
    "unit": ("unit", "Đơn vị", "Phòng ban", "Phòng/ban", "Đơn vị công tác"),
    "position": ("position", "Chức vụ", "Chức danh"),
    "email": ("email", "E-mail", "Thư điện tử"),
    "phone": ("phone", "Điện thoại", "Số điện thoại", "SĐT"),
}
TEMPLATE_HEADERS = ("STT", "Họ và tên", "Năm sinh", "Đơn vị", "Chức vụ", "Email", "Số điện thoại")
TEMPLATE_EXAMPLE = (
    1,
    "Nguyễn Văn An",
    1985,
    "Văn phòng",
    "Chuyên viên",
    "nguyenvanan@example.com",
    "0912345678",
)

CSV_DELIMITERS = (",", ";", "\t")
# What people put between the digits of a phone number.
_PHONE_NOISE = re.compile(r"[\s.\-()]")
_PHONE_VALID = re.compile(r"0\d{9,10}", re.ASCII)
_YEAR = re.compile(r"(\d{4})(?:\.0+)?", re.ASCII)
_TWO_DIGIT_YEAR = re.compile(r"\d{2}(?:\.0+)?", re.ASCII)
# A full birth date typed as text: dd/mm/yyyy (Vietnamese order) or yyyy-mm-dd.
_DATE_DMY = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-](\d{4})", re.ASCII)
_DATE_YMD = re.compile(r"(\d{4})[/.\-]\d{1,2}[/.\-]\d{1,2}", re.ASCII)
# What reading a file lazily may raise: csv, zipfile and openpyxl errors; SyntaxError is
# xml.etree's ParseError.
_READ_ERRORS = (csv.Error, zipfile.BadZipFile, ValueError, KeyError, TypeError, OSError, SyntaxError)
# The container of .xls files, and of .xlsx files saved with a password.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Longest value quoted back in a message.
_QUOTE_LIMIT = 60

LegacyDetector = Callable[[str], str | None]


@dataclass
class StaffRow:
    line: int  # row number as the user sees it in the file (1-based, header included)
    full_name: str = ""
    birth_year: int | None = None
    unit: str = ""
    position: str = ""
    email: str = ""
    phone: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "full_name": self.full_name,
            "birth_year": self.birth_year,
            "unit": self.unit,
            "position": self.position,
            "email": self.email,
            "phone": self.phone,
            "errors": list(self.errors),
            "ok": self.ok,
        }


def read_staff_file(filename: str, content: bytes) -> list[StaffRow]:
    """Return one ``StaffRow`` per non-blank data row of ``content``, in file order."""
    # The browser may send a Windows path; only the name's suffix matters.
    suffix = PureWindowsPath(filename.strip()).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise _file_error(
            _(
                "Chỉ nhận tệp Excel .xlsx hoặc tệp .csv; tệp .xls (Excel 97–2003) cần mở bằng Excel "
                "và lưu lại dưới dạng .xlsx."
            ),
            suffix=suffix,
        )
    if not content.strip():
        raise _file_error(_("Tệp tải lên không có nội dung."))
    if len(content) > MAX_BYTES:
        raise _file_error(
            _("Tệp lớn hơn %(limit)d MB; hãy chia danh sách thành nhiều tệp nhỏ hơn.")
            % {"limit": MAX_BYTES // (1024 * 1024)},
            limit=MAX_BYTES,
        )
    table = _xlsx_table(content) if suffix == ".xlsx" else _csv_table(content)
    return _parse_table(table)


def staff_template_xlsx() -> bytes:
    """Return an XLSX with the Vietnamese headers, one example row and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách cán bộ"
    sheet.append(TEMPLATE_HEADERS)
    sheet.append(TEMPLATE_EXAMPLE)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, width in enumerate((6, 30, 10, 30, 25, 32, 16), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # Text format on the whole phone column, so that Excel keeps the leading 0 of what users type.
    phone_column = get_column_letter(TEMPLATE_HEADERS.index("Số điện thoại") + 1)
    sheet.column_dimensions[phone_column].number_format = "@"
    sheet[f"{phone_column}2"].number_format = "@"

    guide = workbook.create_sheet(_("Hướng dẫn"))
    for line in (
        _("Điền mỗi cán bộ trên một dòng của trang đầu tiên; dòng 2 là ví dụ, hãy xoá hoặc sửa lại."),
        _("Chỉ cột Họ và tên là bắt buộc; các cột khác có thể để trống."),
        _("Năm sinh ghi đủ bốn chữ số, ví dụ 1985."),
        _("Số điện thoại gồm 10 hoặc 11 chữ số, bắt đầu bằng 0."),
        _("Văn bản phải gõ bằng Unicode (không dùng phông TCVN3 hay VNI)."),
        _("Tối đa %(limit)d dòng cho mỗi tệp.") % {"limit": MAX_ROWS},
    ):
        guide.append((line,))
    guide.column_dimensions["A"].width = 100

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# File reading -------------------------------------------------------------------------------------


def _file_error(message: str, **extra: Any) -> ApplicationError:
    return ApplicationError(message, code=ERROR_CODE, extra=extra)


def _xlsx_table(content: bytes) -> Iterator[Sequence[object]]:
    from openpyxl import load_workbook

    corrupt = _("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx.")
    if content.startswith(_OLE2_MAGIC):
        raise _file_error(
            _(
                "Tệp này là tệp Excel cũ (.xls) được đổi tên hoặc tệp có đặt mật khẩu; hãy gỡ mật khẩu "
                "và lưu lại dưới dạng .xlsx."
            )
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _file_error(corrupt) from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise _file_error(
            _(
                "Nội dung tệp Excel quá lớn khi giải nén; hãy xoá các dòng, cột trống hoặc định dạng "
                "thừa rồi lưu lại."
            ),
            limit=MAX_XLSX_UNPACKED_BYTES,
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl's own errors all mean the same to the user
        raise _file_error(corrupt) from exc
    if not workbook.worksheets:
        workbook.close()
        raise _file_error(corrupt)
    sheet = workbook.worksheets[0]
    # The stored dimension is often wrong (too small from some generators, a million rows from
    # formatting); without it openpyxl reads the rows that are really there.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(max_row=MAX_SHEET_ROWS, values_only=True)
    return _guarded(rows, corrupt, close=workbook.close)


def _guarded(
    rows: Iterator[Sequence[object]], message: str, close: Callable[[], None] | None = None
) -> Iterator[Sequence[object]]:
    """Yield ``rows``; a failure while reading them (they are read lazily) becomes a file error."""
    try:
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except _READ_ERRORS as exc:
                raise _file_error(message) from exc
            yield row
    finally:
        if close is not None:
            close()


def _csv_table(content: bytes) -> Iterator[Sequence[object]]:
    text = _csv_decode(content)
    delimiter = _csv_delimiter(text)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    message = _("Tệp CSV sai định dạng, không đọc được; hãy lưu lại tệp từ Excel dưới dạng CSV UTF-8.")
    return _guarded(rows, message)


def _csv_decode(content: bytes) -> str:
    # Excel's "Unicode text" export is UTF-16 with a BOM; without this it would decode as cp1258 noise.
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        try:
            # Vietnamese Windows code page; it writes tone marks as combining characters.
            return unicodedata.normalize("NFC", content.decode("cp1258"))
        except UnicodeDecodeError:
            pass
    raise _file_error(_("Không nhận ra bảng mã của tệp CSV; hãy lưu lại tệp với bảng mã UTF-8."))


def _csv_delimiter(text: str) -> str:
    """Pick the delimiter under which the first rows hold the best header row."""
    best, best_score = CSV_DELIMITERS[0], (0, 0, 0)
    for delimiter in CSV_DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            sample = list(islice(reader, HEADER_SEARCH_ROWS))
        except csv.Error:
            continue
        for cells in sample:
            columns = _header_columns(cells)
            if "full_name" in columns:
                score = (len(columns), sum(1 for cell in cells if cell.strip()), len(cells))
                if score > best_score:
                    best, best_score = delimiter, score
                break
    return best


# Table parsing ------------------------------------------------------------------------------------


def _header_key(value: object) -> str:
    return "".join(fold_words(str(value))) if value is not None else ""


_ALIAS_FIELD: dict[str, str] = {
    _header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases
}


def _header_columns(cells: Sequence[object]) -> dict[str, int]:
    """Map each known field to its column; the first column wins when a header repeats."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = _ALIAS_FIELD.get(_header_key(cell))
        if name is not None and name not in columns:
            columns[name] = index
    return columns


def _parse_table(table: Iterable[Sequence[object]]) -> list[StaffRow]:
    rows = iter(table)
    columns: dict[str, int] = {}
    line = 0
    for cells in rows:
        line += 1
        columns = _header_columns(cells)
        if "full_name" in columns:
            break
        if line >= HEADER_SEARCH_ROWS:
            columns = {}
            break
    if "full_name" not in columns:
        raise _file_error(
            _("Không tìm thấy dòng tiêu đề có cột “Họ và tên” trong %(count)d dòng đầu của tệp.")
            % {"count": HEADER_SEARCH_ROWS}
        )

    checker = _RowChecker()
    result: list[StaffRow] = []
    for cells in rows:
        line += 1
        values = {name: cells[index] if index < len(cells) else None for name, index in columns.items()}
        # Blank means no known field filled in: a pre-numbered STT column alone does not make a row.
        if all(_is_blank(value) for value in values.values()):
            continue
        if len(result) >= MAX_ROWS:
            raise _file_error(
                _(
                    "Tệp có hơn %(limit)d dòng dữ liệu; hãy chia thành nhiều tệp, "
                    "mỗi tệp tối đa %(limit)d dòng."
                )
                % {"limit": MAX_ROWS},
                limit=MAX_ROWS,
            )
        result.append(checker.check(line, values))
    return result


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Field checks -------------------------------------------------------------------------------------


def _legacy_detector() -> LegacyDetector | None:
    # Being added to core.text alongside this module; until it lands the check is skipped.
    try:
        from core.text import legacy_encoding  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    detector: LegacyDetector = legacy_encoding
    return detector


class _RowChecker:
    """Checks rows one by one, remembering what earlier rows held to find duplicates."""

    def __init__(self) -> None:
        self.legacy = _legacy_detector()
        self.legacy_seen: dict[str, str | None] = {}  # units and positions repeat down the file
        self.name_label = _("Họ và tên")
        self.unit_label = _("Đơn vị")
        self.position_label = _("Chức vụ")
        self.max_birth_year = timezone.localdate().year - MIN_AGE
        self.email_lines: dict[str, int] = {}
        self.person_lines: dict[tuple[object, ...], int] = {}

    def check(self, line: int, values: dict[str, object]) -> StaffRow:
        row = StaffRow(line=line)
        self._full_name(row, values.get("full_name"))
        self._birth_year(row, values.get("birth_year"))
        row.unit = self._text(row, values.get("unit"), self.unit_label)
        row.position = self._text(row, values.get("position"), self.position_label)
        email_ok = self._email(row, values.get("email"))
        self._phone(row, values.get("phone"))
        self._duplicates(row, email_ok=email_ok)
        return row

    def _full_name(self, row: StaffRow, value: object) -> None:
        row.full_name = _cell_text(value)
        if not row.full_name:
            row.errors.append(_("Thiếu họ và tên."))
        elif self._refused_text(row, row.full_name, self.name_label):
            pass
        elif not any(char.isalpha() for char in row.full_name):
            row.errors.append(
                _("Họ và tên “%(value)s” không có chữ cái nào.") % {"value": _quote(row.full_name)}
            )

    def _text(self, row: StaffRow, value: object, label: str) -> str:
        text = _cell_text(value)
        if text:
            self._refused_text(row, text, label)
        return text

    def _refused_text(self, row: StaffRow, text: str, label: str) -> bool:
        """Add an error and return True when ``text`` is too long or typed in a legacy font."""
        if len(text) > MAX_TEXT_LENGTH:
            row.errors.append(
                _("%(field)s dài %(length)d ký tự, vượt quá giới hạn %(limit)d ký tự.")
                % {"field": label, "length": len(text), "limit": MAX_TEXT_LENGTH}
            )
            return True
        encoding = self._legacy_encoding(text)
        if encoding:
            row.errors.append(
                _(
                    "%(field)s “%(value)s” được gõ bằng bảng mã %(encoding)s; hãy chuyển sang Unicode "
                    "(ví dụ bằng công cụ chuyển mã của Unikey) rồi tải tệp lên lại."
                )
                % {"field": label, "value": _quote(text), "encoding": encoding}
            )
            return True
        return False

    def _legacy_encoding(self, text: str) -> str | None:
        if self.legacy is None:
            return None
        if text not in self.legacy_seen:
            self.legacy_seen[text] = self.legacy(text)
        return self.legacy_seen[text]

    def _birth_year(self, row: StaffRow, value: object) -> None:
        if _is_blank(value):
            return
        year, shown = _year_of(value)
        if year is None:
            if _TWO_DIGIT_YEAR.fullmatch(shown):
                message = _(
                    "Năm sinh “%(value)s” chỉ có hai chữ số nên không rõ thế kỷ; hãy ghi đủ bốn chữ số, "
                    "ví dụ 1978."
                )
            else:
                message = _("Năm sinh “%(value)s” không phải là một năm; hãy ghi đủ bốn chữ số, ví dụ 1978.")
            row.errors.append(message % {"value": _quote(shown)})
        elif not MIN_BIRTH_YEAR <= year <= self.max_birth_year:
            row.errors.append(
                _("Năm sinh %(value)d phải nằm trong khoảng từ %(low)d đến %(high)d.")
                % {"value": year, "low": MIN_BIRTH_YEAR, "high": self.max_birth_year}
            )
        else:
            row.birth_year = year

    def _email(self, row: StaffRow, value: object) -> bool:
        row.email = _cell_text(value).lower()
        if not row.email:
            return False
        try:
            if len(row.email) > 254:  # the account's column holds 254
                raise ValidationError("too long")
            validate_email(row.email)
        except ValidationError:
            row.errors.append(_("Email “%(value)s” không hợp lệ.") % {"value": _quote(row.email)})
            return False
        return True

    def _phone(self, row: StaffRow, value: object) -> None:
        text = _cell_text(value)
        if not text:
            return
        phone = _normalise_phone(text)
        if phone is None:
            row.phone = text
            row.errors.append(
                _("Số điện thoại “%(value)s” không hợp lệ: cần 10 hoặc 11 chữ số, bắt đầu bằng 0.")
                % {"value": _quote(text)}
            )
        else:
            row.phone = phone

    def _duplicates(self, row: StaffRow, *, email_ok: bool) -> None:
        if not row.full_name:
            return
        # With no email and no phone the unit joins the key: two namesakes born the same year in
        # different units are common enough in a province not to be called duplicates.
        unit = fold(row.unit) if not (row.email or row.phone) else None
        person = (fold(row.full_name), row.birth_year, row.email, row.phone, unit)
        first = self.person_lines.setdefault(person, row.line)
        if first != row.line:
            row.errors.append(
                _("Dòng này trùng với dòng %(line)d (cùng họ tên, năm sinh và thông tin liên hệ).")
                % {"line": first}
            )
            return
        if email_ok:
            first = self.email_lines.setdefault(row.email, row.line)
            if first != row.line:
                row.errors.append(
                    _("Email “%(value)s” trùng với dòng %(line)d.")
                    % {"value": _quote(row.email), "line": first}
                )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores every number as a float: 912345678.0 is the text 912345678.
        return str(int(value))
    # Control characters (NUL above all) cannot be stored and are never meant.
    return nfc(_CONTROL.sub(" ", str(value)))


def _year_of(value: object) -> tuple[int | None, str]:
    """Return the year in ``value`` (None when there is none) and the value as shown in messages."""
    if isinstance(value, datetime | date):
        return value.year, str(value)
    if isinstance(value, bool | time):
        return None, str(value)
    if isinstance(value, int):
        return (value if value >= 1000 else None), str(value)
    if isinstance(value, float):
        if value.is_integer() and value >= 1000:
            return int(value), str(int(value))
        return None, _cell_text(value)
    text = _cell_text(value)
    for pattern in (_YEAR, _DATE_DMY, _DATE_YMD):
        match = pattern.fullmatch(text)
        if match:
            return int(match.group(1)), text
    return None, text


def _normalise_phone(text: str) -> str | None:
    digits = _PHONE_NOISE.sub("", text)
    for prefix in ("+84", "0084"):
        if digits.startswith(prefix):
            rest = digits[len(prefix) :]
            # "+84 (0) 912 ..." keeps its own 0.
            digits = rest if rest.startswith("0") else "0" + rest
            break
    else:
        # 84 without + only when what follows is a whole number: 843123456 is 0843123456 without its 0.
        if digits.startswith("84") and len(digits) in (11, 12):
            digits = "0" + digits[2:]
    if len(digits) == 9 and digits.isascii() and digits.isdigit() and not digits.startswith("0"):
        digits = "0" + digits  # Excel drops the leading 0 of a number typed into a number cell
    return digits if _PHONE_VALID.fullmatch(digits) else None


def _quote(value: str) -> str:
    return value if len(value) <= _QUOTE_LIMIT else value[: _QUOTE_LIMIT - 1] + "…"
