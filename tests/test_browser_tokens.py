"""Browser: a person makes a read-only API token, a program uses it over real HTTP, the person
revokes it; the IT officer lets a slowed-down colleague sign in again at once."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
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


def _api(base: str, path: str, token: str, method: str = "GET") -> tuple[int, dict[str, Any]]:
    """A program's call over HTTP to the live server (not through the browser): to 127.0.0.1, with
    the tenant's host in the Host header, as DNS would send it there."""
    parts = urlparse(base)
    request = urllib.request.Request(
        f"http://127.0.0.1:{parts.port}{path}",
        method=method,
        data=b"{}" if method == "POST" else None,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Host": parts.netloc,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_person_makes_a_read_token_a_program_uses_it_and_the_person_revokes_it(
    chromium: str, live_server: Any, province: Any, tenant: Any, host_of: Any, settings: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from accounts import demo
    from accounts.models import ApiToken, LoginEvent
    from core.tenancy import in_tenant

    with in_tenant(tenant):
        demo.tenant_people_ensure(password=PASSWORD)
    base = f"http://{host_of(tenant)}:{urlparse(live_server.url).port}"
    expect.set_options(timeout=TIMEOUT_MS)

    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        context, page = _new_page(browser, base)
        try:
            sign_in_page(page, "minhtht")
            page.goto("/account/tokens/")
            page.fill("#id_name", "Đồng bộ lịch")
            page.select_option("#id_scope", "read")
            page.select_option("#id_days", "30")
            page.locator("#token-create").click()
            token = page.locator("#token-secret").inner_text().strip()
            assert token.startswith("tinhso_")

            assert _api(base, "/api/v1/me/", token)[1]["user"]["username"] == "minhtht"
            status, answer = _api(base, "/api/v1/units/", token, method="POST")
            assert status == 403
            assert "chỉ được đọc" in answer["detail"]

            page.goto("/account/tokens/")
            expect(page.locator("#token-secret")).to_have_count(0)  # shown once
            page.get_by_role("button", name="Thu hồi").click()
            expect(page.locator("ul.messages")).to_contain_text("Đã thu hồi mã truy cập API “Đồng bộ lịch”")
            assert _api(base, "/api/v1/me/", token)[0] == 401
            assert csp_violations(context) == []
        except Exception:
            _screenshot(page, tmp_path / "tokens.png")
            raise
        finally:
            context.close()

    with in_tenant(tenant):
        made = ApiToken.objects.get()
        assert made.revoked_by == "minhtht"
        assert set(LoginEvent.objects.filter(token=made).values_list("kind", flat=True)) == {
            "token_created",
            "token_used",
            "token_revoked",
        }


def test_the_it_officer_lets_a_slowed_down_colleague_sign_in_at_once(
    chromium: str,
    live_server: Any,
    province: Any,
    tenant: Any,
    host_of: Any,
    settings: Any,
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    from playwright.sync_api import expect

    from accounts import demo
    from core import ratelimits
    from core.models import AuditEntry
    from core.tenancy import in_tenant

    with in_tenant(tenant):
        demo.tenant_people_ensure(password=PASSWORD)
    base = f"http://{host_of(tenant)}:{urlparse(live_server.url).port}"
    expect.set_options(timeout=TIMEOUT_MS)
    # The throttle's one clock stands still (the live server is a thread of this process): the
    # delay cannot run out by itself while the browser works, only the officer can lift it.
    now = ratelimits.clock()
    monkeypatch.setattr(ratelimits, "clock", lambda: now)

    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        context, page = _new_page(browser, base)
        try:
            for _attempt in range(5):
                page.goto("/login/")
                page.fill("#id_username", "thuyctp")
                page.fill("#id_password", "sai mat khau roi")
                page.get_by_role("button", name="Đăng nhập").click()
                expect(page.locator(".errorlist")).to_be_visible()
            sign_in_page(page, "thuyctp")
            expect(page.locator("body")).to_contain_text("giây")  # held, with the wait
            expect(page).to_have_url(f"{base}/login/")
        except Exception:
            _screenshot(page, tmp_path / "held.png")
            raise
        finally:
            context.close()

        context, page = _new_page(browser, base)
        try:
            sign_in_page(page, "admin", enrol=True)
            page.goto("/accounts/")
            page.get_by_role("link", name="Đăng nhập sai bị làm chậm").click()
            row = page.locator("tr", has=page.locator("td.throttle-label", has_text="thuyctp"))
            expect(row).to_contain_text("5")
            row.get_by_role("button", name="Cho thử lại ngay").click()
            expect(page.locator("ul.messages")).to_contain_text("Đã xoá 5 lần đăng nhập sai của thuyctp")
            expect(page.locator("td.throttle-label", has_text="thuyctp")).to_have_count(0)
            assert csp_violations(context) == []
        except Exception:
            _screenshot(page, tmp_path / "officer.png")
            raise
        finally:
            context.close()

        context, page = _new_page(browser, base)
        try:
            sign_in_page(page, "thuyctp")
            expect(page).to_have_url(f"{base}/")  # at once, the clock has not moved
        except Exception:
            _screenshot(page, tmp_path / "colleague.png")
            raise
        finally:
            context.close()

    with in_tenant(tenant):
        assert AuditEntry.objects.filter(action="login.throttle_clear", actor="admin").count() == 1
