"""Browser: an inspector opens the usage dashboard on the console, its charts (Chart.js from our
own static files) draw under the CSP, and the drill-down to one agency draws its own."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from tests.test_browser import (
    PASSWORD,
    TIMEOUT_MS,
    _browser,
    _new_page,
    _screenshot,
    canvas_inked,
    csp_violations,
    sign_in_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_inspectors_charts_render_in_a_browser(
    chromium: str,
    live_server: Any,
    province: Any,
    tenant: Any,
    other_tenant: Any,
    make_user: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    from oversight.models import UsageFigure

    yesterday = timezone.localdate() - timedelta(days=1)
    for offset, (tenant_, docs, electronic) in enumerate([(tenant, 8, 6), (other_tenant, 5, 1)]):
        for back in range(5):
            UsageFigure.objects.bulk_create(
                UsageFigure(
                    tenant_uuid=tenant_.uuid, day=yesterday - timedelta(days=back), figure=code, value=v
                )
                for code, v in {
                    "docs_in": docs + back + offset,
                    "docs_in_electronic": electronic,
                    "logins": 3,
                }.items()
            )
    make_user(None, "thanhtra", password=PASSWORD, roles=("inspector",))
    base = f"http://{settings.CONSOLE_HOST}:{urlparse(live_server.url).port}"
    expect.set_options(timeout=TIMEOUT_MS)

    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        context, page = _new_page(browser, base)
        try:
            sign_in_page(page, "thanhtra")
            page.goto("/oversight/")
            for chart in ("trend-chart", "league-chart"):
                expect(page.locator(f"#{chart}")).to_have_attribute(
                    "data-chart-ready", "1" if chart == "league-chart" else "5"
                )
                assert canvas_inked(page, chart) > 500, chart
            drawn = page.evaluate("() => window.Chart.getChart('league-chart').data.labels")
            assert drawn == [tenant.name, other_tenant.name]
            page.locator("#league-table").get_by_role("link", name=other_tenant.name).click()
            expect(page.locator("h1")).to_have_text(other_tenant.name)
            expect(page.locator("#agency-chart")).to_have_attribute("data-chart-ready", "5")
            assert canvas_inked(page, "agency-chart") > 500
            series = page.evaluate("() => window.Chart.getChart('agency-chart').data.datasets[0].data")
            assert series[-5:] == [10, 9, 8, 7, 6]  # docs_in of the last five days, oldest first
            assert csp_violations(context) == []
        except Exception:
            _screenshot(page, tmp_path / "oversight.png")
            raise
        finally:
            context.close()
