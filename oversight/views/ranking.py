"""The yearly ranking on the console: the table per kind (inspectors read), the scheme's editor and
publication (the operator)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import can, require
from core.audit import actor_from
from core.figures import figures_all
from core.responses import form_call, message_call
from oversight import ranking, selectors
from oversight.exports import pdf_table, xlsx_table
from oversight.models import RankingIndicator, RankingScheme
from oversight.views.common import require_province
from oversight.views.dashboard import XLSX, attachment, kind_choices


class IndicatorForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Mã tiêu chí"), max_length=32)
    label = forms.CharField(label=gettext_lazy("Tên tiêu chí"), max_length=200)
    dti_code = forms.CharField(label=gettext_lazy("Mã chỉ số DTI"), max_length=32, required=False)
    dti_label = forms.CharField(label=gettext_lazy("Chỉ số DTI tương ứng"), max_length=300, required=False)
    numerator = forms.CharField(label=gettext_lazy("Tử số"), max_length=300)
    denominator = forms.CharField(label=gettext_lazy("Mẫu số"), max_length=300, required=False)
    scale = forms.ChoiceField(label=gettext_lazy("Đơn vị"), choices=RankingIndicator.Scale.choices)
    weight = forms.FloatField(label=gettext_lazy("Điểm tối đa"), min_value=0, max_value=1000)
    floor = forms.FloatField(label=gettext_lazy("Ngưỡng 0 điểm"), min_value=-1e9, max_value=1e9)
    target = forms.FloatField(label=gettext_lazy("Ngưỡng đạt điểm tối đa"), min_value=-1e9, max_value=1e9)


def _year_kind(request: HttpRequest) -> tuple[int, str]:
    data = request.POST if request.method == "POST" else request.GET
    try:
        year = int(data.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    kind = data.get("kind") or "department"
    return max(2000, min(2100, year)), kind if kind in selectors.agency_kinds() else "department"


def _scheme_or_404(year: int, kind: str) -> RankingScheme:
    scheme = RankingScheme.objects.filter(year=year, kind=kind).first()
    if scheme is None:
        raise Http404
    return scheme


@require_safe
@login_required
def ranking_view(request: HttpRequest) -> HttpResponse:
    require_province(request.user, "oversight.view_statistics")
    year, kind = _year_kind(request)
    scheme = RankingScheme.objects.filter(year=year, kind=kind).first()
    table = ranking.ranking_table(scheme=scheme) if scheme is not None else None
    result = getattr(scheme, "result", None) if scheme is not None else None
    return render(
        request,
        "oversight/ranking.html",
        {
            "year": year,
            "kind": kind,
            "kinds": kind_choices(),
            "scheme": scheme,
            "table": table,
            "result": result,
            "signature_holds": ranking.ranking_result_holds(result) if result is not None else None,
            "can_manage": can(request.user, "oversight.manage"),
            "can_export": can(request.user, "oversight.export_statistics"),
        },
    )


@require_safe
@login_required
def ranking_export_view(request: HttpRequest, fmt: str) -> HttpResponse:
    require_province(request.user, "oversight.view_statistics")
    require(request.user, "oversight.export_statistics")
    year, kind = _year_kind(request)
    table = ranking.ranking_table(scheme=_scheme_or_404(year, kind))
    header = [_("Đơn vị"), _("Hạng"), _("Tổng điểm"), *(i["label"] for i in table.indicators)]
    body: list[list[str | float | int | None]] = [
        [row.name, row.rank, row.total, *(cell.score for cell in row.cells)] for row in table.rows
    ]
    title = _("Xếp hạng ứng dụng CNTT năm %(year)s: %(kind)s") % {
        "year": year,
        "kind": dict(kind_choices())[kind],
    }
    published = table.published
    subtitle = (
        _("Đã công bố %(at)s") % {"at": published["published_at"][:10]}
        if published
        else _("Chưa công bố (tạm tính)")
    )
    name = f"xep-hang-{year}-{kind}"
    if fmt == "xlsx":
        return attachment(xlsx_table(title, subtitle, header, body), XLSX, f"{name}.xlsx")
    return attachment(pdf_table(title, subtitle, header, body), "application/pdf", f"{name}.pdf")


@login_required
def scheme_view(request: HttpRequest, year: int, kind: str) -> HttpResponse:
    """The operator's editor: every indicator as a form; a blank one adds."""
    require_province(request.user, "oversight.manage")
    scheme = _scheme_or_404(year, kind)
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = form_call(
            form,
            ranking.ranking_indicator_save,
            actor=actor_from(request),
            scheme=scheme,
            data=form.cleaned_data,
        )
        if outcome.ok:
            return redirect("oversight-scheme", year=year, kind=kind)
    indicators = [(i, IndicatorForm(initial=ranking.indicator_json(i))) for i in scheme.indicators.all()]
    return render(
        request,
        "oversight/scheme.html",
        {
            "scheme": scheme,
            "kind_label": dict(kind_choices()).get(kind, kind),
            "indicators": indicators,
            "form": form,
            "figures": [(f.code, str(f.label)) for f in figures_all()],
            "published": hasattr(scheme, "result"),
        },
    )


@require_POST
@login_required
def scheme_create_view(request: HttpRequest) -> HttpResponse:
    require_province(request.user, "oversight.manage")
    year, kind = _year_kind(request)
    outcome = message_call(
        request,
        ranking.ranking_scheme_ensure,
        actor=actor_from(request),
        year=year,
        kind=kind,
        success=_("Đã tạo bộ tiêu chí."),
    )
    if not outcome.ok:
        return redirect("oversight-ranking")
    return redirect("oversight-scheme", year=year, kind=kind)


@require_POST
@login_required
def indicator_remove_view(request: HttpRequest, year: int, kind: str) -> HttpResponse:
    require_province(request.user, "oversight.manage")
    scheme = _scheme_or_404(year, kind)
    message_call(
        request,
        ranking.ranking_indicator_remove,
        actor=actor_from(request),
        scheme=scheme,
        code=request.POST.get("code", ""),
        success=_("Đã bỏ tiêu chí."),
    )
    return redirect("oversight-scheme", year=year, kind=kind)


@require_POST
@login_required
def ranking_publish_view(request: HttpRequest, year: int, kind: str) -> HttpResponse:
    require_province(request.user, "oversight.manage")
    scheme = _scheme_or_404(year, kind)
    message_call(
        request,
        ranking.ranking_publish,
        actor=actor_from(request),
        scheme=scheme,
        success=_("Đã công bố kết quả xếp hạng."),
    )
    return redirect(f"/oversight/ranking/?year={year}&kind={kind}")
