"""The nightly usage rollup (R12): per-tenant daily figures in the public schema, re-runs and
catch-up safe (fill states), counted from the tenants' real rows."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import LoginEvent
from core.errors import ApplicationError
from core.tenancy import in_tenant
from oversight.models import FillState, UsageFigure
from oversight.rollup import rollup
from qlvbdh import catalogue
from qlvbdh.models import Assignment
from qlvbdh.tests.factories import (
    AssignmentFactory,
    DossierFactory,
    IncomingDocumentFactory,
    OutgoingDocumentFactory,
)

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - timedelta(days=1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


def table() -> list[tuple[Any, ...]]:
    """Every figure row as stored, ids included: a re-run that rewrote a row would show."""
    return list(UsageFigure.objects.order_by("id").values_list("id", "tenant_uuid", "day", "figure", "value"))


def states() -> list[tuple[Any, ...]]:
    return list(
        FillState.objects.order_by("id").values_list(
            "id", "tenant_uuid", "figure", "filled_until", "state", "updated_at"
        )
    )


def figures(tenant: Any, day: date) -> dict[str, float]:
    return dict(UsageFigure.objects.filter(tenant_uuid=tenant.uuid, day=day).values_list("figure", "value"))


def activity(tenant: Any, day: date) -> None:
    """Two electronic incoming documents (one through the hub), one on paper, one issued outgoing
    document to another organisation, one task done on time and one late, a dossier opened."""
    IncomingDocumentFactory.create(
        tenant=tenant, registered_at=at(day), delivery_mode=catalogue.DeliveryMode.ELECTRONIC
    )
    hub_doc = IncomingDocumentFactory.create(
        tenant=tenant,
        registered_at=at(day - timedelta(days=3)),
        delivery_mode=catalogue.DeliveryMode.BOTH,
        source=catalogue.Source.HUB,
    )
    paper = IncomingDocumentFactory.create(tenant=tenant, registered_at=at(day, 15))
    with in_tenant(tenant):
        OutgoingDocumentFactory.create(status="issued", distribute_to=[("000.00.12.H21", "Sở Y tế")])
        hub_doc.registered_at = at(day, 9)
        hub_doc.save(update_fields=["registered_at"])
    AssignmentFactory.create(
        tenant=tenant, document=hub_doc, deadline=day, status=Assignment.Status.DONE, done_at=at(day, 17)
    )
    AssignmentFactory.create(
        tenant=tenant,
        document=paper,
        deadline=day - timedelta(days=1),
        status=Assignment.Status.DONE,
        done_at=at(day, 18),
    )
    DossierFactory.create(tenant=tenant, opened_on=day)


def test_figures_of_a_day_count_the_tenants_own_rows(tenant: Any, other_tenant: Any) -> None:
    # given activity in one tenant only, the outgoing document issued today (not that day)
    day = YESTERDAY
    activity(tenant, day)
    # when
    rollup(until=day, since=day)
    # then
    mine = figures(tenant, day)
    assert mine["docs_in"] == 3
    assert mine["docs_in_electronic"] == 2
    assert mine["docs_in_paper"] == 1
    assert mine["docs_in_hub"] == 1
    assert mine["docs_on_time"] == 1
    assert mine["docs_late"] == 1
    assert mine["processing_seconds"] == (8 + 3) * 3600  # 09:00 -> 17:00 and 15:00 -> 18:00
    assert mine["dossiers_opened"] == 1
    assert mine["docs_out"] == 0  # issued today, counted tomorrow night
    assert set(figures(other_tenant, day).values()) == {0.0}  # every figure written, each zero


def test_rerunning_a_days_rollup_changes_nothing(tenant: Any, other_tenant: Any) -> None:
    # given a rolled-up day
    activity(tenant, YESTERDAY)
    first = rollup(until=YESTERDAY, since=YESTERDAY - timedelta(days=2))
    before_rows, before_states = table(), states()
    assert first.days_written == 2 * 3  # tenants x days
    # when it runs again, from the task or the command line
    again = rollup(until=YESTERDAY)
    call_command("oversight", "rollup", "--date", YESTERDAY.isoformat(), stdout=StringIO())
    # then nothing was written
    assert again.days_written == 0
    assert table() == before_rows
    assert states() == before_states
    # and writing the day again on purpose gives the same figures
    rollup(until=YESTERDAY, redo=True)
    assert sorted(row[1:] for row in table()) == sorted(row[1:] for row in before_rows)


def test_a_missed_night_is_caught_up(tenant: Any) -> None:
    # given the rollup ran three nights ago, then the worker was down for two nights
    three_ago = YESTERDAY - timedelta(days=2)
    rollup(until=three_ago, since=three_ago)
    kept = table()
    activity(tenant, YESTERDAY - timedelta(days=1))
    activity(tenant, YESTERDAY)
    # when tonight's run comes
    report = rollup()
    # then both missed days are written, and the earlier day is left as it was
    assert figures(tenant, YESTERDAY - timedelta(days=1))["docs_in"] == 3
    assert figures(tenant, YESTERDAY)["docs_in"] == 3
    assert table()[: len(kept)] == kept
    assert report.days_written == 2
    assert set(FillState.objects.filter(tenant_uuid=tenant.uuid).values_list("filled_until", "state")) == {
        (YESTERDAY, "done")
    }


def test_a_day_left_started_is_written_again_from_scratch(tenant: Any) -> None:
    # given a run that died while counting yesterday: its state says started, a stray row remains
    day = YESTERDAY
    rollup(until=day - timedelta(days=1), since=day - timedelta(days=1))
    FillState.objects.filter(tenant_uuid=tenant.uuid).update(filled_until=day, state="started")
    UsageFigure.objects.create(tenant_uuid=tenant.uuid, day=day, figure="docs_in", value=99)
    IncomingDocumentFactory.create(tenant=tenant, registered_at=at(day))
    # when
    rollup(until=day)
    # then the day is replaced, not added to
    assert figures(tenant, day)["docs_in"] == 1
    assert UsageFigure.objects.filter(tenant_uuid=tenant.uuid, day=day, figure="docs_in").count() == 1


def test_logins_accounts_and_backups_are_counted(tenant: Any, make_user: Any) -> None:
    day = YESTERDAY
    person = make_user(tenant, "minhtht", date_joined=at(day - timedelta(days=9)))
    make_user(tenant, "newcomer")  # joined today: not yet an account yesterday
    make_user(
        tenant, "gone", date_joined=at(day - timedelta(days=9)), deactivated_at=at(day - timedelta(days=5))
    )
    with in_tenant(tenant):
        for kind in ("success", "success", "failure"):
            event = LoginEvent.objects.create(user=person, username="minhtht", kind=kind)
            LoginEvent.objects.filter(pk=event.pk).update(at=at(day))
    # oversight imports no backups module: the model by name, as the rollup never names it at all
    apps.get_model("backups", "Backup").objects.create(
        tenant=tenant,
        schema_name=tenant.schema_name,
        org_code=tenant.org_code,
        state="complete",
        store="local",
        location="x",
        finished_at=at(day, 2),
    )
    backup = apps.get_model("backups", "Backup").objects.get()
    apps.get_model("backups", "Drill").objects.create(
        tenant=tenant, backup=backup, ok=True, finished_at=at(day, 3)
    )
    rollup(until=day, since=day)
    mine = figures(tenant, day)
    assert (mine["logins"], mine["people_active"], mine["accounts"]) == (2, 1, 1)
    assert (mine["backups_complete"], mine["backups_failed"]) == (1, 0)
    assert (mine["drills_passed"], mine["drills_failed"]) == (1, 0)


def test_today_cannot_be_rolled_up_and_bad_dates_are_a_sentence(tenant: Any) -> None:
    with pytest.raises(ApplicationError, match="has not ended"):
        rollup(until=timezone.localdate())
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("oversight", "rollup", "--date", "03/12/2026")
    with pytest.raises(CommandError, match="has not ended"):
        call_command("oversight", "rollup", "--date", timezone.localdate().isoformat())
    assert not UsageFigure.objects.exists()


def test_figures_command_prints_the_day_as_json(tenant: Any) -> None:
    IncomingDocumentFactory.create(tenant=tenant, registered_at=at(YESTERDAY))
    rollup(until=YESTERDAY, since=YESTERDAY)
    out = StringIO()
    call_command("oversight", "figures", "--date", YESTERDAY.isoformat(), "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["date"] == YESTERDAY.isoformat()
    assert printed["tenants"][tenant.org_code]["docs_in"] == 1


def test_a_failing_tenant_is_reported_and_the_others_go_on(
    tenant: Any, other_tenant: Any, monkeypatch: Any
) -> None:
    from core.figures import Figure, FigureProvider, providers

    def broken(ref: Any, day: date) -> dict[str, float]:
        if ref.uuid == tenant.uuid:
            raise RuntimeError("the schema is gone")
        return {"probe": 1}

    probe = FigureProvider(key="test.probe", figures=(Figure("probe", "probe"),), compute=broken)
    monkeypatch.setattr("oversight.rollup.providers", lambda: [*providers(), probe])
    with pytest.raises(CommandError, match="1 tenant"):
        call_command("oversight", "rollup", "--date", YESTERDAY.isoformat(), "--since", YESTERDAY.isoformat(),
                     stdout=StringIO(), stderr=StringIO())  # fmt: skip
    assert figures(other_tenant, YESTERDAY)["probe"] == 1
    # the broken tenant's day is not marked done: the next run writes it
    assert not FillState.objects.filter(tenant_uuid=tenant.uuid, state="done").exists()
    assert not UsageFigure.objects.filter(tenant_uuid=tenant.uuid).exists()
