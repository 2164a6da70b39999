"""The one place that switches schemas (wrapping django-tenants); no raw `SET search_path` elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from django.db import connection as _connection
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

if TYPE_CHECKING:
    from tenants.models import Tenant

__all__ = [
    "activate_public",
    "activate_tenant",
    "current_schema",
    "in_public",
    "in_schema",
    "in_tenant",
    "public_schema_name",
]

# django-tenants' wrapper adds schema methods the Django stubs do not know.
connection = cast(Any, _connection)


def public_schema_name() -> str:
    return str(get_public_schema_name())


def current_schema() -> str:
    return str(connection.schema_name)


@contextmanager
def in_tenant(tenant: Tenant) -> Iterator[Tenant]:
    with tenant_context(tenant):
        yield tenant


@contextmanager
def in_schema(schema_name: str) -> Iterator[str]:
    with schema_context(schema_name):
        yield schema_name


@contextmanager
def in_public() -> Iterator[None]:
    with schema_context(public_schema_name()):
        yield


def activate_tenant(tenant: Tenant) -> None:
    """For the request middleware only: the rest of the code uses the context managers."""
    connection.set_tenant(tenant)


def activate_public() -> None:
    connection.set_schema_to_public()
