"""Statistics equal an independent count made here in Python over the rows, for the page, the API
and the exports; only readers of reports get them; a bad period is a 400 with a sentence."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
from statistics import mean
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.tests.factories import OrgUnitFactory, UserFactory
from core.tenancy import in_tenant
from qlvbdh.models import Assignment, Document
from qlvbdh.tests.factories import AssignmentFactory, IncomingDocumentFactory, OutgoingDocumentFactory

pytestmark = pytest.mark.django_db


def _arrange(tenant: Any, official: Any) -> None:
    now, today = timezone.now(), timezone.localdate()
    with in_tenant(tenant):
        unit_a, unit_b = (
            OrgUnitFactory.create(name="Phòng Kế hoạch"),
            OrgUnitFactory.create(name="Phòng Tài chính"),
        )
        docs = [IncomingDocumentFactory.create(document_type=kind) for kind in ("CV", "CV", "CV", "QĐ", "QĐ")]
        IncomingDocumentFactory.create(document_type="CV", registered_at=now - timedelta(days=40))  # outside
        IncomingDocumentFactory.create(document_type="TB", source="hub")
        AssignmentFactory.create(document=docs[0], unit=unit_a, assignee=None, status="done", deadline=today)
        late = AssignmentFactory.create(
            document=docs[1], assignee=official, status="done", deadline=today - timedelta(days=2)
        )
        AssignmentFactory.create(
            document=docs[2], unit=unit_b, assignee=None, deadline=today - timedelta(days=1)
        )
        AssignmentFactory.create(document=docs[3], unit=unit_a, assignee=None, deadline=None)
        AssignmentFactory.create(document=docs[3], unit=unit_b, assignee=None, role="cooperate")
        Assignment.objects.filter(pk=late.pk).update(assigned_at=now - timedelta(days=3, hours=12))
        OutgoingDocumentFactory.create_batch(2, drafter=official, status="issued")
        OutgoingDocumentFactory.create(drafter=official, status="issued", delivery_mode="paper")
        OutgoingDocumentFactory.create(drafter=official)  # a draft: not registered, not counted


def _independent(tenant: Any, start: Any, end: Any) -> dict[str, Any]:
    """The figures counted the long way: every row loaded, classified in Python."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    with in_tenant(tenant):
        registered = [
            d
            for d in Document.objects.all()
            if d.registered_at is not None and start <= d.registered_at.astimezone(tz).date() <= end
        ]
        ids = {d.pk for d in registered}
        leads = [a for a in Assignment.objects.all() if a.document_id in ids and a.role == "lead"]
        done = [a for a in leads if a.status == "done"]
        finished = {a.pk: a.done_at.astimezone(tz).date() for a in done if a.done_at is not None}
        return {
            "incoming": sum(d.direction == "incoming" for d in registered),
            "outgoing": sum(d.direction != "incoming" for d in registered),
            "incoming_types": Counter(d.document_type for d in registered if d.direction == "incoming"),
            "on_time": sum(1 for a in done if a.deadline is None or finished[a.pk] <= a.deadline),
            "late": sum(1 for a in done if a.deadline is not None and finished[a.pk] > a.deadline),
            "open_overdue": sum(
                1 for a in leads if a.status == "open" and a.deadline is not None and a.deadline < today
            ),
            "open_in_time": sum(
                1 for a in leads if a.status == "open" and (a.deadline is None or a.deadline >= today)
            ),
            "average_days": round(
                mean((a.done_at - a.assigned_at).total_seconds() / 86400 for a in done if a.done_at), 2
            ),
            "by_unit": Counter(a.unit.name for a in leads if a.unit is not None),
            "paper_out": sum(
                1 for d in registered if d.direction != "incoming" and d.delivery_mode == "paper"
            ),
            "hub_in": sum(1 for d in registered if d.direction == "incoming" and d.source == "hub"),
        }


def test_statistics_equal_an_independent_count(
    tenant: Any, head: Any, official: Any, signed_in: Any, client: Any
) -> None:
    _arrange(tenant, official)
    today = timezone.localdate()
    start, end = today - timedelta(days=30), today
    expected = _independent(tenant, start, end)
    assert expected["incoming"] == 6  # the arrangement is what the test thinks it is
    assert expected["late"] == 1

    got = signed_in(client, head).get(f"/api/v1/statistics/?start={start}&end={end}").json()
    assert got["incoming"] == expected["incoming"]
    assert got["outgoing"] == expected["outgoing"] == 3
    assert {e["type"]: e["incoming"] for e in got["by_type"] if e["incoming"]} == dict(
        expected["incoming_types"]
    )
    processing = got["processing"]
    for key in ("on_time", "late", "open_overdue", "open_in_time", "average_days"):
        assert processing[key] == expected[key], key
    assert {e["name"]: e["count"] for e in got["incoming_by_unit"]} == dict(expected["by_unit"])
    assert got["incoming_by_person"] == [
        {"username": official.username, "name": official.full_name, "count": 1}
    ]
    assert {e["mode"]: e["count"] for e in got["outgoing_by_delivery"]}["paper"] == expected["paper_out"]
    assert {e["source"]: e["count"] for e in got["incoming_by_source"]}["hub"] == expected["hub_in"]
    assert got["outgoing_by_person"] == [{"username": official.username, "count": 3}]


def test_exports_carry_the_same_figures(
    tenant: Any, head: Any, official: Any, signed_in: Any, client: Any
) -> None:
    _arrange(tenant, official)
    today = timezone.localdate()
    start = today - timedelta(days=30)
    expected = _independent(tenant, start, today)
    browser = signed_in(client, head)
    xlsx = browser.get(f"/statistics/export.xlsx?start={start}&end={today}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[-1][1:] == (expected["incoming"], expected["outgoing"])  # the total row
    assert sheet._charts  # the bar chart travels with the sheet
    pdf = browser.get(f"/statistics/export.pdf?start={start}&end={today}")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "THỐNG KÊ VĂN BẢN" in text
    assert "Xong trễ hạn" in text
    page = browser.get(f"/statistics/?start={start}&end={today}").content.decode()
    assert f'data-stat="incoming">{expected["incoming"]}<' in page


def test_only_readers_of_reports_get_statistics_and_bad_periods_are_400(
    tenant: Any, head: Any, official: Any, signed_in: Any, client: Any
) -> None:
    staff = signed_in(Client(), official)
    assert staff.get("/statistics/").status_code == 403
    assert staff.get("/api/v1/statistics/").status_code == 403
    assert staff.get("/statistics/export.xlsx").status_code == 403
    browser = signed_in(client, head)
    assert browser.get("/statistics/?start=2026-05-01&end=2026-04-01").status_code == 400
    assert browser.get("/api/v1/statistics/?start=hôm-nay").status_code == 400
    answer = browser.get("/statistics/export.pdf?start=1900-01-01&end=2026-01-01")
    assert answer.status_code == 400
    assert "quá dài" in answer.content.decode()


def test_a_deputy_gets_the_registered_documents_and_never_a_draft(
    tenant: Any, head: Any, official: Any, signed_in: Any, client: Any
) -> None:
    # a draft is not registered: no statistics count it
    with in_tenant(tenant):
        OutgoingDocumentFactory.create(drafter=official)
        deputy = UserFactory.create(roles=["deputy_head"])
        IncomingDocumentFactory.create()
    got = signed_in(client, deputy).get("/api/v1/statistics/").json()
    assert (got["incoming"], got["outgoing"]) == (1, 0)
