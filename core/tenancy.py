"""The one place that switches schemas (wrapping django-tenants); no raw `SET search_path` elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from django.db import connection as _connection
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context, tenant_context

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
    "tenant_by_key",
    "tenant_model",
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
    if connection.schema_name == schema_name:
        yield schema_name  # already there: a switch would only cost a SET search_path
        return
    with schema_context(schema_name):
        yield schema_name


@contextmanager
def in_public() -> Iterator[None]:
    with in_schema(public_schema_name()):
        yield


def tenant_model() -> type[Tenant]:
    """The Tenant model, for code below the tenants app (core's commands) that may not import it."""
    return cast("type[Tenant]", get_tenant_model())


def tenant_by_key(key: str) -> Tenant | None:
    """An agency's tenant by UUID, schema name or organisation code (what an operator types)."""
    import uuid

    model = tenant_model()
    agencies = model.objects.exclude(kind=model.Kind.PROVINCE)
    try:
        return agencies.filter(uuid=uuid.UUID(key)).first()
    except ValueError:
        pass
    return agencies.filter(schema_name=key).first() or agencies.filter(org_code=key.strip().upper()).first()


def activate_tenant(tenant: Tenant) -> None:
    """For the request middleware only: the rest of the code uses the context managers."""
    connection.set_tenant(tenant)


def activate_public() -> None:
    connection.set_schema_to_public()
