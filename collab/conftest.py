"""Fixtures of the collab tests: the agency's people are qlvbdh's (head, clerk, official, office)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from qlvbdh.conftest import clerk, head, office, official  # noqa: F401  (fixtures shared, not copied)


@pytest.fixture
def colleague(tenant: Any, official: Any) -> Any:  # noqa: F811  (the imported fixture, by name)
    """Another official of the same division as `official`."""
    return UserFactory.create(
        tenant=tenant,
        username="dongnghiep",
        full_name="Phạm Thị Đồng",
        roles=["official"],
        unit=official.unit,
    )
