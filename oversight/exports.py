"""XLSX and PDF of a table of figures: the league table, one agency's figures, a usage report."""

from __future__ import annotations

import io
from collections.abc import Sequence

from core.pdf import FONT_FAMILY, pdf_bold, pdf_new, pdf_start

Cell = str | float | int | None


def _text(value: Cell) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return str(value)


def xlsx_table(title: str, subtitle: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    # openpyxl is imported by the export, not by every worker routing to it (README "Web worker memory").
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101  (a new workbook has one sheet)
    sheet.title = "tinhso"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([subtitle])
    sheet.append([])
    sheet.append(list(header))
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index, name in enumerate(header, start=1):
        width = max([len(str(name)), *(len(_text(row[index - 1])) for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pdf_table(
    title: str, subtitle: str, header: Sequence[str], rows: Sequence[Sequence[Cell]], *, footer: str = ""
) -> bytes:
    """A landscape A4 table; the first column (a name) takes what the others leave."""
    pdf = pdf_start(pdf_new(orientation="L", unit="mm", format="A4"), title=title, author="")
    pdf.set_font(FONT_FAMILY, "B", 14)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.multi_cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "", 7)
    with pdf.table(
        text_align=["LEFT", *(["RIGHT"] * (len(header) - 1))],
        col_widths=[3, *([1] * (len(header) - 1))],
        headings_style=pdf_bold(),
    ) as table:
        table.row([str(name) for name in header])
        for row in rows:
            table.row([_text(value) for value in row])
    if footer:
        pdf.ln(3)
        pdf.set_font(FONT_FAMILY, "", 8)
        pdf.multi_cell(0, 5, footer, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
