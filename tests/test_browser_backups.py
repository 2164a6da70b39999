"""Browser: the agency's IT officer backs up their tenant from its workspace and downloads it."""

from __future__ import annotations

import json
import tarfile
import threading
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


def test_it_officer_backs_up_and_downloads_their_tenant(
    chromium: str, live_server: Any, province: Any, tenant: Any, host_of: Any, settings: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from accounts import demo
    from accounts.models import User
    from backups.officer import backup_own_run
    from core.tenancy import in_tenant

    settings.BACKUP_S3_BUCKET = ""
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    with in_tenant(tenant):
        demo.tenant_people_ensure(password=PASSWORD)
        officer = User.objects.get(username="admin")
    base = f"http://{host_of(tenant)}:{urlparse(live_server.url).port}"
    expect.set_options(timeout=TIMEOUT_MS)

    with _browser(chromium, settings.BASE_DOMAIN) as browser:
        context, page = _new_page(browser, base)
        try:
            sign_in_page(page, "admin", enrol=True)
            page.get_by_role("link", name="Sao lưu", exact=True).click()
            expect(page.locator("h1")).to_have_text("Sao lưu dữ liệu của đơn vị")
            page.get_by_role("button", name="Sao lưu ngay").click()
            expect(page.locator(".messages")).to_contain_text("Đã bắt đầu sao lưu")

            # The task's body, in a thread of its own (Playwright's loop runs in this one).
            done: list[Any] = []
            worker = threading.Thread(
                target=lambda: done.append(
                    backup_own_run(tenant_uuid=str(tenant.uuid), user_uuid=str(officer.uuid))
                )
            )
            worker.start()
            worker.join()
            (backup,) = done
            assert backup is not None
            page.reload()
            with page.expect_download() as download_info:
                page.get_by_role("link", name="Tải về").first.click()
            download = download_info.value
            assert download.suggested_filename.startswith(tenant.org_code)
            saved = tmp_path / "download.tar"
            download.save_as(saved)
            assert csp_violations(context) == []
        except Exception:
            _screenshot(page, tmp_path / "officer-backup.png")
            raise
        finally:
            context.close()

    with tarfile.open(saved) as tar:
        assert tar.getnames() == ["manifest.json", "schema.dump", "files.tar"]
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["backup"] == str(backup.uuid)
    assert manifest["tenant"]["schema"] == tenant.schema_name
