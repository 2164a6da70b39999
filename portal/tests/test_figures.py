"""The portal's figures in the province's nightly rollup (core.figures provider): articles published
that day, event deadlines that fell that day met or missed, and the groups meeting the month's
quota as a level. (That a ranking indicator may name them: oversight/tests/test_ranking.py.)"""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import OrgUnitFactory, UserFactory
from core.audit import Actor
from core.tenancy import in_tenant
from portal.models import ArticlePage, EventKind
from portal.services.duties import event_create, event_link_article, quota_group_set
from portal.tests import factories

pytestmark = pytest.mark.django_db


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone())


def test_portal_figures_of_a_day_are_rolled_up_per_tenant(portal: Any, other_portal: Any) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with in_tenant(portal):
        math = OrgUnitFactory.create(name="Tổ Toán")
        english = OrgUnitFactory.create(name="Tổ Tiếng Anh")
        secretary = UserFactory.create(roles=["board_secretary"])
        teacher = UserFactory.create(unit=math)
        actor = Actor(user=secretary)
        quota_group_set(actor=actor, unit=math, leader=teacher)
        quota_group_set(actor=actor, unit=english, leader=None)
        published = []
        for slug, at in (
            ("sang", _at(yesterday, 8)),
            ("toi", _at(yesterday, 23, 50)),
            ("hom-nay", _at(yesterday, 0) + datetime.timedelta(days=1, minutes=5)),
        ):
            article = factories.article_create(slug=slug, title=slug)
            ArticlePage.objects.filter(pk=article.pk).update(owner=teacher, first_published_at=at)
            published.append(ArticlePage.objects.get(pk=article.pk))
        # two events whose deadline (3 days after they ended) fell yesterday: one reported in time
        ended = yesterday - datetime.timedelta(days=3)
        reported: list[tuple[str, ArticlePage | None]] = [("Hội giảng", published[0]), ("Ngoại khoá", None)]
        for title, report in reported:
            event = event_create(
                actor=actor,
                data={
                    "title": title,
                    "kind": EventKind.PROFESSIONAL,
                    "unit": math,
                    "starts_at": _at(ended, 7),
                    "ends_at": _at(ended, 11),
                },
            )
            if report is not None:
                event_link_article(actor=actor, event=event, article=report)

    call_command(
        "oversight",
        "rollup",
        "--date",
        yesterday.isoformat(),
        "--since",
        yesterday.isoformat(),
        stdout=StringIO(),
    )

    figure = apps.get_model("oversight", "UsageFigure")  # portal imports no oversight module
    mine = dict(figure.objects.filter(tenant_uuid=portal.uuid, day=yesterday).values_list("figure", "value"))
    assert mine["portal_published"] == 2  # the third appeared after midnight, local time
    assert (mine["portal_deadlines_met"], mine["portal_deadlines_missed"]) == (1, 1)
    # the month's standing at the end of that day: the math group met it, the English group did not
    assert (mine["portal_groups"], mine["portal_groups_quota_met"]) == (2, 1)
    theirs = dict(
        figure.objects.filter(tenant_uuid=other_portal.uuid, day=yesterday).values_list("figure", "value")
    )
    assert theirs["portal_published"] == theirs["portal_deadlines_met"] == theirs["portal_groups"] == 0
