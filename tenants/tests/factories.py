"""Tenants for tests: rows over the schemas the root conftest creates once per test database.

A test never makes a schema of its own (that is provisioning's job, tested in test_services):
`TenantFactory.create()` is the tenant of schema `test_alpha`, `TenantFactory.create(spec=BETA)`
the second one.
The rows (not the schemas) are made inside each test's transaction, and made again after a
transactional test's flush; `django_get_or_create` makes a repeated call return the same row.
"""

from __future__ import annotations

from dataclasses import dataclass

import factory
from django.conf import settings

from tenants.models import Domain, Tenant


@dataclass(frozen=True)
class TenantSpec:
    schema: str
    name: str
    code: str
    label: str  # workspace host `<label>.<BASE_DOMAIN>`, portal `<label>-portal.<BASE_DOMAIN>`
    kind: str = Tenant.Kind.DEPARTMENT


ALPHA = TenantSpec("test_alpha", "Sở Thử nghiệm A", "000.00.91.H21", "alpha")
BETA = TenantSpec("test_beta", "Sở Thử nghiệm B", "000.00.92.H21", "beta")
GAMMA = TenantSpec("test_gamma", "UBND xã Thử nghiệm C", "000.21.93.H21", "gamma")
# Every schema the session creates; no other tenant schema exists in a test database.
TEST_TENANTS = (ALPHA, BETA, GAMMA)


def workspace_host(spec: TenantSpec) -> str:
    return f"{spec.label}.{settings.BASE_DOMAIN}"


def portal_host(spec: TenantSpec) -> str:
    return f"{spec.label}-portal.{settings.BASE_DOMAIN}"


class TenantFactory(factory.django.DjangoModelFactory[Tenant]):
    """One of the session's test tenants, with its workspace and portal hosts."""

    class Meta:
        model = Tenant
        django_get_or_create = ("schema_name",)
        skip_postgeneration_save = True

    class Params:
        spec = ALPHA

    schema_name = factory.LazyAttribute(lambda o: o.spec.schema)
    name = factory.LazyAttribute(lambda o: o.spec.name)
    kind = factory.LazyAttribute(lambda o: o.spec.kind)
    org_code = factory.LazyAttribute(lambda o: o.spec.code)

    @factory.post_generation
    def domains(obj: Tenant, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        spec = next(spec for spec in TEST_TENANTS if spec.schema == obj.schema_name)
        for purpose, host in (("workspace", workspace_host(spec)), ("portal", portal_host(spec))):
            Domain.objects.get_or_create(
                domain=host,
                defaults={"tenant": obj, "purpose": purpose, "is_primary": purpose == "workspace"},
            )

    @classmethod
    def _create(cls, model_class: type[Tenant], *args: object, **kwargs: object) -> Tenant:
        schema = kwargs.get("schema_name")
        if schema not in {spec.schema for spec in TEST_TENANTS}:
            raise ValueError(
                f"{schema!r} is not a test schema: use one of {[s.schema for s in TEST_TENANTS]} "
                "(made once per test database), or tenants.services to provision a real one"
            )
        return super()._create(model_class, *args, **kwargs)
