"""The yearly ranking (R12; Điều 10, 11): computed from the rolled-up figures with the year's scheme,
checked against a hand computation for three tenants; frozen and signed once published."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from core.audit import Actor
from core.errors import ApplicationError
from core.models import AuditEntry
from oversight.models import RankingResult, UsageFigure
from oversight.ranking import (
    ranking_compute,
    ranking_indicator_remove,
    ranking_indicator_save,
    ranking_publish,
    ranking_result_holds,
    ranking_scheme_ensure,
    ranking_table,
)

pytestmark = pytest.mark.django_db

YEAR = 2025
SHELL = Actor(label="test")
DAY = 86400


def put(tenant: Any, day: date, **values: float) -> None:
    UsageFigure.objects.bulk_create(
        UsageFigure(tenant_uuid=tenant.uuid, day=day, figure=code, value=value)
        for code, value in values.items()
    )


@pytest.fixture
def scheme(province: Any) -> Any:
    scheme = ranking_scheme_ensure(actor=SHELL, year=YEAR, kind="department")
    for code in [i.code for i in scheme.indicators.all()]:
        ranking_indicator_remove(actor=SHELL, scheme=scheme, code=code)
    for data in (
        {"code": "in_electronic", "label": "Văn bản đến điện tử", "numerator": "docs_in_electronic",
         "denominator": "docs_in", "scale": "percent", "weight": 40, "floor": 0, "target": 80},
        {"code": "processing_days", "label": "Thời gian xử lý", "numerator": "processing_seconds",
         "denominator": "docs_on_time+docs_late", "scale": "days", "weight": 20, "floor": 10, "target": 2},
        {"code": "active", "label": "Người dùng hoạt động", "numerator": "people_active",
         "denominator": "accounts", "scale": "percent", "weight": 40, "floor": 20, "target": 100},
    ):  # fmt: skip
        ranking_indicator_save(actor=SHELL, scheme=scheme, data=data)
    return scheme


@pytest.fixture
def three(tenant: Any, other_tenant: Any, third_tenant: Any) -> tuple[Any, Any, Any]:
    a, b, c = tenant, other_tenant, third_tenant
    # A: 16 of 20 electronic (80% -> 40); 4 done in 16 days (4 days -> 15 of 20); active 10 of 20
    # on the year's last day (50% -> 15). The next year's figures do not count. Total 70.
    put(a, date(YEAR, 1, 10), docs_in=10, docs_in_electronic=6, accounts=10, people_active=2)
    put(a, date(YEAR, 2, 1), docs_in=10, docs_in_electronic=10, accounts=20, people_active=10)
    put(a, date(YEAR, 3, 1), docs_on_time=3, docs_late=1, processing_seconds=16 * DAY)
    put(a, date(YEAR + 1, 1, 1), docs_in=100, docs_in_electronic=0, accounts=100, people_active=0)
    # B: 10 of 40 (25% -> 12.5); nothing processed (no value, 0); 10 of 10 active (100% -> 40). 52.5
    put(b, date(YEAR, 6, 1), docs_in=40, docs_in_electronic=10, accounts=10, people_active=10)
    # C: 5 of 5 (100%, capped -> 40); 2 done in 40 days (20 days -> 0); 9 of 20 (45% -> 12.5). 52.5
    put(c, date(YEAR, 12, 31), docs_in=5, docs_in_electronic=5, accounts=20, people_active=9)
    put(c, date(YEAR, 7, 1), docs_on_time=0, docs_late=2, processing_seconds=40 * DAY)
    return a, b, c


def test_the_ranking_of_three_tenants_matches_the_hand_computation(scheme: Any, three: Any) -> None:
    a, b, c = three
    table = ranking_compute(scheme=scheme)
    rows = {row.org_code: row for row in table.rows}
    assert [(row.org_code, row.rank, row.total) for row in table.rows] == [
        (a.org_code, 1, 70.0),
        (b.org_code, 2, 52.5),  # a tie shares the rank; names in Vietnamese order
        (c.org_code, 2, 52.5),
    ]
    assert [(cell.value, cell.score) for cell in rows[a.org_code].cells] == [
        (80.0, 40.0),
        (4.0, 15.0),
        (50.0, 15.0),
    ]
    assert [(cell.value, cell.score) for cell in rows[b.org_code].cells] == [
        (25.0, 12.5),
        (None, 0.0),
        (100.0, 40.0),
    ]
    assert [(cell.value, cell.score) for cell in rows[c.org_code].cells] == [
        (100.0, 40.0),
        (20.0, 0.0),
        (45.0, 12.5),
    ]
    # the evidence is the sums behind each cell
    assert rows[a.org_code].cells[0].evidence == {
        "numerator": {"docs_in_electronic": 16.0},
        "denominator": {"docs_in": 20.0},
        "days": 2,
    }


def test_a_published_ranking_is_frozen_and_signed(scheme: Any, three: Any) -> None:
    a, _b, _c = three
    result = ranking_publish(actor=SHELL, scheme=scheme)
    assert ranking_result_holds(result)
    assert ranking_publish(actor=SHELL, scheme=scheme) == result  # a repeat changes nothing
    assert AuditEntry.objects.filter(action="ranking.publish").count() == 1
    # later figures do not move the published table
    put(a, date(YEAR, 5, 5), docs_in=1000)
    assert ranking_table(scheme=scheme).rows[0].total == 70.0
    # the scheme is closed, and the stored result cannot be rewritten
    with pytest.raises(ApplicationError, match="công bố") as refused:
        ranking_indicator_remove(actor=SHELL, scheme=scheme, code="active")
    assert refused.value.status == 409
    with pytest.raises(DatabaseError), transaction.atomic():
        RankingResult.objects.filter(pk=result.pk).update(payload={})
    # a copy with one score changed no longer verifies
    forged = RankingResult.objects.get(pk=result.pk)
    forged.payload["rows"][0]["total"] = 99
    assert not ranking_result_holds(forged)


def test_an_inspector_may_not_edit_or_publish_the_scheme(scheme: Any, make_user: Any) -> None:
    inspector = Actor(user=make_user(None, "thanhtra", roles=("inspector",)))
    with pytest.raises(PermissionDenied):
        ranking_publish(actor=inspector, scheme=scheme)
    with pytest.raises(PermissionDenied):
        ranking_indicator_remove(actor=inspector, scheme=scheme, code="active")
    assert not RankingResult.objects.exists()


def test_an_indicator_naming_an_unknown_figure_is_refused(scheme: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        ranking_indicator_save(
            actor=SHELL,
            scheme=scheme,
            data={
                "code": "x",
                "label": "X",
                "numerator": "docs_in+nonsense",
                "weight": 1,
                "floor": 0,
                "target": 1,
            },
        )
    assert "nonsense" in str(refused.value)
    assert not scheme.indicators.filter(code="x").exists()


def test_a_new_years_scheme_copies_last_years(scheme: Any) -> None:
    following = ranking_scheme_ensure(actor=SHELL, year=YEAR + 1, kind="department")
    assert list(following.indicators.values_list("code", flat=True)) == [
        "in_electronic",
        "processing_days",
        "active",
    ]
    assert ranking_scheme_ensure(actor=SHELL, year=YEAR + 1, kind="department") == following


def test_ranking_command_prints_the_table(scheme: Any, three: Any) -> None:
    out = StringIO()
    call_command("oversight", "ranking", "--year", str(YEAR), "--json", stdout=out)
    (table,) = json.loads(out.getvalue())
    assert [row["total"] for row in table["rows"]] == [70.0, 52.5, 52.5]
    with pytest.raises(CommandError, match="No ranking scheme"):
        call_command("oversight", "ranking", "--year", "1999")
    with pytest.raises(CommandError, match="Unknown kind"):
        call_command("oversight", "ranking", "--year", str(YEAR), "--kind", "moon")


def test_an_indicator_may_name_the_portal_duty_figures(province: Any) -> None:
    # The portal registers its figures (core.figures); the scheme names them by code only.
    scheme = ranking_scheme_ensure(actor=SHELL, year=YEAR, kind="school")
    indicator = ranking_indicator_save(
        actor=SHELL,
        scheme=scheme,
        data={
            "code": "portal_deadlines",
            "label": "Tỷ lệ sự kiện đưa tin đúng hạn",
            "numerator": "portal_deadlines_met",
            "denominator": "portal_deadlines_met+portal_deadlines_missed",
            "scale": "percent",
            "weight": 10,
            "floor": 0,
            "target": 100,
        },
    )
    assert indicator.denominator == "portal_deadlines_met+portal_deadlines_missed"
