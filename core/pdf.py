"""What every printed PDF shares (registers, reports, statistics, the leaders' week): the
Vietnamese fonts shipped here, the document's set-up, a table under its title, simple bar charts
drawn with fpdf2's own lines and rectangles, and the signature block that closes a document."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    # fpdf2 (with fontTools) weighs some 20 MB in every web worker; it is imported by the request
    # that prints (pdf_new), never when its views are merely routed (README "Web worker memory").
    from fpdf import FPDF
    from fpdf.fonts import FontFace

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVuSans"

# fontTools logs each table it subsets at INFO, some hundred lines a PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def pdf_new(**options: Any) -> FPDF:
    """An empty fpdf2 document (FPDF(**options)), fpdf2 imported now rather than with this module."""
    from fpdf import FPDF

    return FPDF(**options)


def pdf_bold() -> FontFace:
    """fpdf2's bold face, for a table's heading row."""
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD")


def pdf_start(
    pdf: FPDF,
    *,
    title: str,
    author: str,
    margins: tuple[float, float, float] | None = None,
    bottom: float = 12,
) -> FPDF:
    """The fonts, margins (left, top, right), page breaks and properties; then the first page."""
    pdf.add_font(FONT_FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT_FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    if margins is not None:
        pdf.set_margins(*margins)
    pdf.set_auto_page_break(auto=True, margin=bottom)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("tinhso")
    pdf.set_lang("vi")
    pdf.add_page()
    return pdf


def pdf_titled_table(
    pdf: FPDF, title: str, headers: Sequence[Any], rows: Sequence[Sequence[Any]], *, widths: Sequence[float]
) -> None:
    """A table under a bold title (kept together on a page), its header row bold; "no figures"
    when it has no rows."""
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 9)
    with pdf.table(
        col_widths=tuple(widths),
        width=sum(widths),
        headings_style=pdf_bold(),
        line_height=5,
        text_align="LEFT",
        align="LEFT",
    ) as table:
        heading = table.row()
        for header in headers:
            heading.cell(str(header))
        for row in rows:
            line = table.row()
            for value in row:
                line.cell(str(value))
        if not rows:
            table.row().cell(_("Không có số liệu."), colspan=len(headers))
    pdf.ln(3)


def pdf_bars(pdf: FPDF, title: str, values: Sequence[tuple[str, int]]) -> None:
    """A horizontal bar per value, scaled to the largest, its number after it; nothing when empty."""
    if not values:
        return
    top = max([1, *(value for _label, value in values)])
    if pdf.will_page_break(7 + 5 * min(len(values), 4)):
        pdf.add_page()
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 8)
    width = pdf.w - pdf.l_margin - pdf.r_margin - 70
    for label, value in values:
        if pdf.will_page_break(6):
            pdf.add_page()
        y = pdf.get_y()
        pdf.cell(60, 5, label[:40])
        pdf.set_fill_color(164, 22, 26)
        pdf.rect(pdf.l_margin + 60, y + 1, max(0.5, width * value / top), 3.5, style="F")
        pdf.set_x(pdf.l_margin + 62 + width * value / top)
        pdf.cell(10, 5, str(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def pdf_signatures(pdf: FPDF, *, left: tuple[str, str], right: tuple[str, str], lead: str = "") -> None:
    """The closing block, kept on one page: a lead line (a count) when given, today's date on the
    right, then two signers, each (title, note) side by side."""
    if pdf.will_page_break(50):
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font(FONT_FAMILY, "", 10)
    if lead:
        pdf.cell(0, 6, lead, new_x="LMARGIN", new_y="NEXT")
    today = timezone.localdate()
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.set_x(pdf.l_margin + half)
    dated = _("Ngày %(d)02d tháng %(m)02d năm %(y)s") % {"d": today.day, "m": today.month, "y": today.year}
    pdf.cell(half, 6, dated, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(half, 6, left[0], align="C")
    pdf.cell(half, 6, right[0], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.cell(half, 5, left[1], align="C")
    pdf.cell(half, 5, right[1], align="C", new_x="LMARGIN", new_y="NEXT")
