"""Fixtures of the tenants app's tests: the province's people on the console host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory


@pytest.fixture
def operator(province: Any, signed_in: Callable[..., Client]) -> Client:
    """A client signed in as a provincial operator on the console."""
    return signed_in(Client(), UserFactory.create(tenant=province, username="operator1", roles=["operator"]))


@pytest.fixture
def inspector(province: Any, signed_in: Callable[..., Client]) -> Client:
    """A client signed in as a provincial inspector on the console."""
    return signed_in(
        Client(), UserFactory.create(tenant=province, username="inspector1", roles=["inspector"])
    )
