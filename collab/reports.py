"""The statistics as XLSX (one sheet per table, a bar chart) and as PDF (tables and bar charts,
core.pdf)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from collab.selectors.statistics import Statistics
from core.pdf import FONT_FAMILY, pdf_bars, pdf_new, pdf_start, pdf_titled_table


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
    from openpyxl import Workbook  # imported by the export, not with the module (core.pdf's why)
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

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


def statistics_pdf(*, stats: Statistics, agency_name: str) -> bytes:
    title = _title(stats)
    pdf = pdf_start(
        pdf_new(orientation="P", unit="mm", format="A4"),
        title=title,
        author=agency_name,
        margins=(15, 12, 15),
    )
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(0, 6, agency_name.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.cell(0, 8, title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf_bars(
        pdf,
        _("Văn bản đến, đi theo loại"),
        [(f"{e['name']} ({_('đến')})", e["incoming"]) for e in stats.by_type if e["incoming"]]
        + [(f"{e['name']} ({_('đi')})", e["outgoing"]) for e in stats.by_type if e["outgoing"]],
    )
    pdf_bars(
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
        pdf_titled_table(pdf, table_title, headers, rows, widths=(100, *([40] * (len(headers) - 1))))
    return bytes(pdf.output())
