"""Lists and search that do not grow with the register: a capped count, a page's "more" from one row
read past it, and search by words through the full-text index (issue 19)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core import paging


@pytest.fixture
def clerk(tenant, make_user, sign_in):
    make_user(tenant, "thuyctp", roles=("clerk",))
    return sign_in(tenant, "thuyctp")


def _register(clerk: Any, count: int, **overrides: Any) -> None:
    for i in range(count):
        body = {
            "issuer_name": "Ủy ban nhân dân tỉnh Gia Lai",
            "issuer_code": "000.00.00.H21",
            "document_type": "QĐ",
            "summary": "Về việc phân bổ vốn đầu tư công năm 2027",
            "number": str(200 + i),
            "notation": "QĐ-UBND",
        }
        body.update(overrides)
        done = clerk.post("/api/v1/documents/incoming/", body, content_type="application/json")
        assert done.status_code == 201, done.content


@pytest.mark.django_db
def test_the_api_count_stops_at_the_cap_and_pages_go_on_past_it(tenant, clerk, monkeypatch):
    _register(clerk, 5)
    monkeypatch.setattr(paging, "COUNT_CAP", 3)

    first = clerk.get("/api/v1/documents/", {"limit": 2}).json()
    last = clerk.get("/api/v1/documents/", {"limit": 2, "offset": 4}).json()
    past = clerk.get("/api/v1/documents/", {"limit": 2, "offset": 9}).json()
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    exact = clerk.get("/api/v1/documents/", {"limit": 2, "offset": 2}).json()

    assert (first["count"], first["count_capped"], len(first["results"])) == (3, True, 2)
    assert "offset=2" in first["next"]
    assert (len(last["results"]), last["next"]) == (1, None)  # the end is known from the rows
    assert last["count_capped"] is True
    assert (past["results"], past["next"]) == ([], None)
    assert (exact["count"], exact["count_capped"]) == (5, False)


@pytest.mark.django_db
def test_a_list_that_fits_its_page_is_not_counted(tenant, clerk):
    _register(clerk, 2)
    with CaptureQueriesContext(connection) as queries:
        listed = clerk.get("/api/v1/documents/", {"limit": 50}).json()
    assert listed["count"] == 2
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.django_db
def test_the_html_list_says_more_than_the_cap_and_pages_on(tenant, clerk, monkeypatch):
    _register(clerk, 5)
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    monkeypatch.setattr("qlvbdh.views.documents.PAGE_SIZE", 2)

    first = clerk.get("/documents/").content.decode()
    third = clerk.get("/documents/", {"page": "3", "q": "đầu tư"}).content.decode()
    beyond = clerk.get("/documents/", {"page": "99"})
    nonsense = clerk.get("/documents/", {"page": "x" * 5000})

    assert "1–2 / hơn 3" in first
    assert 'rel="next"' in first
    assert "5–5 / hơn 3" in third
    assert 'rel="next"' not in third
    assert "q=%C4%91%E1%BA%A7u%20t%C6%B0" in third  # the search rides along with the pages
    assert beyond.status_code == nonsense.status_code == 200
    assert "1–2 / hơn 3" in beyond.content.decode()


@pytest.mark.django_db
def test_search_finds_words_by_their_start_without_diacritics_or_punctuation(tenant, clerk):
    _register(clerk, 1)
    _register(clerk, 1, summary="Về việc tuyển dụng viên chức", notation="SNV-TCCC", number="7")

    def found(q: str) -> int:
        response = clerk.get("/api/v1/documents/", {"q": q})
        assert response.status_code == 200, response.content
        return int(response.json()["count"])

    assert found("dau tu cong") == 1
    assert found("ĐẦU TƯ CÔNG") == 1
    assert found("ubnd") == 1  # a part of "QĐ-UBND"
    assert found("tuyen dung") == 1
    assert found("tuy") == 1  # the start of a word
    assert found("uyen") == 0  # not the middle of one: whole words use the full-text index
    assert found("2027 von") == 1
    assert found("nam 2028") == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q", ["a & b", "!cong", "dau:*", "'; DROP TABLE x; --", "(|)", "\\", "&" * 3000, "x " * 4000, "\u200b"]
)
def test_search_text_that_looks_like_query_syntax_is_only_words(tenant, clerk, q):
    _register(clerk, 1)
    response = clerk.get("/api/v1/documents/", {"q": q})
    assert response.status_code == 200, response.content
    html = clerk.get("/documents/", {"q": q})
    assert html.status_code == 200


@pytest.mark.django_db
def test_my_tasks_pages_merge_the_persons_and_the_units_in_deadline_order(tenant, signed_in):
    """The list reads the person's and the unit's tasks as two parts, each cut at the page's end
    in deadline order, and merges them: every page, done ones included, is the whole list's."""
    import datetime

    from accounts.tests.factories import OrgUnitFactory, UserFactory
    from qlvbdh.tests.factories import AssignmentFactory

    unit = OrgUnitFactory.create(tenant=tenant)
    official = UserFactory.create(tenant=tenant, roles=["official"], unit=unit)
    from django.utils import timezone

    today = timezone.localdate()
    made = []
    for day in (9, 1, 4, 7, 2, 8, 3, 6, 5, 0):  # people and unit interleaved by deadline
        holder = {"unit": unit} if day % 2 else {"assignee": official}
        status = "done" if day in (3, 4) else "open"
        made.append(
            (
                day,
                AssignmentFactory.create(
                    tenant=tenant, deadline=today + datetime.timedelta(days=day), status=status, **holder
                ),
            )
        )
    AssignmentFactory.create(tenant=tenant)  # someone else's: never listed
    client = signed_in(Client(), official)

    pages = [
        client.get("/api/v1/tasks/", {"done": "1", "limit": 3, "offset": offset}).json()
        for offset in (0, 3, 6, 9)
    ]
    listed = [row["uuid"] for page in pages for row in page["results"]]
    open_only = [row["uuid"] for row in client.get("/api/v1/tasks/", {"limit": 50}).json()["results"]]

    expected = [str(task.uuid) for _day, task in sorted(made, key=lambda pair: pair[0])]
    assert listed == expected
    assert [page["count"] for page in pages] == [10, 10, 10, 10]
    assert pages[3]["next"] is None
    assert pages[2]["next"] is not None
    assert open_only == [
        key
        for key, (day, _t) in zip(expected, sorted(made, key=lambda p: p[0]), strict=True)
        if day not in (3, 4)
    ]
