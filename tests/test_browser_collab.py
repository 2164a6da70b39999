"""Browser: the office drafts the week's calendar, the head approves it, an official sees it on
the home page; a booking that overlaps another shows a clear message."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.test_browser import (
    PASSWORD,
    TIMEOUT_MS,
    _browser,
    _new_page,
    _screenshot,
    csp_violations,
    sign_in_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _local_input(moment: Any) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_office_drafts_head_approves_official_sees_the_week_and_a_booking_conflict(
    chromium: str, live_server: Any, province: Any, tenant: Any, host_of: Any, settings: Any, tmp_path: Path
) -> None:
    from django.utils import timezone
    from playwright.sync_api import expect

    from accounts import demo
    from accounts.models import User
    from collab.models import Booking, CalendarWeek
    from collab.services.resources import booking_create, resource_create
    from collab.tests.factories import at
    from core.audit import Actor
    from core.tenancy import in_tenant

    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    with in_tenant(tenant):
        demo.tenant_people_ensure(password=PASSWORD)
        clerk = User.objects.get(username="thuyctp")
        room = resource_create(
            actor=Actor(user=clerk), name="Phòng họp tầng 3", kind="room", manager=clerk, needs_approval=False
        )
        booking_create(
            actor=Actor(user=clerk),
            resource=room,
            title="Họp giao ban",
            starts_at=at(tomorrow, 8),
            ends_at=at(tomorrow, 10),
        )
    base = f"http://{host_of(tenant)}:{urlparse(live_server.url).port}"
    expect.set_options(timeout=TIMEOUT_MS)

    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        context, page = _new_page(browser, base)
        try:
            # the office (the clerk) drafts the leaders' week and submits it
            sign_in_page(page, "thuyctp")
            page.goto("/calendar/")
            form = page.locator("#agency-event-form")
            form.locator("#id_agency-title").fill("Làm việc với Đoàn kiểm tra của tỉnh")
            form.locator("#id_agency-starts_at").fill(_local_input(at(today, 14)))
            form.locator("#id_agency-ends_at").fill(_local_input(at(today, 16)))
            form.locator("#id_agency-place").fill("Hội trường A")
            form.locator("#id_agency-host").select_option(label="Trần Đình Nguyên (nguyentd)")
            form.locator("button[type='submit']").click()
            expect(page.locator("#agency-events")).to_contain_text("Làm việc với Đoàn kiểm tra của tỉnh")
            expect(page.locator("#week-status")).to_have_text("Dự thảo")
            page.locator("#week-submit").click()
            expect(page.locator("#week-status")).to_have_text("Chờ duyệt")
            assert csp_violations(context) == []
        except Exception:
            _screenshot(page, tmp_path / "clerk.png")
            raise
        finally:
            context.close()

        context, page = _new_page(browser, base)
        try:
            # the head approves: the week is published
            sign_in_page(page, "nguyentd", enrol=True)
            expect(page).to_have_url(f"{base}/")
            page.goto("/calendar/")
            page.locator("#week-approve").click()
            expect(page.locator("#week-status")).to_have_text("Đã ban hành")
            assert csp_violations(context) == []
        except Exception:
            _screenshot(page, tmp_path / "head.png")
            raise
        finally:
            context.close()

        context, page = _new_page(browser, base)
        try:
            # an official sees it on the home page, then books the room over someone else's booking
            sign_in_page(page, "minhtht")
            expect(page).to_have_url(f"{base}/")
            expect(page.locator("#home-calendar")).to_contain_text("Làm việc với Đoàn kiểm tra của tỉnh")
            expect(page.locator("#home-calendar")).to_contain_text("Hội trường A")
            page.goto("/resources/")
            form = page.locator("#booking-form")
            form.locator("#id_resource").select_option(label="Phòng họp tầng 3")
            form.locator("#id_title").fill("Họp tổ chuyên môn")
            form.locator("#id_starts_at").fill(_local_input(at(tomorrow, 9)))
            form.locator("#id_ends_at").fill(_local_input(at(tomorrow, 11)))
            form.locator("button[type='submit']").click()
            expect(page.locator("#booking-errors")).to_contain_text("Phòng họp tầng 3 đã được đặt từ 08:00")
            # the next free slot goes through
            form.locator("#id_starts_at").fill(_local_input(at(tomorrow, 10)))
            form.locator("#id_ends_at").fill(_local_input(at(tomorrow, 11)))
            form.locator("button[type='submit']").click()
            expect(page.locator(".messages")).to_contain_text("Đã đặt.")
            assert csp_violations(context) == []
        except Exception:
            _screenshot(page, tmp_path / "official.png")
            raise
        finally:
            context.close()

    with in_tenant(tenant):
        assert CalendarWeek.objects.get().status == "published"
        assert list(Booking.objects.order_by("id").values_list("title", "status")) == [
            ("Họp giao ban", "approved"),
            ("Họp tổ chuyên môn", "approved"),
        ]
