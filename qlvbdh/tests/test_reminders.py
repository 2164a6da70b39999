"""Deadline reminders: the day before and every overdue day, once a day, to the person or to every
member of the unit; the beat task fans out per tenant and each run stays in its tenant."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from accounts.models import Notification, User
from config.celery import app
from core.audit import Actor
from core.tenancy import in_tenant
from qlvbdh import reminders
from qlvbdh.models import Assignment
from qlvbdh.services.incoming import IncomingData, incoming_document_register
from qlvbdh.services.processing import AssignmentSpec, document_direct

ACTOR = Actor(label="t")


def _task_for(person, days: int, summary: str) -> Assignment:
    document = incoming_document_register(
        actor=ACTOR,
        data=IncomingData(
            issuer_name="Sở Y tế", document_type="CV", summary=summary, number=summary[-2:], notation="SYT"
        ),
    )
    document_direct(
        actor=ACTOR,
        document=document,
        note="",
        assignments=[
            AssignmentSpec(role="lead", assignee=person, deadline=timezone.localdate() + timedelta(days=1))
        ],
    )
    task = Assignment.objects.get(document=document)
    Assignment.objects.filter(pk=task.pk).update(deadline=timezone.localdate() + timedelta(days=days))
    return task


@pytest.mark.django_db
def test_due_tomorrow_and_overdue_are_reminded_once_a_day(tenant, make_user, sign_in):
    make_user(tenant, "minhtht", roles=("official",))
    with in_tenant(tenant):
        minh = User.objects.get(username="minhtht")
        _task_for(minh, 1, "Việc sắp hạn 01")
        _task_for(minh, -3, "Việc quá hạn 02")
        _task_for(minh, 9, "Việc còn xa 03")

        first = reminders.reminders_send()
        again = reminders.reminders_send()

        messages = sorted(Notification.objects.filter(user=minh).values_list("kind", "message"))
    assert first == 2
    assert again == 0
    assert [kind for kind, _m in messages] == ["due_soon", "overdue"]
    assert "Việc quá hạn 02" in messages[1][1]
    listed = sign_in(tenant, "minhtht").get("/api/v1/me/notifications/").json()
    assert len(listed) == 2


@pytest.mark.django_db(transaction=True)
def test_beat_fans_out_per_tenant_and_each_run_stays_in_its_tenant(tenant, other_tenant, make_user):
    make_user(tenant, "minhtht", roles=("official",))
    make_user(other_tenant, "minhtht", roles=("official",))
    with in_tenant(tenant):
        _task_for(User.objects.get(username="minhtht"), 0, "Việc hôm nay 04")

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        queued = reminders.deadline_reminders_all_tenants.delay().get(timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with in_tenant(tenant):
                if Notification.objects.exists():
                    break
            time.sleep(0.2)

    assert queued >= 2
    with in_tenant(tenant):
        assert Notification.objects.filter(user__username="minhtht", kind="due_soon").count() == 1
    with in_tenant(other_tenant):
        assert not Notification.objects.exists()
