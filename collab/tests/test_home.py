"""The home page: each figure is the size of the list it links to, moves when its row moves,
never counts what the person may not see, and costs the same number of queries at any size."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import OrgUnitFactory, UserFactory
from collab.services.discussions import channel_create, direct_open, message_post
from collab.tests.factories import CalendarEventFactory, CalendarWeekFactory, at
from core.audit import Actor
from core.tenancy import in_tenant
from qlvbdh.models import Assignment
from qlvbdh.tests.factories import AssignmentFactory, IncomingDocumentFactory, OutgoingDocumentFactory

pytestmark = pytest.mark.django_db


def _figures(page: Any) -> dict[str, int]:
    html = page.content.decode()
    return {
        key: int(count)
        for key, count in re.findall(
            r'data-figure="([a-z_]+)"><a href="[^"]*"><strong class="figure-count">(\d+)</strong>', html
        )
    }


def _listed(browser: Any, status: str) -> int:
    return browser.get(f"/api/v1/documents/?status={status}").json()["count"]


def test_heads_figures_equal_the_lists_and_skip_what_the_head_may_not_see(
    tenant: Any, head: Any, official: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        deputy = UserFactory.create(roles=["deputy_head"])
        IncomingDocumentFactory.create(submitted_to=head)
        OutgoingDocumentFactory.create(drafter=official)  # a draft for the head to approve
        # a draft its drafter submitted to the deputy: not the head's to see, nor to count
        OutgoingDocumentFactory.create(drafter=official, submitted_to=deputy)
        OutgoingDocumentFactory.create(drafter=official, status="approved")
    browser = signed_in(client, head)
    figures = _figures(browser.get("/"))
    assert figures["to_direct"] == 1 == _listed(browser, "submitted")
    assert figures["to_approve"] == 1 == _listed(browser, "draft")
    assert figures["to_sign"] == 1 == _listed(browser, "approved")
    assert "to_issue" not in figures  # the clerk's work, not the head's

    with in_tenant(tenant):
        IncomingDocumentFactory.create(submitted_to=head)
    assert _figures(browser.get("/"))["to_direct"] == 2


def test_officials_task_figures_follow_their_rows_and_ignore_other_units(
    tenant: Any, official: Any, colleague: Any, signed_in: Any, client: Any
) -> None:
    today = timezone.localdate()
    with in_tenant(tenant):
        mine = AssignmentFactory.create(assignee=official, deadline=today - timedelta(days=1))
        AssignmentFactory.create(unit=official.unit, deadline=today + timedelta(days=1))  # my unit's
        stranger = UserFactory.create(roles=["official"], unit=OrgUnitFactory.create())
        AssignmentFactory.create(assignee=stranger, deadline=today - timedelta(days=3))
    browser = signed_in(client, official)
    figures = _figures(browser.get("/"))
    assert figures == {"tasks_open": 2, "tasks_due": 1, "tasks_overdue": 1, "unread_discussions": 0}
    with in_tenant(tenant):
        Assignment.objects.filter(pk=mine.pk).update(status=Assignment.Status.DONE)
    assert _figures(browser.get("/")) == {
        "tasks_open": 1,
        "tasks_due": 1,
        "tasks_overdue": 0,
        "unread_discussions": 0,
    }


def test_clerks_figures_include_what_waits_to_be_submitted_and_issued(
    tenant: Any, clerk: Any, official: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        IncomingDocumentFactory.create_batch(2)
        OutgoingDocumentFactory.create(drafter=official, status="signed")
    browser = signed_in(client, clerk)
    figures = _figures(browser.get("/"))
    assert figures["to_submit"] == 2 == _listed(browser, "registered")
    assert figures["to_issue"] == 1 == _listed(browser, "signed")
    assert figures["hub_arrivals"] == 0


def test_another_agencys_documents_count_nowhere(
    tenant: Any, other_tenant: Any, head: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(other_tenant):
        IncomingDocumentFactory.create_batch(3, submitted_to=UserFactory.create(roles=["head"]))
    figures = _figures(signed_in(client, head).get("/"))
    assert figures["to_direct"] == 0


def _fill(tenant: Any, head: Any, official: Any, n: int) -> None:
    today = timezone.localdate()
    with in_tenant(tenant):
        week = CalendarWeekFactory.create(status="published")
        for i in range(n):
            IncomingDocumentFactory.create(submitted_to=head)
            OutgoingDocumentFactory.create(drafter=official)
            AssignmentFactory.create(assignee=official, unit=None)
            AssignmentFactory.create(unit=OrgUnitFactory.create(), assignee=None, status="done")
            CalendarEventFactory.create(
                week=week, host=head, starts_at=at(today, 7 + i % 10), ends_at=at(today, 8 + i % 10)
            )
            talk = direct_open(actor=Actor(user=head), other=UserFactory.create(roles=["official"]))
            message_post(
                actor=Actor(user=talk.members.exclude(pk=head.pk).get()), thread=talk, body=f"Tin {i}"
            )
            channel = channel_create(actor=Actor(user=official), name=f"Kênh {i}", members=[head])
            message_post(actor=Actor(user=official), thread=channel, body=f"@{head.username} xem giúp")


def _queries(browser: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert browser.get("/").status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["head", "official"])
def test_home_page_query_count_does_not_grow_with_the_data(
    tenant: Any, head: Any, official: Any, signed_in: Any, client: Any, who: str
) -> None:
    person = head if who == "head" else official
    browser = signed_in(client, person)
    _fill(tenant, head, official, 1)
    _queries(browser)  # the first request of a session does its own bookkeeping
    few = _queries(browser)
    _fill(tenant, head, official, 12)
    many = _queries(browser)
    assert many == few
    assert few < 40


def test_heads_home_has_the_agencys_charts_and_an_officials_does_not(
    tenant: Any, head: Any, official: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        AssignmentFactory.create(assignee=official)
    head_page = signed_in(client, head).get("/").content.decode()
    assert 'id="agency-figures"' in head_page
    assert head_page.count('<figure class="chart">') >= 2
    from django.test import Client

    official_page = signed_in(Client(), official).get("/").content.decode()
    assert 'id="agency-figures"' not in official_page
