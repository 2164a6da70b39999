"""The base of every factory whose rows live in a tenant schema.

`SomeFactory.create(tenant=t, ...)` builds the row and everything it needs (sub-factories included)
inside `t`'s schema; without `tenant` the row goes to the schema active at the call.
"""

from __future__ import annotations

from typing import Any, TypeVar

import factory
from django.db.models import Model

from core.tenancy import in_tenant

M = TypeVar("M", bound=Model)


class InTenantFactory(factory.django.DjangoModelFactory[M]):
    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @classmethod
    def _generate(cls, strategy: Any, params: dict[str, Any]) -> Any:
        tenant = params.pop("tenant", None)
        if tenant is None:
            return super()._generate(strategy, params)
        with in_tenant(tenant):
            return super()._generate(strategy, params)
