"""The inspectors' console (dashboards, drill-down, exports, ranking), the operator's reminders to
agencies that lag, agencies' usage reports and support requests; who may reach what."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver
from django.utils import timezone
from openpyxl import load_workbook

from accounts.tests.factories import PASSWORD, UserFactory
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_public, in_tenant
from oversight.models import (
    RankingResult,
    RankingScheme,
    Reminder,
    SupportMessage,
    SupportRequest,
    UsageFigure,
    UsageReport,
)
from oversight.ranking import ranking_scheme_ensure

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - timedelta(days=1)
PERIOD = f"start={(YESTERDAY - timedelta(days=9)).isoformat()}&end={YESTERDAY.isoformat()}"


def put(tenant: Any, day: date, **values: float) -> None:
    UsageFigure.objects.bulk_create(
        UsageFigure(tenant_uuid=tenant.uuid, day=day, figure=code, value=value)
        for code, value in values.items()
    )


@pytest.fixture
def figures(tenant: Any, other_tenant: Any) -> None:
    """tenant: all 10 documents electronic; other_tenant: 1 of 10 (it lags)."""
    put(tenant, YESTERDAY, docs_in=6, docs_in_electronic=6, docs_out=4, docs_out_electronic=4, logins=7)
    put(other_tenant, YESTERDAY - timedelta(days=2), docs_in=10, docs_in_electronic=1, logins=1)


@pytest.fixture
def inspector(province: Any, signed_in: Any) -> Client:
    return signed_in(Client(), UserFactory.create(tenant=province, username="thanhtra", roles=["inspector"]))


@pytest.fixture
def operator(province: Any, signed_in: Any) -> Client:
    return signed_in(Client(), UserFactory.create(tenant=province, username="operator1", roles=["operator"]))


def chart(html: str, element_id: str) -> dict[str, Any]:
    found = re.search(rf'id="{element_id}" data-chart="([^"]*)"', html)
    assert found, element_id
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_an_inspector_reads_the_dashboard_the_agency_and_the_exports(
    inspector: Client, tenant: Any, other_tenant: Any, figures: None
) -> None:
    page = inspector.get(f"/oversight/?{PERIOD}")
    assert page.status_code == 200
    html = page.content.decode()
    assert tenant.name in html
    assert other_tenant.name in html
    trend = chart(html, "trend-chart")
    assert trend["labels"][-1] == YESTERDAY.isoformat()
    assert trend["datasets"][0]["data"][-1] == 6  # docs_in of the province on the last day
    league = chart(html, "league-chart")
    assert league["labels"] == [tenant.name, other_tenant.name]
    assert league["datasets"][0]["data"] == [100.0, 10.0]
    # filtered to another kind: nobody
    assert tenant.name not in inspector.get(f"/oversight/?{PERIOD}&kind=school").content.decode()
    # drill-down
    agency = inspector.get(f"/oversight/agencies/{other_tenant.uuid}/?{PERIOD}")
    assert agency.status_code == 200
    assert chart(agency.content.decode(), "agency-chart")["datasets"][0]["data"][-3] == 10
    assert inspector.get(f"/oversight/agencies/{uuid.uuid4()}/").status_code == 404
    # exports
    xlsx = inspector.get(f"/oversight/export.xlsx?{PERIOD}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert names == [tenant.name, other_tenant.name]
    pdf = inspector.get(f"/oversight/export.pdf?{PERIOD}")
    assert pdf.content.startswith(b"%PDF")
    assert inspector.get(f"/oversight/agencies/{tenant.uuid}/export.pdf?{PERIOD}").content.startswith(b"%PDF")


def _filled(pattern: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), pattern)


def _console_paths(prefix: str = "", resolver: Any = None) -> list[tuple[str, str]]:
    found = []
    for entry in (resolver or get_resolver("config.urls_console")).url_patterns:
        if isinstance(entry, URLResolver):
            found += _console_paths(prefix + str(entry.pattern), entry)
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry.name or ""))
    return found


# The inspector's own account pages (their password, their tokens, signing out) and the machine
# endpoints that people do not use (other hubs sign their calls with a peer secret).
OWN_OR_MACHINE = ("login", "logout", "account/", "i18n/", "healthz", "federation/", "vxp/", "admin/")


def test_an_inspector_reaches_no_tenant_host_and_no_write_endpoint(
    inspector: Client, operator: Client, tenant: Any, host_of: Any, make_user: Any, figures: None
) -> None:
    # given things a write could change
    scheme = ranking_scheme_ensure(actor=Actor(label="test"), year=2025, kind="department")
    request = SupportRequest.objects.create(
        submission_key=uuid.uuid4(), tenant_uuid=tenant.uuid, kind="help", subject="Hỏi", reporter="admin"
    )
    watched = (AuditEntry, RankingScheme, RankingResult, Reminder, SupportRequest, SupportMessage)

    def counts() -> dict[Any, int]:
        with in_public():
            return {model: model.objects.count() for model in watched}

    before = counts()
    values = {
        "key": str(tenant.uuid),
        "year": "2025",
        "kind": "department",
        "fmt": "xlsx",
        "action": "suspend",
    }
    # pages that answer a POST as they answer a GET: they render and write nothing (the counts prove it)
    answer_post_as_get = {"/", f"/tenants/{tenant.uuid}/"}
    # when the inspector posts to every page and API of the console
    answers = {}
    for pattern, _name in _console_paths():
        if pattern.startswith(OWN_OR_MACHINE) or "(?P" in pattern:
            continue
        path = "/" + _filled(
            pattern, {**values, "key": str(request.uuid)} if "support" in pattern else values
        )
        answers[path] = inspector.post(path, {"reason": "x", "message": "x", "body": "x"}).status_code
    # then each is refused, and nothing changed
    allowed = {
        path: status
        for path, status in answers.items()
        if not 400 <= status < 500 and path not in answer_post_as_get
    }
    assert allowed == {}
    assert counts() == before
    assert len(answers) > 40
    # the same post by an operator goes through (the refusals above are the inspector's)
    assert operator.post("/oversight/ranking/2025/department/publish/").status_code == 302
    assert RankingResult.objects.filter(scheme=scheme).exists()
    # and no tenant host knows the inspector: neither the console's session nor its password
    workspace = host_of(tenant)
    for path in ("/", "/documents/", "/usage-report/", "/support/", "/api/v1/me/"):
        answer = inspector.get(path, HTTP_HOST=workspace)
        assert answer.status_code in (302, 401, 403), path
        if answer.status_code == 302:
            assert answer["Location"].startswith("/login/"), path
    login = Client(HTTP_HOST=workspace).post("/login/", {"username": "thanhtra", "password": PASSWORD})
    assert login.status_code == 200  # the form again, with its error


def test_a_lagging_agency_sees_the_operators_reminder(
    operator: Client,
    inspector: Client,
    tenant: Any,
    other_tenant: Any,
    make_user: Any,
    signed_in: Any,
    figures: None,
) -> None:
    # the console lists other_tenant (10% electronic) under 50%, not tenant (100%)
    page = operator.get(f"/oversight/lagging/?{PERIOD}&measure=electronic&threshold=50").content.decode()
    listed = page.split('id="lagging-table"')[1]
    assert other_tenant.name in listed
    assert tenant.name not in listed
    # an inspector may look but not send
    form = {"start": PERIOD[6:16], "end": YESTERDAY.isoformat(), "measure": "electronic", "threshold": "50"}
    message = {
        "tenant": [str(other_tenant.uuid), str(tenant.uuid)],
        "message": "Đề nghị dùng văn bản điện tử.",
    }
    assert inspector.post("/oversight/lagging/", {**form, **message}).status_code == 403
    assert not Reminder.objects.exists()
    # the operator sends it (twice: a retried form); an agency above the threshold gets none
    for _attempt in range(2):
        assert operator.post("/oversight/lagging/", {**form, **message}).status_code == 302
    assert list(Reminder.objects.values_list("tenant_uuid", flat=True)) == [other_tenant.uuid]
    assert AuditEntry.objects.filter(action="oversight.reminder_send").count() == 1
    # the lagging agency sees it on its workspace home; the other does not
    clerk = signed_in(Client(), make_user(other_tenant, "thuyctp", roles=("clerk",)), tenant=other_tenant)
    home = clerk.get("/").content.decode()
    assert "Đề nghị dùng văn bản điện tử." in home
    assert 'id="province-reminders"' in home
    fine = signed_in(Client(), make_user(tenant, "thuyctp", roles=("clerk",)), tenant=tenant)
    assert "province-reminders" not in fine.get("/").content.decode()


def test_support_requests_go_from_the_agency_to_the_operators_and_back(
    operator: Client, inspector: Client, tenant: Any, other_tenant: Any, make_user: Any, signed_in: Any
) -> None:
    officer = signed_in(Client(), make_user(tenant, "admin", roles=("it_officer",)), tenant=tenant)
    key = str(uuid.uuid4())
    form = {
        "submission_key": key,
        "kind": "incident",
        "subject": "Không gửi được văn bản",
        "body": "Lỗi khi gửi.",
    }
    first = officer.post("/support/", form)
    again = officer.post("/support/", form)  # a retried submission
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    item = SupportRequest.objects.get()
    assert (item.tenant_uuid, item.reporter, item.status) == (tenant.uuid, "admin", "open")
    # someone without the role, or of another agency, does not reach it
    official = signed_in(Client(), make_user(tenant, "minhtht", roles=("official",)), tenant=tenant)
    assert official.get("/support/").status_code == 403
    stranger = signed_in(
        Client(), make_user(other_tenant, "admin", roles=("it_officer",)), tenant=other_tenant
    )
    assert stranger.get(f"/support/{item.uuid}/").status_code == 404
    assert (
        stranger.post(
            f"/support/{item.uuid}/", {"submission_key": str(uuid.uuid4()), "body": "x"}
        ).status_code
        == 404
    )
    # inspectors do not handle support; operators answer and close
    assert inspector.get("/oversight/support/").status_code == 403
    assert "Không gửi được văn bản" in operator.get("/oversight/support/").content.decode()
    answer = {"submission_key": str(uuid.uuid4()), "body": "Đã khắc phục, mời thử lại."}
    assert operator.post(f"/oversight/support/{item.uuid}/", answer).status_code == 302
    item.refresh_from_db()
    assert item.status == "answered"
    assert "Đã khắc phục, mời thử lại." in officer.get(f"/support/{item.uuid}/").content.decode()
    assert operator.post(f"/oversight/support/{item.uuid}/close/").status_code == 302
    item.refresh_from_db()
    assert item.status == "closed"
    late = officer.post(f"/support/{item.uuid}/", {"submission_key": str(uuid.uuid4()), "body": "Còn lỗi."})
    assert "Yêu cầu đã đóng." in late.content.decode()
    assert item.messages.count() == 2
    # each side's actions are in its own audit trail
    with in_public():
        assert set(AuditEntry.objects.values_list("action", flat=True)) >= {"support.answer", "support.close"}
    with in_tenant(tenant):
        assert AuditEntry.objects.filter(action="support.open").count() == 1


def test_an_agency_sends_its_usage_report_and_the_province_consolidates(
    inspector: Client, tenant: Any, other_tenant: Any, make_user: Any, signed_in: Any, figures: None
) -> None:
    head = signed_in(Client(), make_user(tenant, "nguyentd", roles=("head",)), tenant=tenant)
    page = head.get(f"/usage-report/?{PERIOD}")
    assert page.status_code == 200
    assert "Văn bản đến điện tử" in page.content.decode()
    sheet = load_workbook(io.BytesIO(head.get(f"/usage-report/?{PERIOD}&format=xlsx").content)).active
    assert ("Văn bản đến", 6) in [row[:2] for row in sheet.iter_rows(min_row=5, values_only=True)]
    start = (YESTERDAY - timedelta(days=9)).isoformat()
    for _attempt in range(2):
        assert head.post("/usage-report/", {"start": start, "end": YESTERDAY.isoformat()}).status_code == 302
    report = UsageReport.objects.get()
    assert (report.tenant_uuid, report.figures["docs_in"]) == (tenant.uuid, 6.0)
    # a period not yet ended is refused with a sentence
    today = timezone.localdate().isoformat()
    refused = head.post("/usage-report/", {"start": start, "end": today})
    assert refused.status_code == 200
    assert "trước hôm nay" in refused.content.decode()
    # the province's consolidated report
    consolidated = inspector.get(f"/oversight/reports/?{PERIOD}").content.decode()
    assert "1/2" in consolidated
    pdf = inspector.get(f"/oversight/reports/?{PERIOD}&format=pdf")
    assert pdf.content.startswith(b"%PDF")


def test_the_operator_edits_and_publishes_the_scheme_on_the_console(
    operator: Client, inspector: Client
) -> None:
    assert (
        operator.post("/oversight/ranking/schemes/new/", {"year": "2025", "kind": "school"}).status_code
        == 302
    )
    scheme = RankingScheme.objects.get(year=2025, kind="school")
    assert scheme.indicators.count() == 7  # the default scheme
    data = {
        "code": "hub", "label": "Qua trục", "numerator": "docs_in_hub", "denominator": "docs_in",
        "scale": "percent", "weight": "30", "floor": "0", "target": "50", "dti_code": "DTI-3.2",
    }  # fmt: skip
    assert operator.post("/oversight/ranking/2025/school/", data).status_code == 302
    assert scheme.indicators.get(code="hub").weight == 30
    bad = operator.post("/oversight/ranking/2025/school/", {**data, "numerator": "nothing"})
    assert "Không có chỉ số nothing" in bad.content.decode()
    assert inspector.get("/oversight/ranking/2025/school/").status_code == 403
    ranking = inspector.get("/oversight/ranking/?year=2025&kind=school")
    assert ranking.status_code == 200
    assert "Chưa công bố" in ranking.content.decode()
    assert operator.post("/oversight/ranking/2025/school/publish/").status_code == 302
    published = inspector.get("/oversight/ranking/?year=2025&kind=school").content.decode()
    assert "Chữ ký số của tỉnh hợp lệ." in published
    assert operator.post("/oversight/ranking/2025/school/", {**data, "weight": "1"}).status_code == 200
    assert scheme.indicators.get(code="hub").weight == 30


def test_inspectors_pages_read_no_tenant_schema(
    inspector: Client, tenant: Any, other_tenant: Any, figures: None, monkeypatch: Any
) -> None:
    """Every schema the connection is switched to while the inspector's pages answer: only public."""
    from django.db import connection

    ranking_scheme_ensure(actor=Actor(label="test"), year=YESTERDAY.year, kind="department")
    switched: list[str] = []
    wrapper: Any = connection
    original = wrapper.set_settings_schema

    def recorded(name: str) -> None:
        switched.append(name)
        original(name)

    monkeypatch.setattr(wrapper, "set_settings_schema", recorded)
    for path in (
        f"/oversight/?{PERIOD}",
        f"/oversight/export.xlsx?{PERIOD}",
        f"/oversight/agencies/{tenant.uuid}/?{PERIOD}",
        f"/oversight/ranking/?year={YESTERDAY.year}&kind=department",
        f"/oversight/lagging/?{PERIOD}",
        f"/oversight/reports/?{PERIOD}",
    ):
        assert inspector.get(path).status_code == 200, path
    assert switched
    assert set(switched) == {"public"}


def test_the_api_reads_figures_and_the_ranking_for_inspectors_only(
    inspector: Client, tenant: Any, other_tenant: Any, make_user: Any, signed_in: Any, figures: None
) -> None:
    usage = inspector.get(f"/api/v1/oversight/usage/?{PERIOD}").json()
    assert [(a["org_code"], a["measures"]["electronic"]) for a in usage["agencies"]] == [
        (tenant.org_code, 100.0),
        (other_tenant.org_code, 10.0),
    ]
    agency = inspector.get(f"/api/v1/oversight/agencies/{tenant.uuid}/?{PERIOD}").json()
    assert {f["code"]: f["value"] for f in agency["figures"]}["logins"] == 7
    assert inspector.get("/api/v1/oversight/ranking/?year=2025&kind=department").status_code == 404
    assert inspector.get("/api/v1/oversight/ranking/?year=x&kind=department").status_code == 400
    assert inspector.post(f"/api/v1/oversight/usage/?{PERIOD}").status_code in (403, 405)
    # an agency's own people do not read the province's API on their host, nor on the console
    head = signed_in(Client(), make_user(tenant, "nguyentd", roles=("head",)), tenant=tenant)
    assert head.get(f"/api/v1/oversight/usage/?{PERIOD}").status_code == 404
    assert (
        Client().get(f"/api/v1/oversight/usage/?{PERIOD}", HTTP_HOST="console.gialai.localhost").status_code
        == 401
    )


def test_the_support_service_refuses_a_follow_up_to_another_agencys_request(
    tenant: Any, other_tenant: Any, make_user: Any
) -> None:
    from django.http import Http404

    from oversight.support import support_message_add, support_request_open

    with in_tenant(tenant):
        mine = Actor(user=make_user(tenant, "admin", roles=("it_officer",)))
        item = support_request_open(
            actor=mine,
            tenant=tenant,
            kind="help",
            subject="Hỏi",
            body="Nội dung",
            submission_key=uuid.uuid4(),
        )
    with in_tenant(other_tenant):
        theirs = Actor(user=make_user(other_tenant, "admin", roles=("it_officer",)))
        with pytest.raises(Http404):
            support_message_add(
                actor=theirs, request=item, body="Chen vào", submission_key=uuid.uuid4(), tenant=other_tenant
            )
    assert item.messages.count() == 1
