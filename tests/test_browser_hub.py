"""Browser: a document issued by agency A arrives through the hub; B's clerk accepts it."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from interagency.hub.services.deliveries import work
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


def test_clerk_accepts_a_document_from_the_hub(
    chromium: str,
    live_server: Any,
    province: Any,
    tenant: Any,
    other_tenant: Any,
    host_of: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    from accounts import demo
    from core.tenancy import in_tenant
    from interagency.exchange.models import InboxItem
    from interagency.exchange.tests.flows import issue_to, office

    with in_tenant(other_tenant):
        demo.tenant_people_ensure(password=PASSWORD)
    sent = issue_to(tenant, office(tenant), [other_tenant], summary="Về việc thử nghiệm trục liên thông")
    work()
    base = f"http://{host_of(other_tenant)}:{urlparse(live_server.url).port}"
    expect.set_options(timeout=TIMEOUT_MS)

    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        context, page = _new_page(browser, base)
        try:
            sign_in_page(page, "thuyctp")
            page.get_by_role("link", name="Văn bản đến qua trục").click()
            page.get_by_role("link", name="Về việc thử nghiệm trục liên thông").click()
            expect(page.locator("#item-attachments")).to_contain_text("cong-van.pdf")
            page.locator("#accept-button").click()
            expect(page.locator("#arrival-number")).to_have_text("01")
            expect(page.locator(".messages")).to_contain_text("số đến 01")
            expect(page.locator("h1")).to_have_text("Về việc thử nghiệm trục liên thông")
            assert csp_violations(context) == []  # the strict CSP refused nothing on the way
        except Exception:
            _screenshot(page, tmp_path / "clerk.png")
            raise
        finally:
            context.close()

    with in_tenant(other_tenant):
        item = InboxItem.objects.select_related("document").get()
        assert item.state == InboxItem.State.ACCEPTED
        assert item.document is not None
        assert (item.document.number, item.document.notation) == (sent.number, sent.notation)
