"""A real browser on a tenant's host: the demo IT officer signs in, creates an account and locks it.

Playwright drives Debian's chromium (it cannot download its own browser here); without chromium
the test is skipped. The live server listens on 127.0.0.1 and chromium maps the tenant hosts there.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

log = logging.getLogger(__name__)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo browser password 1"
TIMEOUT_MS = 15_000
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@contextmanager
def _browser(executable: str, base_domain: str) -> Iterator[Any]:
    """Chromium under Playwright's sync API.

    That API keeps an asyncio loop running in this thread for as long as it is open; Django then
    refuses the ORM here (SynchronousOnlyOperation), and asgiref would hand this thread a second
    database connection anyway. So the test touches the database only before and after this block.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            timeout=TIMEOUT_MS,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP *.{base_domain} 127.0.0.1"],
        )
        try:
            yield browser
        finally:
            browser.close()


def _totp_code(secret: str) -> str:
    from django_otp.oath import TOTP

    key = base64.b32decode(secret.strip() + "=" * (-len(secret.strip()) % 8))
    return f"{TOTP(key, step=30, t0=0, digits=6, drift=0).token():06d}"


# Reports every Content-Security-Policy violation of every page to the console (an init script
# runs outside the page's CSP), where `_new_page` collects it.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + event.sourceFile + ":" + event.lineNumber + " on " + document.location.pathname);
});
"""


def _new_page(browser: Any, base: str) -> tuple[Any, Any]:
    """A fresh context and page; `csp_violations(context)` lists what the CSP refused in it."""
    context = browser.new_context(base_url=base, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    violations: list[str] = []
    context.add_init_script(_CSP_LISTENER)
    context.on(
        "console",
        lambda message: violations.append(message.text) if "CSP violation" in message.text else None,
    )
    context.tinhso_csp_violations = violations
    return context, context.new_page()


def csp_violations(context: Any) -> list[str]:
    return list(context.tinhso_csp_violations)


# How many pixels of a canvas are not blank: a chart that drew nothing has none.
_INKED = """(id) => {
  const canvas = document.getElementById(id);
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) { inked++; } }
  return inked;
}"""


def canvas_inked(page: Any, canvas_id: str) -> int:
    return int(page.evaluate(_INKED, canvas_id))


def _screenshot(page: Any, path: Path) -> None:
    """Keep what the browser showed when a step failed; pytest shows the path in the captured log."""
    try:
        page.screenshot(path=str(path), full_page=True)
        log.warning("screenshot of %s: %s", page.url, path)
    except Exception:  # only a help when something already failed
        log.warning("no screenshot", exc_info=True)


def sign_in_page(page: Any, username: str, *, enrol: bool = False) -> None:
    """The login page, then for a privileged person the first enrolment of an authenticator."""
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    if enrol:
        secret = page.locator("#totp-secret").inner_text()
        page.fill("#id_token", _totp_code(secret))
        page.get_by_role("button", name="Xác nhận và bật").click()


def test_it_officer_signs_in_creates_an_account_and_locks_it(
    chromium: str, live_server: Any, province: Any, tenant: Any, host_of: Any, settings: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from accounts import demo
    from accounts.models import User
    from core.models import AuditEntry
    from core.tenancy import in_tenant

    with in_tenant(tenant):
        demo.tenant_people_ensure(password=PASSWORD)
    base = f"http://{host_of(tenant)}:{urlparse(live_server.url).port}"
    expect.set_options(timeout=TIMEOUT_MS)

    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        context, page = _new_page(browser, base)
        try:
            # Password, then the first enrolment of an authenticator: the IT officer is privileged.
            sign_in_page(page, "admin", enrol=True)
            expect(page).to_have_url(f"{base}/")
            expect(page.locator("header .user-menu summary")).to_have_text("Quản trị Hệ thống")

            # A new account; htmx shows the name rule's proposal while the name is typed.
            page.goto("/accounts/new/")
            page.fill("#id_full_name", "Nguyễn Thị Hồng Nhung")
            page.fill("#id_birth_year", "1990")
            expect(page.locator("#proposed-username")).to_have_text("nhungnth")
            page.check("#account-create input[name='roles'][value='official']")
            page.locator("#account-create button[type='submit']").click()
            expect(page.locator("#issued-username")).to_have_text("nhungnth")
            temporary_password = page.locator("#temporary-password").inner_text().strip()
            assert temporary_password

            # Its page, then the lock.
            page.get_by_role("link", name="Xem tài khoản").click()
            expect(page.locator("#account-status")).to_have_text("Hoạt động")
            page.get_by_label("Lý do khoá").fill("Mất điện thoại")
            page.locator("#lock").click()
            expect(page.locator("#account-status")).to_have_text("Đang khoá")
            expect(page.locator("ul.messages")).to_contain_text("Đã khoá tài khoản nhungnth")
            assert csp_violations(context) == []  # the strict CSP refused nothing on the way
        except Exception:
            _screenshot(page, tmp_path / "it-officer.png")
            raise
        finally:
            context.close()

        # A fresh browser context: the temporary password no longer opens the locked account.
        context, page = _new_page(browser, base)
        try:
            page.goto("/login/")
            page.fill("#id_username", "nhungnth")
            page.fill("#id_password", temporary_password)
            page.get_by_role("button", name="Đăng nhập").click()
            expect(page.locator(".errorlist")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng")
            expect(page).to_have_url(f"{base}/login/")
            expect(page.locator("#id_password")).to_be_visible()
            assert csp_violations(context) == []  # the strict CSP refused nothing on the way
        except Exception:
            _screenshot(page, tmp_path / "locked-person.png")
            raise
        finally:
            context.close()

    with in_tenant(tenant):
        people = list(User.objects.filter(username="nhungnth"))
        assert len(people) == 1
        person = people[0]
        assert person.full_name == "Nguyễn Thị Hồng Nhung"
        assert set(person.role_grants.filter(revoked_at__isnull=True).values_list("role", flat=True)) == {
            "official"
        }
        assert person.locked_at is not None
        assert person.locked_reason == "Mất điện thoại"
        # The refused login was the lock's doing: the password itself is the right one.
        assert person.check_password(temporary_password)
        assert AuditEntry.objects.filter(action="account.lock", target_id=str(person.uuid)).count() == 1
