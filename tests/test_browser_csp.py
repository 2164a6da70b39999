"""Browser: the strict CSP refuses nothing the pages themselves need (no inline script or style left),
on a portal, in a workspace (htmx, the language switch, the API docs) and on the console."""

from __future__ import annotations

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


def test_portal_and_workspace_pages_show_no_csp_violation(
    chromium: str, live_server: Any, province: Any, tenant: Any, host_of: Any, settings: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from accounts import demo
    from core.tenancy import in_tenant

    with in_tenant(tenant):
        demo.tenant_people_ensure(password=PASSWORD)
    port = urlparse(live_server.url).port
    portal = f"http://{host_of(tenant, 'portal')}:{port}"
    workspace = f"http://{host_of(tenant)}:{port}"
    expect.set_options(timeout=TIMEOUT_MS)

    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        # a portal page, as the public sees it
        context, page = _new_page(browser, portal)
        try:
            response = page.goto("/")
            assert response is not None
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            expect(page.locator("h1")).to_have_text(tenant.name)
            assert csp_violations(context) == []
        except Exception:
            _screenshot(page, tmp_path / "portal.png")
            raise
        finally:
            context.close()

        # a workspace: sign in, the home page, a page with htmx, the language switch (site.js)
        context, page = _new_page(browser, workspace)
        try:
            sign_in_page(page, "thuyctp")
            expect(page).to_have_url(f"{workspace}/")
            page.goto("/documents/")
            page.locator("select[name='language']").select_option("en")
            expect(page.locator("html")).to_have_attribute("lang", "en")

            # the API docs: Swagger UI from our own static files, started by our own script
            page.goto("/api/docs/")
            expect(page.locator(".swagger-ui .information-container")).to_be_visible()
            expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/documents/")

            assert csp_violations(context) == []
        except Exception:
            _screenshot(page, tmp_path / "workspace.png")
            raise
        finally:
            context.close()
