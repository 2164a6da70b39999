"""Fixtures of the QLVBĐH tests: the people of the `tenant` agency, one per workspace role.

A test module's own fixture of the same name wins; build anything more with the factories in
`qlvbdh/tests/factories.py` and `accounts/tests/factories.py`, and sign in with `signed_in`.
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.tests.factories import OrgUnitFactory, UserFactory


@pytest.fixture
def office(tenant: Any) -> Any:
    """The agency's office (Văn phòng), where the head and the clerk sit."""
    return OrgUnitFactory.create(tenant=tenant, name="Văn phòng", kind="office")


@pytest.fixture
def head(tenant: Any, office: Any) -> Any:
    return UserFactory.create(
        tenant=tenant, username="thutruong", full_name="Nguyễn Văn Thủ", roles=["head"], unit=office
    )


@pytest.fixture
def clerk(tenant: Any, office: Any) -> Any:
    return UserFactory.create(
        tenant=tenant, username="vanthu", full_name="Lê Thị Thư", roles=["clerk"], unit=office
    )


@pytest.fixture
def official(tenant: Any) -> Any:
    """An official of a division of their own (not the office)."""
    division = OrgUnitFactory.create(tenant=tenant, name="Phòng Nghiệp vụ")
    return UserFactory.create(
        tenant=tenant, username="chuyenvien", full_name="Trần Văn Chuyên", roles=["official"], unit=division
    )
