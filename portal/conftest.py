"""The portal's fixtures: a tenant's portal site (home page, sections, board groups), made inside
the test's transaction in the tenant's schema, as the tenant-created event makes it."""

from __future__ import annotations

from typing import Any

import pytest

from core.tenancy import in_tenant


def _site_for(tenant: Any) -> Any:
    from portal.services.board import board_groups_ensure
    from portal.services.site import portal_site_ensure
    from portal.services.workflow import board_workflow_ensure

    with in_tenant(tenant):
        site = portal_site_ensure()
        board_groups_ensure()
        board_workflow_ensure()
    return site


@pytest.fixture
def portal(tenant: Any) -> Any:
    """`tenant` with its portal site; returns the tenant."""
    _site_for(tenant)
    return tenant


@pytest.fixture
def other_portal(other_tenant: Any) -> Any:
    _site_for(other_tenant)
    return other_tenant
