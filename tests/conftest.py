"""Fixtures of the cross-app tests."""

from __future__ import annotations

import pytest

from tests.test_browser import _chromium_path


@pytest.fixture
def chromium() -> str:
    """Debian's chromium for Playwright; the browser tests are skipped where it is missing."""
    executable = _chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed (apt-get install chromium): browser tests skipped")
    pytest.importorskip("playwright.sync_api")
    return executable


from portal.conftest import other_portal, portal  # noqa: E402  # the portal's fixtures, for the browser test

__all__ = ["other_portal", "portal"]
