"""Printed registers (R9): the register of a day or a period as PDF (to sign and close) and XLSX.

The columns are those of the register forms (STANDARDS.md section 1, Decree 30/2020/NĐ-CP).
`register_rows` reads, `register_pdf` and `register_xlsx` only lay out what it returns, and
`register_print` / `register_export` are the entry points that check, build and audit.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from accounts.permissions import can, permitted
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.pdf import FONT_FAMILY, pdf_bold, pdf_signatures, pdf_start
from core.text import nfc
from qlvbdh import catalogue
from qlvbdh.models import Document, Register

if TYPE_CHECKING:
    from fpdf import FPDF

# The limit for one export; 366 lets a leap year go out whole.
MAX_PERIOD_DAYS = 366

Cell = str | int | date | None
Row = tuple[Cell, ...]


@dataclass(frozen=True)
class Column:
    header: StrOrPromise
    pdf_width: float  # millimetres; each register's widths add up to the landscape A4 text width
    xlsx_width: float  # characters
    kind: Literal["text", "number", "date"] = "text"


INCOMING_COLUMNS: tuple[Column, ...] = (
    Column(gettext_lazy("Ngày đến"), 21, 12, "date"),
    Column(gettext_lazy("Số đến"), 14, 8, "number"),
    Column(gettext_lazy("Cơ quan ban hành"), 40, 30),
    Column(gettext_lazy("Số, ký hiệu"), 28, 18),
    Column(gettext_lazy("Ngày tháng văn bản"), 22, 12, "date"),
    Column(gettext_lazy("Tên loại và trích yếu nội dung"), 74, 60),
    Column(gettext_lazy("Đơn vị hoặc người nhận"), 32, 24),
    Column(gettext_lazy("Ký nhận"), 22, 14),
    Column(gettext_lazy("Ghi chú"), 24, 18),
)
OUTGOING_COLUMNS: tuple[Column, ...] = (
    Column(gettext_lazy("Số, ký hiệu văn bản"), 30, 18),
    Column(gettext_lazy("Ngày tháng văn bản"), 22, 12, "date"),
    Column(gettext_lazy("Tên loại và trích yếu nội dung"), 80, 60),
    Column(gettext_lazy("Người ký"), 32, 22),
    Column(gettext_lazy("Nơi nhận văn bản"), 45, 30),
    Column(gettext_lazy("Đơn vị, người nhận bản lưu"), 30, 22),
    Column(gettext_lazy("Số lượng bản"), 14, 9, "number"),
    Column(gettext_lazy("Ghi chú"), 24, 18),
)


def register_columns(register: Register) -> tuple[Column, ...]:
    return INCOMING_COLUMNS if register.direction == Register.Direction.INCOMING else OUTGOING_COLUMNS


# --- reading -------------------------------------------------------------------------------------


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _local_date(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


def _number_and_notation(number: str, notation: str) -> str:
    return "/".join(part for part in (number, notation) if part)


def _type_and_summary(document: Document) -> str:
    type_name = catalogue.DOCUMENT_TYPES.get(document.document_type, document.document_type)
    return f"{type_name}: {document.summary}"


def _notes(document: Document) -> str:
    notes = []
    if document.urgency != catalogue.Urgency.NORMAL:
        notes.append(str(document.get_urgency_display()))
    if document.status == Document.Status.REVOKED:
        notes.append(str(document.get_status_display()))
    return "; ".join(notes)


def _incoming_row(document: Document) -> Row:
    receiver = document.submitted_to.get_full_name() if document.submitted_to is not None else ""
    return (
        _local_date(document.received_at or document.registered_at),
        catalogue.format_number(document.register_number or 0),
        document.issuer_name,
        _number_and_notation(document.number, document.notation),
        document.issued_on,
        _type_and_summary(document),
        receiver,  # the processing flow will name units here once it records them
        "",  # signature of receipt: written by hand on the printed register
        _notes(document),
    )


def _outgoing_row(document: Document) -> Row:
    number = document.number or catalogue.format_number(document.register_number or 0)
    return (
        _number_and_notation(number, document.notation),
        document.issued_on or _local_date(document.registered_at),
        _type_and_summary(document),
        document.signer_name,
        document.recipients,
        "",  # unit or person keeping the file copy: not recorded yet
        document.copy_count,
        _notes(document),
    )


def register_rows(*, register: Register, start: date, end: date, reader: Any = None) -> list[Row]:
    """The register's documents registered (local date) from `start` to `end` inclusive, by number;
    with a reader, only those that person may see (need-to-know; None: the command line).

    One query; each row holds the values of `register_columns(register)`, in order.
    """
    readable = (
        Document.objects.all() if reader is None else permitted(reader, "qlvbdh.view_documents", Document)
    )
    documents = (
        readable.filter(
            register=register,
            registered_at__gte=_local_midnight(start),
            registered_at__lt=_local_midnight(end + timedelta(days=1)),
        )
        .select_related("submitted_to")
        .order_by("register_number", "id")
    )
    make_row = _incoming_row if register.direction == Register.Direction.INCOMING else _outgoing_row
    return [make_row(document) for document in documents]


# --- layout --------------------------------------------------------------------------------------


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _plain(value: str) -> str:
    """NFC on one line, without control characters (a stray \x01 would make openpyxl refuse the sheet)."""
    return "".join(char for char in nfc(value) if unicodedata.category(char) != "Cc")


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return _day(value)
    return _plain(str(value))


def period_label(start: date, end: date) -> str:
    if start == end:
        return _("Ngày %(day)s") % {"day": _day(start)}
    return _("Từ ngày %(start)s đến ngày %(end)s") % {"start": _day(start), "end": _day(end)}


def _title(register: Register) -> str:
    return _("%(name)s năm %(year)s") % {"name": _plain(register.name), "year": register.year}


@cache
def _register_pdf_class() -> Callable[..., FPDF]:
    """The class is made on the first print: fpdf2 is imported then, not with this module (core.pdf)."""
    from fpdf import FPDF

    class RegisterPdf(FPDF):
        """Landscape A4 with a running header after the first page and page numbers in the footer."""

        def __init__(self, *, running_header: str) -> None:
            super().__init__(orientation="L", unit="mm", format="A4")
            self.running_header = running_header

        def header(self) -> None:
            if self.page_no() > 1:
                self.set_font(FONT_FAMILY, size=8)
                self.cell(0, 5, self.running_header, align="L", new_x="LMARGIN", new_y="NEXT")
                self.ln(2)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT_FAMILY, size=8)
            # "{nb}" is fpdf2's alias for the page count, filled in when the document is closed.
            pages = {"page": self.page_no(), "pages": "{nb}"}
            self.cell(0, 5, _("Trang %(page)s/%(pages)s") % pages, align="C")

    return RegisterPdf


def register_pdf(
    *, register: Register, agency_name: str, start: date, end: date, rows: Sequence[Row]
) -> bytes:
    """The printed register: landscape A4, every column of the form, closed by a signature block."""
    columns = register_columns(register)
    agency = _plain(agency_name)
    title = _title(register)
    period = period_label(start, end)
    pdf = _register_pdf_class()(running_header=f"{agency} – {title} – {period}")
    pdf_start(pdf, title=f"{title} – {period}", author=agency, margins=(10, 10, 10), bottom=15)

    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(0, 6, agency.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT_FAMILY, "B", 14)
    pdf.cell(0, 8, title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 10)
    if _plain(register.name).lower() != str(register.get_direction_display()).lower():
        pdf.cell(0, 6, str(register.get_direction_display()), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, period, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    pdf.set_font(FONT_FAMILY, "", 9)
    aligns = ["C" if column.kind in ("date", "number") else "L" for column in columns]
    incoming = register.direction == Register.Direction.INCOMING
    with pdf.table(
        col_widths=[column.pdf_width for column in columns],
        width=sum(column.pdf_width for column in columns),
        headings_style=pdf_bold(),
        line_height=4.5,
        padding=(1.5, 1.2),
        text_align="LEFT",
        # Room for a handwritten signature of receipt on each incoming row.
        min_row_height=11 if incoming else None,
    ) as table:
        heading = table.row()
        for column in columns:
            heading.cell(str(column.header), align="C")
        for values in rows:
            line = table.row()
            for value, align in zip(values, aligns, strict=True):
                line.cell(_text(value), align=align)
        if not rows:
            table.row().cell(_("Không có văn bản nào được vào sổ."), align="C", colspan=len(columns))

    # The register is closed: how many documents, the date, and the two signatures.
    pdf_signatures(
        pdf,
        lead=_("Tổng số: %(count)s văn bản.") % {"count": len(rows)},
        left=(_("Người lập sổ"), _("(Ký, ghi rõ họ tên)")),
        right=(_("Thủ trưởng cơ quan"), _("(Ký tên, đóng dấu)")),
    )
    return bytes(pdf.output())


def register_xlsx(
    *, register: Register, agency_name: str, start: date, end: date, rows: Sequence[Row]
) -> bytes:
    """One sheet: the header row, then one row per document (a table to filter and sort). The title
    travels in the printed page header and the workbook's properties, not in the cells."""
    columns = register_columns(register)
    title = _title(register)
    period = period_label(start, end)
    from openpyxl import Workbook  # imported by the export, not with the module (core.pdf's why)
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(register.get_direction_display())[:31]
    sheet.append([str(column.header) for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for values in rows:
        sheet.append([_plain(value) if isinstance(value, str) else value for value in values])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"  # text typed as "=..." stays text, never a formula Excel would run
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.xlsx_width
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if column.kind == "date":
                cell.number_format = "DD/MM/YYYY"
            elif column.kind == "number" and isinstance(cell.value, str):
                cell.number_format = "@"  # arrival numbers stay text: 01, not 1
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = sheet.dimensions
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    # The page header takes &-codes: a literal & is written &&.
    sheet.oddHeader.center.text = f"{_plain(agency_name)} – {title} – {period}".replace("&", "&&")
    sheet.oddFooter.center.text = _("Trang &P/&N")
    workbook.properties.title = f"{title} – {period}"
    workbook.properties.creator = "tinhso"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- entry points --------------------------------------------------------------------------------


def register_printable_by(user: Any) -> bool:
    """Clerks (who keep the registers) and everyone who may read documents."""
    return can(user, "qlvbdh.manage_registers") or can(user, "qlvbdh.view_documents")


def _agency_name() -> str:
    # django-tenants puts the current schema's tenant on the connection.
    return str(getattr(getattr(connection, "tenant", None), "name", ""))


def period_check(*, start: date, end: date) -> None:
    """A period that runs forward, lasts at most a year, in years the platform can hold."""
    first_year, last_year = 2000, timezone.localdate().year + 1
    for day in (start, end):
        if not first_year <= day.year <= last_year:
            raise ApplicationError(
                _("Ngày phải nằm trong các năm từ %(first)s đến %(last)s.")
                % {"first": first_year, "last": last_year},
                code="invalid_date",
            )
    if end < start:
        raise ApplicationError(_("Ngày kết thúc không được trước ngày bắt đầu."), code="invalid_period")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ApplicationError(_("Chỉ xuất được tối đa một năm mỗi lần."), code="invalid_period")


def _check(actor: Actor) -> None:
    if actor.user is not None and not register_printable_by(actor.user):
        raise PermissionDenied


def register_print(*, actor: Actor, register: Register, day: date) -> bytes:
    """The day's register as PDF, for the clerk to print, sign and close. Audited."""
    _check(actor)
    period_check(start=day, end=day)
    rows = register_rows(register=register, start=day, end=day, reader=actor.user)
    content = register_pdf(register=register, agency_name=_agency_name(), start=day, end=day, rows=rows)
    with transaction.atomic():
        audit_record(actor=actor, action="register.print", target=register, day=day, documents=len(rows))
    return content


def register_export(*, actor: Actor, register: Register, start: date, end: date) -> bytes:
    """A period of the register as XLSX. Audited."""
    _check(actor)
    period_check(start=start, end=end)
    rows = register_rows(register=register, start=start, end=end, reader=actor.user)
    content = register_xlsx(register=register, agency_name=_agency_name(), start=start, end=end, rows=rows)
    with transaction.atomic():
        audit_record(
            actor=actor, action="register.export", target=register, start=start, end=end, documents=len(rows)
        )
    return content
