"""The leaders' week printed as PDF (landscape A4, the Vietnamese fonts of core.pdf)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from collab.models import CalendarEvent, CalendarWeek
from core.pdf import FONT_FAMILY, pdf_bold, pdf_new, pdf_start

WEEKDAYS = (
    gettext_noop("Thứ Hai"),
    gettext_noop("Thứ Ba"),
    gettext_noop("Thứ Tư"),
    gettext_noop("Thứ Năm"),
    gettext_noop("Thứ Sáu"),
    gettext_noop("Thứ Bảy"),
    gettext_noop("Chủ Nhật"),
)


def week_pdf(*, week: CalendarWeek, events: Sequence[CalendarEvent], agency_name: str) -> bytes:
    end = week.week_start + timedelta(days=6)
    title = _("LỊCH CÔNG TÁC TUẦN TỪ %(start)s ĐẾN %(end)s") % {
        "start": f"{week.week_start:%d/%m/%Y}",
        "end": f"{end:%d/%m/%Y}",
    }
    pdf = pdf_start(
        pdf_new(orientation="L", unit="mm", format="A4"),
        title=title,
        author=agency_name,
        margins=(10, 10, 10),
    )
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(0, 6, agency_name.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.cell(0, 8, title, align="C", new_x="LMARGIN", new_y="NEXT")
    if week.status != CalendarWeek.Status.PUBLISHED:
        pdf.set_font(FONT_FAMILY, "", 10)
        pdf.cell(0, 6, _("(Dự thảo, chưa được duyệt)"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, "", 9)
    headers = [
        _("Ngày"),
        _("Thời gian"),
        _("Nội dung"),
        _("Chủ trì"),
        _("Thành phần"),
        _("Địa điểm"),
        _("Chuẩn bị"),
    ]
    with pdf.table(
        col_widths=(24, 22, 80, 35, 50, 35, 31),
        headings_style=pdf_bold(),
        line_height=4.5,
        padding=(1.2, 1.2),
        text_align="LEFT",
    ) as table:
        heading = table.row()
        for header in headers:
            heading.cell(header, align="C")
        for event in events:
            start = timezone.localtime(event.starts_at)
            row = table.row()
            row.cell(f"{_(WEEKDAYS[start.weekday()])}\n{start:%d/%m}")
            row.cell(f"{start:%H:%M}–{timezone.localtime(event.ends_at):%H:%M}")
            row.cell(event.title + (f"\n({_('Đã hủy')})" if event.cancelled_at else ""))
            row.cell(event.host.get_full_name() if event.host else "")
            people = [p.get_full_name() or p.get_username() for p in event.participants.all()]
            if event.other_participants:
                people.append(event.other_participants)
            row.cell("; ".join(people))
            row.cell(event.place)
            row.cell(event.preparing_unit.name if event.preparing_unit else "")
        if not events:
            table.row().cell(_("Không có sự kiện nào."), align="C", colspan=len(headers))
    if week.approved_by:
        pdf.ln(4)
        pdf.cell(0, 6, _("Đã duyệt: %(who)s") % {"who": week.approved_by}, align="R")
    return bytes(pdf.output())
