"""The statistics as XLSX (one sheet per table, a bar chart) and as PDF (tables and a bar chart
drawn with the shipped Vietnamese fonts)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from collab.selectors.statistics import Statistics
from qlvbdh.printing import FONT_DIR, FONT_FAMILY


def _title(stats: Statistics) -> str:
    return _("Thống kê văn bản từ %(start)s đến %(end)s") % {
        "start": f"{stats.start:%d/%m/%Y}",
        "end": f"{stats.end:%d/%m/%Y}",
    }


def _tables(stats: Statistics) -> list[tuple[str, list[str], list[Sequence[Any]]]]:
    """(title, headers, rows) of every table, in the order both exports print them."""
    return [
        (
            _("Theo loại văn bản"),
            [_("Loại"), _("Văn bản đến"), _("Văn bản đi")],
            [
                *((e["name"], e["incoming"], e["outgoing"]) for e in stats.by_type),
                (_("Tổng cộng"), stats.incoming, stats.outgoing),
            ],
        ),
        (
            _("Văn bản đến theo đơn vị chủ trì"),
            [_("Đơn vị"), _("Số văn bản")],
            [(e["name"], e["count"]) for e in stats.incoming_by_unit],
        ),
        (
            _("Văn bản đến theo người chủ trì"),
            [_("Người"), _("Số văn bản")],
            [(e["name"] or e["username"], e["count"]) for e in stats.incoming_by_person],
        ),
        (
            _("Văn bản đi theo đơn vị soạn thảo"),
            [_("Đơn vị"), _("Số văn bản")],
            [(e["unit"] or "—", e["count"]) for e in stats.outgoing_by_unit],
        ),
        (
            _("Văn bản đi theo người soạn thảo"),
            [_("Người"), _("Số văn bản")],
            [(e["username"], e["count"]) for e in stats.outgoing_by_person],
        ),
        (
            _("Tiến độ xử lý (chủ trì)"),
            [_("Tình trạng"), _("Số việc")],
            [
                (_("Xong đúng hạn"), stats.on_time),
                (_("Xong trễ hạn"), stats.late),
                (_("Đang xử lý, quá hạn"), stats.open_overdue),
                (_("Đang xử lý, trong hạn"), stats.open_in_time),
                (
                    _("Thời gian xử lý trung bình (ngày)"),
                    "" if stats.average_days is None else stats.average_days,
                ),
            ],
        ),
        (
            _("Văn bản đến theo nguồn"),
            [_("Nguồn"), _("Số văn bản")],
            [(e["name"], e["count"]) for e in stats.incoming_by_source],
        ),
        (
            _("Văn bản đi theo hình thức"),
            [_("Hình thức"), _("Số văn bản")],
            [(e["name"], e["count"]) for e in stats.outgoing_by_delivery],
        ),
    ]


def _text(value: Any) -> Any:
    # a cell that would start a formula stays text
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def statistics_xlsx(*, stats: Statistics, agency_name: str) -> bytes:
    workbook = Workbook()
    first = True
    for title, headers, rows in _tables(stats):
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        sheet.title = title[:31]
        sheet.append([title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_text(value) for value in row])
        sheet.column_dimensions["A"].width = 40
        if title == _("Theo loại văn bản") and len(rows) > 1:
            chart = BarChart()
            chart.title = title
            data = Reference(
                sheet, min_col=2, max_col=3, min_row=2, max_row=len(rows) + 1
            )  # without the total
            categories = Reference(sheet, min_col=1, min_row=3, max_row=len(rows) + 1)
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(categories)
            sheet.add_chart(chart, "E2")
    workbook.properties.title = _title(stats)
    workbook.properties.creator = "tinhso"
    workbook.properties.subject = agency_name
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bars(pdf: FPDF, title: str, values: list[tuple[str, int]]) -> None:
    """A horizontal bar per value, scaled to the largest."""
    if not values:
        return
    top = max([1, *(v for _label, v in values)])
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


def statistics_pdf(*, stats: Statistics, agency_name: str) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT_FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT_FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(auto=True, margin=12)
    title = _title(stats)
    pdf.set_title(title)
    pdf.set_author(agency_name)
    pdf.set_creator("tinhso")
    pdf.set_lang("vi")
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(0, 6, agency_name.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.cell(0, 8, title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _bars(
        pdf,
        _("Văn bản đến, đi theo loại"),
        [(f"{e['name']} ({_('đến')})", e["incoming"]) for e in stats.by_type if e["incoming"]]
        + [(f"{e['name']} ({_('đi')})", e["outgoing"]) for e in stats.by_type if e["outgoing"]],
    )
    _bars(
        pdf,
        _("Tiến độ xử lý (chủ trì)"),
        [
            (_("Xong đúng hạn"), stats.on_time),
            (_("Xong trễ hạn"), stats.late),
            (_("Đang xử lý, quá hạn"), stats.open_overdue),
            (_("Đang xử lý, trong hạn"), stats.open_in_time),
        ],
    )
    for table_title, headers, rows in _tables(stats):
        if pdf.will_page_break(20):
            pdf.add_page()
        pdf.set_font(FONT_FAMILY, "B", 10)
        pdf.cell(0, 7, table_title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, "", 9)
        with pdf.table(
            col_widths=(100, *([40] * (len(headers) - 1))),
            width=100 + 40 * (len(headers) - 1),
            headings_style=FontFace(emphasis="BOLD"),
            line_height=5,
            text_align="LEFT",
            align="LEFT",
        ) as table:
            heading = table.row()
            for header in headers:
                heading.cell(header)
            for row in rows:
                line = table.row()
                for value in row:
                    line.cell(str(value))
            if not rows:
                table.row().cell(_("Không có số liệu."), colspan=len(headers))
        pdf.ln(3)
    return bytes(pdf.output())
