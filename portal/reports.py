"""The board's activity report (P7, regulation Điều 5.3, 16) for a month, a semester, a school year
or any period: articles submitted, published, returned, refused by reason and taken down; each
unit's and each person's contribution; event deadlines and monthly quotas met. As figures for the
page (with its charts), and as PDF (the same charts drawn as bars, Vietnamese fonts, a signed-off
block) and XLSX.

Counts come from the rows that record each fact: Wagtail's workflow states (a submission), the
pages' first publication, and the board's audit entries (return, refusal with its reason, takedown).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, Count
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import WorkflowState

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.models import AuditEntry
from core.pdf import FONT_FAMILY, pdf_bars, pdf_new, pdf_signatures, pdf_start, pdf_titled_table
from core.text import nfc
from portal.deadlines import EventStatus, Period, event_status, published_articles, quota_standings
from portal.models import ArticlePage, Event, RefusalReason


@dataclass
class Report:
    period: Period
    submitted: int = 0
    published: int = 0
    returned: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # reason code -> count
    taken_down: int = 0
    by_unit: list[tuple[str, int]] = field(default_factory=list)
    by_person: list[tuple[str, str, int]] = field(default_factory=list)  # name, unit, count
    deadlines: dict[str, int] = field(default_factory=dict)  # EventStatus -> count
    quotas: list[tuple[str, str, int, bool]] = field(default_factory=list)  # group, month, published, met
    proposals: str = ""

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())

    @property
    def quotas_met(self) -> int:
        return sum(1 for *_rest, met in self.quotas if met)


def _article_ids_text() -> Any:
    return ArticlePage.objects.annotate(key=Cast("pk", CharField())).values("key")


def _board_actions(action: str, start: Any, end: Any) -> Any:
    return AuditEntry.objects.filter(
        action=action, at__gte=start, at__lt=end, target_id__in=_article_ids_text()
    ).exclude(target_type="")


def report_build(period: Period, *, proposals: str = "", now: Any = None) -> Report:
    start, end = period.bounds
    report = Report(period=period, proposals=nfc(proposals or "").strip()[:10000])
    article_type = ContentType.objects.get_for_model(ArticlePage)
    report.submitted = WorkflowState.objects.filter(
        content_type=article_type,
        created_at__gte=start,
        created_at__lt=end,
    ).count()
    published = published_articles(start, end)
    report.published = published.count()
    report.returned = _board_actions("portal.reject", start, end).count()
    reasons = Counter(
        str(detail.get("reason") or "")
        for detail in _board_actions("portal.refuse", start, end).values_list("detail", flat=True)
    )
    report.refused = {code: reasons.get(code, 0) for code in RefusalReason.values}
    report.taken_down = _board_actions("portal.take_down", start, end).count()
    units = published.values("owner__unit__name").annotate(n=Count("id")).order_by("-n", "owner__unit__name")
    report.by_unit = [(row["owner__unit__name"] or _("(chưa thuộc đơn vị)"), row["n"]) for row in units]
    people = (
        published.values("owner__full_name", "owner__username", "owner__unit__name")
        .annotate(n=Count("id"))
        .order_by("-n", "owner__username")
    )
    report.by_person = [
        (
            row["owner__full_name"] or row["owner__username"] or _("(không rõ)"),
            row["owner__unit__name"] or "",
            row["n"],
        )
        for row in people
    ]
    now = now or timezone.now()
    events = Event.objects.filter(deadline__gt=start, deadline__lte=end).select_related("article")
    statuses = Counter(event_status(event, now=now) for event in events)
    report.deadlines = {key: statuses.get(key, 0) for key in EventStatus.LABELS}
    for year, month in period.months():
        for standing in quota_standings(year, month):
            report.quotas.append(
                (str(standing.group), f"{month:02d}/{year}", standing.published, standing.met)
            )
    return report


def report_summary_rows(report: Report) -> list[tuple[str, int]]:
    rows = [
        (_("Bài gửi duyệt"), report.submitted),
        (_("Bài đã đăng"), report.published),
        (_("Bài trả lại để sửa"), report.returned),
        (_("Bài bị từ chối"), report.refused_total),
    ]
    rows += [(f"  – {RefusalReason(code).label}", n) for code, n in report.refused.items()]
    rows += [
        (_("Bài bị gỡ"), report.taken_down),
        (_("Sự kiện đưa tin đúng hạn"), report.deadlines.get(EventStatus.MET, 0)),
        (_("Sự kiện đưa tin trễ hạn"), report.deadlines.get(EventStatus.LATE, 0)),
        (_("Sự kiện quá hạn chưa đưa tin"), report.deadlines.get(EventStatus.OVERDUE, 0)),
        (_("Sự kiện chưa đến hạn"), report.deadlines.get(EventStatus.DUE, 0)),
        (_("Lượt tổ đạt chỉ tiêu tháng"), report.quotas_met),
        (_("Lượt tổ chưa đạt chỉ tiêu tháng"), len(report.quotas) - report.quotas_met),
    ]
    return rows


def _tables(report: Report) -> list[tuple[str, list[str], Sequence[Sequence[Any]]]]:
    return [
        (_("Tổng hợp"), [_("Nội dung"), _("Số lượng")], report_summary_rows(report)),
        (_("Đóng góp theo đơn vị"), [_("Đơn vị"), _("Bài đã đăng")], report.by_unit),
        (_("Đóng góp theo cá nhân"), [_("Người viết"), _("Đơn vị"), _("Bài đã đăng")], report.by_person),
        (
            _("Chỉ tiêu tháng của các tổ"),
            [_("Tổ"), _("Tháng"), _("Bài đã đăng"), _("Đạt")],
            [(g, m, n, _("Đạt") if met else _("Chưa đạt")) for g, m, n, met in report.quotas],
        ),
    ]


def _activity(report: Report) -> list[tuple[str, int]]:
    """The activity chart's bars (the page's Chart.js chart and the PDF's drawn one)."""
    return [
        (str(_("Bài gửi duyệt")), report.submitted),
        (str(_("Bài đã đăng")), report.published),
        (str(_("Bài trả lại để sửa")), report.returned),
        (str(_("Bài bị từ chối")), report.refused_total),
        (str(_("Bài bị gỡ")), report.taken_down),
    ]


_UNITS_CHARTED = 20


def report_charts(report: Report) -> dict[str, str]:
    """Chart.js specs (oversight's static charts.js draws them from the canvas's data attribute)."""
    activity = _activity(report)
    units = report.by_unit[:_UNITS_CHARTED]
    return {
        "activity": json.dumps(
            {
                "type": "bar",
                "labels": [label for label, _n in activity],
                "datasets": [{"label": str(_("Số bài")), "data": [n for _label, n in activity]}],
            },
            ensure_ascii=False,
        ),
        "units": json.dumps(
            {
                "type": "bar",
                "horizontal": True,
                "labels": [name for name, _n in units],
                "datasets": [{"label": str(_("Bài đã đăng")), "data": [n for _name, n in units]}],
            },
            ensure_ascii=False,
        ),
    }


def _text(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def report_xlsx(report: Report, *, agency_name: str) -> bytes:
    from openpyxl import Workbook  # imported by the export, not with the module (core.pdf's why)
    from openpyxl.styles import Font

    book = Workbook()
    for index, (title, headers, rows) in enumerate(_tables(report)):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None  # noqa: S101  (a new workbook has one sheet)
        sheet.title = title[:31]
        sheet.append([f"{agency_name} – {_('Báo cáo hoạt động cổng thông tin')} – {report.period.label}"])
        sheet["A1"].font = Font(bold=True)
        sheet.append(headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_text(value) for value in row])
        sheet.column_dimensions["A"].width = 45
    if report.proposals:
        sheet = book.create_sheet(str(_("Đề xuất, kiến nghị"))[:31])
        sheet.append([_("Đề xuất, kiến nghị")])
        sheet.append([_text(report.proposals)])
    book.properties.title = f"{_('Báo cáo hoạt động cổng thông tin')} – {report.period.label}"
    book.properties.creator = "tinhso"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_pdf(report: Report, *, agency_name: str) -> bytes:
    """Portrait A4: the charts of the page drawn as bars, the tables, the proposals and a signed-off
    block for the board head."""
    title = _("BÁO CÁO HOẠT ĐỘNG CỔNG THÔNG TIN ĐIỆN TỬ")
    pdf = pdf_start(
        pdf_new(orientation="P", unit="mm", format="A4"),
        title=f"{title} – {report.period.label}",
        author=agency_name,
        margins=(18, 14, 15),
        bottom=14,
    )
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(0, 6, agency_name.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, _("BAN BIÊN TẬP"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.cell(0, 8, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 11)
    pdf.cell(0, 6, report.period.label, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf_bars(pdf, _("Hoạt động đăng bài"), _activity(report))
    pdf_bars(pdf, _("Đóng góp theo đơn vị"), report.by_unit[:_UNITS_CHARTED])
    for table_title, headers, rows in _tables(report):
        first = pdf.epw - 30 * (len(headers) - 1)
        pdf_titled_table(pdf, table_title, headers, rows, widths=(first, *([30] * (len(headers) - 1))))
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(0, 7, _("Đề xuất, kiến nghị"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.multi_cell(0, 5, report.proposals or _("Không có."), new_x="LMARGIN", new_y="NEXT")
    pdf_signatures(
        pdf,
        left=(_("Người lập báo cáo"), _("(Ký, ghi rõ họ tên)")),
        right=(_("TRƯỞNG BAN BIÊN TẬP"), _("(Ký, ghi rõ họ tên)")),
    )
    return bytes(pdf.output())


@transaction.atomic
def report_export(*, actor: Actor, period: Period, fmt: str, proposals: str = "", agency_name: str) -> bytes:
    """The report as a file, for whoever reads the board's reports (the command line too). Audited."""
    require_actor(actor, "portal.view_reports")
    report = report_build(period, proposals=proposals)
    data = (
        report_pdf(report, agency_name=agency_name)
        if fmt == "pdf"
        else report_xlsx(report, agency_name=agency_name)
    )
    audit_record(actor=actor, action="portal.report_export", period=period.key, format=fmt)
    return data
