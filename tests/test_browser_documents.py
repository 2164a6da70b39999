"""Browser: a clerk registers an incoming document and submits it; the head directs and assigns it."""

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


def test_clerk_registers_and_head_assigns(
    chromium: str, live_server: Any, province: Any, tenant: Any, host_of: Any, settings: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from accounts import demo
    from core.tenancy import in_tenant
    from qlvbdh.models import Assignment, Document

    with in_tenant(tenant):
        demo.tenant_people_ensure(password=PASSWORD)
    base = f"http://{host_of(tenant)}:{urlparse(live_server.url).port}"
    expect.set_options(timeout=TIMEOUT_MS)

    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        context, page = _new_page(browser, base)
        try:
            # the clerk (no second factor) registers the document and submits it to the head
            sign_in_page(page, "thuyctp")
            page.goto("/documents/incoming/new/")
            page.fill("#id_issuer_name", "Sở Nội vụ tỉnh Gia Lai")
            page.fill("#id_issuer_code", "000.00.14.H21")
            page.select_option("#id_document_type", "KH")
            page.fill("#id_number", "12")
            page.fill("#id_notation", "KH-SNV")
            page.fill("#id_summary", "Kế hoạch đào tạo cán bộ năm 2027")
            page.locator("#incoming-form button[type='submit']").click()
            expect(page.locator("#arrival-number")).to_have_text("01")
            page.select_option("#id_head", label="Trần Đình Nguyên (nguyentd)")
            page.locator("#submit-to-head").click()
            expect(page.locator("#document-status")).to_have_text("Đã trình")
            document_url = page.url
            assert csp_violations(context) == []  # the strict CSP refused nothing on the way
        except Exception:
            _screenshot(page, tmp_path / "clerk.png")
            raise
        finally:
            context.close()

        context, page = _new_page(browser, base)
        try:
            # the head signs in with the second factor, opens it and assigns the lead
            sign_in_page(page, "nguyentd", enrol=True)
            expect(page).to_have_url(f"{base}/")
            page.goto(document_url)
            page.locator("#direct-link").click()
            page.fill("#id_note", "Giao Văn phòng chủ trì tham mưu.")
            page.select_option("#id_lead_unit", label="Văn phòng")
            page.locator("#direction-form input[name='inform']").first.check()
            page.locator("#direction-form button[type='submit']").click()
            expect(page.locator("#document-status")).to_have_text("Đã giao xử lý")
            expect(page.locator("#timeline [data-kind='directed']")).to_have_count(1)
            assert csp_violations(context) == []  # the strict CSP refused nothing on the way
        except Exception:
            _screenshot(page, tmp_path / "head.png")
            raise
        finally:
            context.close()

    with in_tenant(tenant):
        document = Document.objects.get(notation="KH-SNV")
        assert document.status == "assigned"
        assert document.direction_note == "Giao Văn phòng chủ trì tham mưu."
        lead = Assignment.objects.get(document=document, role="lead")
        assert lead.unit is not None
        assert lead.unit.name == "Văn phòng"
        assert Assignment.objects.filter(document=document, role="inform").count() == 1
