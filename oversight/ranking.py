"""The yearly ranking of ICT use (R12; Điều 10, 11): a scheme per year and kind of tenant, computed
from the rolled-up figures only, frozen and signed once published.

An indicator's value is sum(numerator figures) / sum(denominator figures) over the year (a level
figure, such as accounts, counts with its value on the year's last rolled-up day), scaled to a
percentage or to days. Its score goes linearly from 0 points at `floor` to `weight` points at
`target` (a target below the floor: lower is better), clamped. Each cell keeps its evidence: the
sums behind it and the days rolled up. Tenants rank by total score, ties share a rank.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.figures import figure_get
from core.tenancy import in_public, tenant_model
from core.text import fold, nfc
from oversight.models import RankingIndicator, RankingResult, RankingScheme
from oversight.selectors import period_totals
from oversight.signing import canonical, province_sign, province_signature_holds

# The default scheme, mapped to the provincial digital-transformation index (DTI) indicators that
# concern document handling. The DTI's numbering changes from year to year: the operator writes the
# year's codes into `dti_code`.
DEFAULT_INDICATORS: tuple[dict[str, Any], ...] = (
    {
        "code": "in_electronic",
        "label": "Tỷ lệ văn bản đến nhận dưới dạng điện tử",
        "dti_label": "Tỷ lệ văn bản trao đổi giữa các cơ quan nhà nước dưới dạng điện tử",
        "numerator": "docs_in_electronic",
        "denominator": "docs_in",
        "scale": "percent",
        "weight": 20,
        "floor": 0,
        "target": 90,
    },
    {
        "code": "out_electronic",
        "label": "Tỷ lệ văn bản đi phát hành dưới dạng điện tử",
        "dti_label": "Tỷ lệ văn bản trao đổi giữa các cơ quan nhà nước dưới dạng điện tử",
        "numerator": "docs_out_electronic",
        "denominator": "docs_out",
        "scale": "percent",
        "weight": 20,
        "floor": 0,
        "target": 90,
    },
    {
        "code": "hub",
        "label": "Tỷ lệ văn bản gửi, nhận qua trục liên thông",
        "dti_label": "Tỷ lệ văn bản gửi, nhận qua Trục liên thông văn bản",
        "numerator": "docs_in_hub+docs_out_hub",
        "denominator": "docs_in+docs_out",
        "scale": "percent",
        "weight": 15,
        "floor": 0,
        "target": 80,
    },
    {
        "code": "signed",
        "label": "Tỷ lệ văn bản có chữ ký số",
        "dti_label": "Tỷ lệ văn bản đi được ký số",
        "numerator": "docs_signed",
        "denominator": "docs_in+docs_out",
        "scale": "percent",
        "weight": 15,
        "floor": 0,
        "target": 80,
    },
    {
        "code": "on_time",
        "label": "Tỷ lệ văn bản xử lý đúng hạn",
        "dti_label": "Tỷ lệ hồ sơ công việc được xử lý trên môi trường mạng",
        "numerator": "docs_on_time",
        "denominator": "docs_on_time+docs_late",
        "scale": "percent",
        "weight": 15,
        "floor": 50,
        "target": 100,
    },
    {
        "code": "processing_days",
        "label": "Thời gian xử lý văn bản trung bình",
        "dti_label": "Tỷ lệ hồ sơ công việc được xử lý trên môi trường mạng",
        "numerator": "processing_seconds",
        "denominator": "docs_on_time+docs_late",
        "scale": "days",
        "weight": 5,
        "floor": 15,
        "target": 3,
    },
    {
        "code": "active_people",
        "label": "Tỷ lệ cán bộ sử dụng hệ thống",
        "dti_label": "Tỷ lệ cán bộ, công chức sử dụng hệ thống quản lý văn bản và điều hành",
        "numerator": "people_active",
        "denominator": "accounts",
        "scale": "percent",
        "weight": 10,
        "floor": 20,
        "target": 90,
    },
)

SCALES = {"percent": 100.0, "days": 1 / 86400, "plain": 1.0}


def terms(expression: str) -> list[str]:
    """`docs_in+docs_out` -> ["docs_in", "docs_out"]."""
    return [part.strip() for part in expression.split("+") if part.strip()]


def _check_expression(expression: str, field_name: str, *, required: bool) -> str:
    parts = terms(expression)
    if not parts:
        if required:
            raise ValidationError({field_name: _("Hãy ghi ít nhất một chỉ số.")})
        return ""
    unknown = [part for part in parts if figure_get(part) is None]
    if unknown:
        raise ValidationError({field_name: _("Không có chỉ số %(codes)s.") % {"codes": ", ".join(unknown)}})
    return "+".join(parts)


# --- computing ------------------------------------------------------------------------------------


@dataclass
class Cell:
    code: str
    value: float | None
    score: float
    evidence: dict[str, Any]


@dataclass
class Row:
    tenant: str  # uuid
    name: str
    org_code: str
    cells: list[Cell]
    total: float = 0.0
    rank: int = 0


@dataclass
class RankingTable:
    year: int
    kind: str
    indicators: list[dict[str, Any]]
    rows: list[Row] = field(default_factory=list)
    published: dict[str, Any] | None = None  # published_at, published_by, digest when frozen

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "kind": self.kind,
            "indicators": self.indicators,
            "rows": [asdict(row) for row in self.rows],
            "published": self.published,
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> RankingTable:
        rows = [Row(**{**row, "cells": [Cell(**cell) for cell in row["cells"]]}) for row in document["rows"]]
        return cls(
            year=document["year"],
            kind=document["kind"],
            indicators=document["indicators"],
            rows=rows,
            published=document.get("published"),
        )


def indicator_json(indicator: RankingIndicator) -> dict[str, Any]:
    return {
        "code": indicator.code,
        "label": indicator.label,
        "dti_code": indicator.dti_code,
        "dti_label": indicator.dti_label,
        "numerator": indicator.numerator,
        "denominator": indicator.denominator,
        "scale": indicator.scale,
        "weight": indicator.weight,
        "floor": indicator.floor,
        "target": indicator.target,
    }


def _score(indicator: dict[str, Any], value: float | None) -> float:
    if value is None:
        return 0.0
    floor, target, weight = float(indicator["floor"]), float(indicator["target"]), float(indicator["weight"])
    share = (value - floor) / (target - floor)
    return round(weight * min(1.0, max(0.0, share)), 2)


def _cell(indicator: dict[str, Any], totals: dict[str, tuple[float, int]]) -> Cell:
    numerator = {code: totals.get(code, (0.0, 0))[0] for code in terms(indicator["numerator"])}
    denominator = {code: totals.get(code, (0.0, 0))[0] for code in terms(indicator["denominator"])}
    days = max((totals.get(code, (0.0, 0))[1] for code in [*numerator, *denominator]), default=0)
    top = sum(numerator.values())
    if denominator:
        bottom = sum(denominator.values())
        value = None if bottom == 0 else top / bottom * SCALES[indicator["scale"]]
    else:
        value = top * SCALES[indicator["scale"]] if days else None
    value = None if value is None else round(value, 4)
    evidence = {"numerator": numerator, "denominator": denominator, "days": days}
    return Cell(code=indicator["code"], value=value, score=_score(indicator, value), evidence=evidence)


def ranking_compute(*, scheme: RankingScheme) -> RankingTable:
    """The table of one scheme from the rolled-up figures of its year (never a tenant's schema)."""
    with in_public():
        indicators = [indicator_json(i) for i in scheme.indicators.order_by("position", "id")]
        model = tenant_model()
        tenants = list(
            model.objects.filter(kind=scheme.kind)
            .exclude(status=model.Status.ARCHIVED)
            .values_list("uuid", "name", "org_code")
        )
    codes = {c for i in indicators for c in [*terms(i["numerator"]), *terms(i["denominator"])]}
    totals = period_totals(
        (uuid for uuid, _name, _code in tenants), codes, date(scheme.year, 1, 1), date(scheme.year, 12, 31)
    )
    table = RankingTable(year=scheme.year, kind=scheme.kind, indicators=indicators)
    for uuid, name, org_code in tenants:
        cells = [_cell(indicator, totals.get(str(uuid), {})) for indicator in indicators]
        table.rows.append(
            Row(
                tenant=str(uuid),
                name=name,
                org_code=org_code,
                cells=cells,
                total=round(sum(c.score for c in cells), 2),
            )
        )
    # Highest total first; equal totals share a rank (1, 1, 3), listed in Vietnamese-folded name order.
    table.rows.sort(key=lambda r: (-r.total, fold(r.name), r.org_code))
    for index, row in enumerate(table.rows):
        previous = table.rows[index - 1] if index else None
        row.rank = previous.rank if previous is not None and previous.total == row.total else index + 1
    return table


def ranking_table(*, scheme: RankingScheme) -> RankingTable:
    """The published (frozen) table when there is one, else the live computation."""
    result = RankingResult.objects.filter(scheme=scheme).first()
    if result is not None:
        return RankingTable.from_json(result.payload)
    return ranking_compute(scheme=scheme)


def ranking_compute_all(*, year: int, kind: str | None = None) -> list[RankingTable]:
    """`oversight ranking`: every scheme of the year (of one kind), published or live."""
    kinds = [k for k in tenant_model().Kind.values if k != tenant_model().Kind.PROVINCE]
    if kind is not None and kind not in kinds:
        raise ApplicationError(f"Unknown kind {kind!r}: one of {', '.join(kinds)}.")
    with in_public():
        schemes = RankingScheme.objects.filter(year=year, **({"kind": kind} if kind else {})).order_by("kind")
        tables = [ranking_table(scheme=scheme) for scheme in schemes]
    if not tables:
        raise ApplicationError(
            f"No ranking scheme for {year}{f' ({kind})' if kind else ''}: the operator sets one up first."
        )
    return tables


def ranking_lines(tables: list[RankingTable]) -> list[str]:
    lines = []
    for table in tables:
        state = f"published {table.published['published_at']}" if table.published else "not published"
        lines.append(f"# {table.year} {table.kind} ({state})")
        lines.append("\t".join(["rank", "org_code", "total", *(i["code"] for i in table.indicators), "name"]))
        for row in table.rows:
            scores = [f"{c.score:g}" for c in row.cells]
            lines.append("\t".join([str(row.rank), row.org_code, f"{row.total:g}", *scores, row.name]))
    return lines


# --- the operator's writes ------------------------------------------------------------------------


def _scheme_open(scheme: RankingScheme) -> RankingScheme:
    locked = RankingScheme.objects.select_for_update().get(pk=scheme.pk)
    if RankingResult.objects.filter(scheme=locked).exists():
        raise ApplicationError(
            _("Kết quả xếp hạng năm %(year)s đã công bố: bộ tiêu chí không sửa được nữa.")
            % {"year": locked.year},
            code="published",
            status=409,
        )
    return locked


@transaction.atomic
def ranking_scheme_ensure(*, actor: Actor, year: int, kind: str) -> RankingScheme:
    """The scheme of a year and kind; a new one copies last year's indicators, else the defaults.
    Asking again returns the same scheme."""
    require_actor(actor, "oversight.manage")
    model = tenant_model()
    if kind not in model.Kind.values or kind == model.Kind.PROVINCE:
        raise ApplicationError(_("Loại đơn vị không hợp lệ."))
    if not 2000 <= year <= 2100:
        raise ApplicationError(_("Năm không hợp lệ."))
    scheme, created = RankingScheme.objects.get_or_create(year=year, kind=kind)
    if not created:
        return scheme
    previous = RankingScheme.objects.filter(kind=kind, year__lt=year).order_by("-year").first()
    sources = (
        [indicator_json(i) for i in previous.indicators.order_by("position", "id")]
        if previous is not None
        else list(DEFAULT_INDICATORS)
    )
    RankingIndicator.objects.bulk_create(
        RankingIndicator(scheme=scheme, position=index, **data) for index, data in enumerate(sources)
    )
    audit_record(actor=actor, action="ranking.scheme_create", target=scheme, year=year, kind=kind)
    return scheme


@transaction.atomic
def ranking_indicator_save(*, actor: Actor, scheme: RankingScheme, data: dict[str, Any]) -> RankingIndicator:
    """Add an indicator, or change the one with the same code. Refused once the year is published."""
    require_actor(actor, "oversight.manage")
    locked = _scheme_open(scheme)
    fields = {
        "label": nfc(str(data.get("label") or "")).strip(),
        "dti_code": nfc(str(data.get("dti_code") or "")).strip(),
        "dti_label": nfc(str(data.get("dti_label") or "")).strip(),
        "numerator": _check_expression(str(data.get("numerator") or ""), "numerator", required=True),
        "denominator": _check_expression(str(data.get("denominator") or ""), "denominator", required=False),
        "scale": data.get("scale") or RankingIndicator.Scale.PERCENT,
        "weight": data.get("weight"),
        "floor": data.get("floor"),
        "target": data.get("target"),
    }
    if fields["floor"] is not None and fields["floor"] == fields["target"]:
        raise ValidationError({"target": _("Ngưỡng đạt điểm tối đa phải khác ngưỡng 0 điểm.")})
    indicator = RankingIndicator.objects.filter(scheme=locked, code=data.get("code")).first()
    created = indicator is None
    if indicator is None:
        last = locked.indicators.order_by("-position").values_list("position", flat=True).first()
        indicator = RankingIndicator(scheme=locked, code=data.get("code") or "", position=(last or 0) + 1)
    for name, value in fields.items():
        setattr(indicator, name, value)
    indicator.full_clean()
    indicator.save()
    locked.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action="ranking.indicator_add" if created else "ranking.indicator_change",
        target=locked,
        indicator=indicator_json(indicator),
    )
    return indicator


@transaction.atomic
def ranking_indicator_remove(*, actor: Actor, scheme: RankingScheme, code: str) -> None:
    """Remove an indicator; removing one that is not there changes nothing."""
    require_actor(actor, "oversight.manage")
    locked = _scheme_open(scheme)
    removed, _by_model = RankingIndicator.objects.filter(scheme=locked, code=code).delete()
    if removed:
        audit_record(actor=actor, action="ranking.indicator_remove", target=locked, code=code)


@transaction.atomic
def ranking_publish(*, actor: Actor, scheme: RankingScheme) -> RankingResult:
    """Freeze the year's table and sign it with the province's key. Publishing again returns the
    published result unchanged."""
    require_actor(actor, "oversight.manage")
    locked = RankingScheme.objects.select_for_update().get(pk=scheme.pk)
    existing = RankingResult.objects.filter(scheme=locked).first()
    if existing is not None:
        return existing
    if not locked.indicators.exists():
        raise ApplicationError(_("Bộ tiêu chí chưa có tiêu chí nào."))
    table = ranking_compute(scheme=locked)
    now = timezone.now()
    table.published = {"published_at": now.isoformat(), "published_by": actor.name}
    payload = table.as_json()
    signed = canonical(payload)
    result = RankingResult.objects.create(
        scheme=locked,
        published_at=now,
        published_by=actor.name,
        payload=payload,
        digest=hashlib.sha256(signed).hexdigest(),
        signature=province_sign(signed),
    )
    audit_record(actor=actor, action="ranking.publish", target=locked, digest=result.digest)
    return result


def ranking_result_holds(result: RankingResult) -> bool:
    """The frozen table is the one that was signed, by the province's key."""
    signed = canonical(result.payload)
    return hashlib.sha256(signed).hexdigest() == result.digest and province_signature_holds(
        signed, result.signature
    )
