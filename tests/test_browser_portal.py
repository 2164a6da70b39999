"""Browser (chromium): an article goes through the editorial board in the back office (/cms/ on the
workspace host) and out to the public portal, and back down; axe-core finds no serious or critical
violation on the home page, a section and the article.

The database is read only between browser sessions (see tests.test_browser._browser)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

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

AXE = Path(__file__).resolve().parent.parent / "portal" / "tests" / "data" / "axe" / "axe.min.js"
BOARD = {
    "ctv": "contributor",
    "btv": "editor",
    "phoban": "board_deputy",
    "thuky": "board_secretary",
    "truongban": "board_head",
}


def _axe_serious(page: Any) -> list[str]:
    """axe-core's WCAG 2.0/2.1 A and AA rules on the open page: the serious and critical violations.
    Injected through the DevTools protocol, which the page's CSP does not govern."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => JSON.stringify(await axe.run(document, {runOnly: "
        "{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}))"
    )
    violations = json.loads(result)["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def _sign_in(browser: Any, base: str, username: str) -> tuple[Any, Any]:
    context, page = _new_page(browser, base)
    sign_in_page(page, username)
    return context, page


@contextmanager
def _as(browser: Any, base: str, username: str | None, shot: Path) -> Iterator[Any]:
    """A page signed in as `username` (None: a visitor); a screenshot of it if the step fails."""
    context, page = _sign_in(browser, base, username) if username else _new_page(browser, base)
    try:
        yield page
    except Exception:
        _screenshot(page, shot)
        raise
    finally:
        context.close()


def _workflow_click(page: Any, action: str) -> None:
    """A button of the board's step in the editor's footer (inside its dropdown)."""
    page.locator(f'button[data-workflow-action-name="{action}"]').first.evaluate("el => el.click()")


def _names(text: str, slug: str) -> bool:
    """A feed or sitemap names the page: its Vietnamese slug as is, or percent-encoded in a URL."""
    return slug in text or quote(slug) in text


def test_article_through_the_board_to_the_public_and_down(
    chromium: str, live_server: Any, portal: Any, make_user: Any, host_of: Any, settings: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from core.tenancy import in_tenant
    from portal.models import ArticlePage, PortalImage, SectionPage
    from portal.tests.factories import png_bytes

    for username, role in BOARD.items():
        make_user(portal, username, password=PASSWORD, roles=(role,), full_name=f"Người {username}")
    with in_tenant(portal):
        inbox = SectionPage.objects.get(kind=SectionPage.Kind.INBOX)
        news = SectionPage.objects.get(kind=SectionPage.Kind.NEWS)
    port = urlparse(live_server.url).port
    workspace = f"http://{host_of(portal)}:{port}"
    public = f"http://{host_of(portal, 'portal')}:{port}"
    image_file = tmp_path / "anh-le-khai-giang.png"
    image_file.write_bytes(png_bytes("navy", (800, 450)))
    expect.set_options(timeout=TIMEOUT_MS)

    def shot(step: str) -> Path:
        return tmp_path / f"{step}.png"

    # 1. A contributor uploads an image and sends an article with it to the board.
    with (
        _browser(chromium, settings.BASE_DOMAIN) as browser,
        _as(browser, workspace, "ctv", shot("upload")) as page,
    ):
        page.goto("/cms/images/add/")
        page.set_input_files("input[type=file][name=file]", str(image_file))
        page.fill("#id_title", "Ảnh lễ khai giảng")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
    with in_tenant(portal):
        image = PortalImage.objects.get(title="Ảnh lễ khai giảng")
    with (
        _browser(chromium, settings.BASE_DOMAIN) as browser,
        _as(browser, workspace, "ctv", shot("submit")) as page,
    ):
        page.goto(f"/cms/pages/add/portal/articlepage/{inbox.pk}/")
        page.fill("#id_title", "Lễ khai giảng năm học mới")
        page.fill("#id_summary", "Trường tổ chức lễ khai giảng năm học mới.")
        # the slug Wagtail proposes from the title on its "promote" tab
        page.locator("#id_slug").evaluate("el => { el.value = 'le-khai-giang-nam-hoc-moi'; }")
        # the cover, as the image chooser's modal sets it
        page.locator("input[name=cover]").evaluate("(el, id) => { el.value = id; }", str(image.pk))
        with page.expect_navigation():
            page.locator('button[name="action-submit"]').evaluate("el => el.click()")
    with in_tenant(portal):
        article = ArticlePage.objects.get(title="Lễ khai giảng năm học mới")
        assert article.current_workflow_state is not None
        assert article.cover_id == image.pk
        path = "/tin-tuc-su-kien/" + article.slug + "/"

    # 2. The editor files it under news and passes it on; the deputy approves.
    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        with _as(browser, workspace, "btv", shot("edit")) as page:
            page.goto(f"/cms/pages/{article.pk}/move/{news.pk}/confirm/")
            with page.expect_navigation():
                page.locator("form[action*='/move/'] [type=submit]").first.click()
            page.goto(f"/cms/pages/{article.pk}/edit/")
            with page.expect_navigation():
                _workflow_click(page, "approve")
        with _as(browser, workspace, "phoban", shot("approve")) as page:
            page.goto(f"/cms/pages/{article.pk}/edit/")
            with page.expect_navigation():
                _workflow_click(page, "approve")
    with in_tenant(portal):
        article = ArticlePage.objects.get(pk=article.pk)
        assert article.get_parent().pk == news.pk
        assert not article.live
        # The app's only way to an image's file is its signed serve view (nothing serves MEDIA_ROOT;
        # Django's live test server does, so the plain file path is checked by the client tests).
        from wagtail.images.utils import generate_signature

        original = f"/images/{generate_signature(image.pk, 'original')}/{image.pk}/original/"
        rendition = f"/images/{generate_signature(image.pk, 'max-960x720')}/{image.pk}/max-960x720/"

    # 3. Before publishing, the public host reveals nothing of it.
    with (
        _browser(chromium, settings.BASE_DOMAIN) as browser,
        _as(browser, public, None, shot("before")) as page,
    ):
        assert page.goto(path).status == 404
        page.goto("/search/?q=le+khai+giang")
        expect(page.locator("main")).not_to_contain_text("Lễ khai giảng năm học mới")
        for feed in ("/rss/", "/sitemap.xml"):
            assert not _names(page.goto(feed).text(), article.slug)
        assert page.goto(original).status == 404
        assert page.goto(rendition).status == 404

    # 4. The secretary publishes; a visitor finds it on the portal, in search, RSS and the sitemap.
    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        with _as(browser, workspace, "thuky", shot("publish")) as page:
            page.goto(f"/cms/pages/{article.pk}/edit/")
            _workflow_click(page, "publish")
            with page.expect_navigation():
                page.locator(".modal form button[type=submit]").click()
        with _as(browser, public, None, shot("public")) as page:
            assert page.goto(path).status == 200
            expect(page.locator("h1")).to_have_text("Lễ khai giảng năm học mới")
            image_src = page.locator("article img").first.get_attribute("src")
            assert image_src.startswith("/images/")
            assert page.goto(image_src).status == 200
            for url in (path, "/", "/tin-tuc-su-kien/"):  # an article, the home page, a section
                page.goto(url)
                assert _axe_serious(page) == [], url
            page.goto("/search/?q=le+khai+giang")
            expect(page.locator("main")).to_contain_text("Lễ khai giảng năm học mới")
            assert _names(page.goto("/rss/").text(), article.slug)
            assert _names(page.goto("/sitemap.xml").text(), article.slug)

    # 5. The board head takes it down with a reason: 404 again.
    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        with _as(browser, workspace, "truongban", shot("takedown")) as page:
            page.goto(f"/cms/portal/take-down/{article.pk}/")
            page.select_option("#id_reason", "stale")
            page.fill("#id_note", "Thông tin đã cũ")
            with page.expect_navigation():
                page.locator("#take-down-form button[type=submit]").click()
        with _as(browser, public, None, shot("after")) as page:
            assert page.goto(path).status == 404
    with in_tenant(portal):
        assert not ArticlePage.objects.get(pk=article.pk).live


def test_visitor_feedback_answered_and_published_on_the_qa_page(
    chromium: str, live_server: Any, portal: Any, make_user: Any, host_of: Any, settings: Any, tmp_path: Path
) -> None:
    """P8: a visitor sends feedback and gets a tracking code; a secretary answers it in the back
    office and publishes it (the visitor agreed); the visitor reads the answer on the Q&A page.
    P7: on the way, the secretary's activity report draws its Chart.js charts under the CSP."""
    from playwright.sync_api import expect

    from core.tenancy import in_tenant
    from portal.models import Feedback
    from portal.tests.factories import article_create

    settings.PORTAL_FORM_MIN_SECONDS = 1
    make_user(portal, "thuky", password=PASSWORD, roles=("board_secretary",), full_name="Người thư ký")
    with in_tenant(portal):
        article_create(title="Tin tháng này", slug="tin-thang-nay")  # a figure for the report's charts
    port = urlparse(live_server.url).port
    workspace = f"http://{host_of(portal)}:{port}"
    public = f"http://{host_of(portal, 'portal')}:{port}"
    expect.set_options(timeout=TIMEOUT_MS)

    # 1. The visitor sends the form and gets a tracking code.
    with (
        _browser(chromium, settings.BASE_DOMAIN) as browser,
        _as(browser, public, None, tmp_path / "send.png") as page,
    ):
        page.goto("/feedback/")
        page.fill("#id_name", "Nguyễn Văn An")
        page.fill("#id_contact", "an@example.vn")
        page.fill("#id_subject", "Giờ đón học sinh")
        page.fill("#id_text", "Xin nhà trường cho biết giờ đón học sinh buổi chiều.")
        page.check("#id_consent_publish")
        page.wait_for_timeout(1500)  # a person takes longer than the minimum fill time
        with page.expect_navigation():
            page.locator("#feedback-form button[type=submit]").click()
        code = page.locator("#tracking-code").inner_text().strip()
        assert len(code) == 10
    with in_tenant(portal):
        item = Feedback.objects.get(tracking_code=code)

    # 2. The secretary answers and publishes it.
    with (
        _browser(chromium, settings.BASE_DOMAIN) as browser,
        _as(browser, workspace, "thuky", tmp_path / "answer.png") as page,
    ):
        page.goto(f"/cms/portal/feedback/{item.pk}/")
        page.fill("#id_answer-answer", "Nhà trường đón học sinh lúc 16 giờ 30.")
        with page.expect_navigation():
            page.locator("#answer-form button[type=submit]").click()
        with page.expect_navigation():
            page.locator("#publish-form button[type=submit]").click()
        expect(page.locator("#status")).to_contain_text("Đã công khai")
        # the month's activity report: both charts drawn (pixels on the canvas), one article published
        page.goto(f"/cms/portal/reports/?period={timezone.localdate():%Y-%m}")
        for chart in ("activity-chart", "units-chart"):
            expect(page.locator(f"#{chart}")).to_have_attribute("data-chart-ready", "1")
            assert canvas_inked(page, chart) > 500, chart
        published = page.evaluate("() => window.Chart.getChart('activity-chart').data.datasets[0].data[1]")
        assert published == 1
        assert csp_violations(page.context) == []

    # 3. The visitor sees the answer on the Q&A page, and by the tracking code; no contact shows.
    with (
        _browser(chromium, settings.BASE_DOMAIN) as browser,
        _as(browser, public, None, tmp_path / "qa.png") as page,
    ):
        page.goto("/feedback/answers/")
        expect(page.locator("main")).to_contain_text("Nhà trường đón học sinh lúc 16 giờ 30.")
        expect(page.locator("main")).not_to_contain_text("an@example.vn")
        page.goto(f"/feedback/track/?code={code}")
        expect(page.locator("#answer")).to_contain_text("16 giờ 30")
        assert _axe_serious(page) == []
