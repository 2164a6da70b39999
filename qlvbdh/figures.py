"""The agency's daily document-handling figures, for the province's usage rollup (core.figures).

Read-only and deterministic for a day that has ended: documents count on the day they entered a
register (incoming) or were issued (outgoing); processing counts on the day the lead closed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.figures import Figure, FigureProvider, TenantRef, day_bounds
from qlvbdh.attachment_models import Attachment
from qlvbdh.catalogue import DeliveryMode, Source
from qlvbdh.models import Assignment, Distribution, Document, Dossier

_IN = Q(direction=Document.Direction.INCOMING)
_OUT = Q(direction=Document.Direction.OUTGOING)
_ELECTRONIC = Q(delivery_mode__in=[DeliveryMode.ELECTRONIC, DeliveryMode.BOTH])
_PAPER = Q(delivery_mode=DeliveryMode.PAPER)

FIGURES = (
    Figure("docs_in", _("Văn bản đến")),
    Figure("docs_in_electronic", _("Văn bản đến điện tử")),
    Figure("docs_in_paper", _("Văn bản đến bản giấy")),
    Figure("docs_in_hub", _("Văn bản đến qua trục liên thông")),
    Figure("docs_out", _("Văn bản đi")),
    Figure("docs_out_electronic", _("Văn bản đi điện tử")),
    Figure("docs_out_paper", _("Văn bản đi bản giấy")),
    Figure("docs_out_hub", _("Văn bản đi qua trục liên thông")),
    Figure("docs_signed", _("Văn bản có chữ ký số")),
    Figure("docs_on_time", _("Văn bản xử lý đúng hạn")),
    Figure("docs_late", _("Văn bản xử lý quá hạn")),
    Figure("processing_seconds", _("Tổng thời gian xử lý"), unit="seconds"),
    Figure("dossiers_opened", _("Hồ sơ công việc mở")),
    Figure("dossiers_closed", _("Hồ sơ công việc đóng")),
)


def documents_of_day(tenant: TenantRef, day: date) -> Mapping[str, float]:
    start, end = day_bounds(day)
    registered = Document.objects.filter(registered_at__gte=start, registered_at__lt=end)
    counts = registered.aggregate(
        docs_in=Count("id", filter=_IN),
        docs_in_electronic=Count("id", filter=_IN & _ELECTRONIC),
        docs_in_paper=Count("id", filter=_IN & _PAPER),
        docs_in_hub=Count("id", filter=_IN & Q(source=Source.HUB)),
        docs_out=Count("id", filter=_OUT),
        docs_out_electronic=Count("id", filter=_OUT & _ELECTRONIC),
        docs_out_paper=Count("id", filter=_OUT & _PAPER),
    )
    day_ids = registered.values("id")
    counts["docs_out_hub"] = (
        Distribution.objects.filter(document__in=registered.filter(_OUT).values("id"))
        .exclude(org_code="")
        .values("document")
        .distinct()
        .count()
    )
    # A file carrying a PDF signature (verified or not: the verdict is the document page's).
    counts["docs_signed"] = (
        Attachment.objects.filter(document__in=day_ids)
        .exclude(signatures=[])
        .values("document")
        .distinct()
        .count()
    )
    counts.update(_processing(start, end))
    counts["dossiers_opened"] = Dossier.objects.filter(opened_on=day).count()
    counts["dossiers_closed"] = Dossier.objects.filter(closed_on=day).count()
    return counts


def _processing(start: datetime, end: datetime) -> dict[str, float]:
    """The documents whose lead closed its task this day: on time (by the task's deadline, else the
    document's), late, and the time from registration to done."""
    closed = Assignment.objects.filter(
        role=Assignment.Role.LEAD,
        status=Assignment.Status.DONE,
        done_at__gte=start,
        done_at__lt=end,
        document__registered_at__isnull=False,
    ).annotate(
        done_on=TruncDate("done_at", tzinfo=timezone.get_default_timezone()),
        took=ExpressionWrapper(F("done_at") - F("document__registered_at"), output_field=DurationField()),
    )
    late = Q(deadline__isnull=False, done_on__gt=F("deadline")) | Q(
        deadline__isnull=True, document__due_date__isnull=False, done_on__gt=F("document__due_date")
    )
    row = closed.aggregate(n_late=Count("id", filter=late), n_done=Count("id"), total=Sum("took"))
    took = row["total"]
    return {
        "docs_on_time": row["n_done"] - row["n_late"],
        "docs_late": row["n_late"],
        "processing_seconds": took.total_seconds() if took is not None else 0.0,
    }


PROVIDER = FigureProvider(key="qlvbdh.documents", figures=FIGURES, compute=documents_of_day)
