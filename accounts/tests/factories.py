"""People of an agency (or of the province) for tests: accounts with roles, units, positions.

    head = UserFactory.create(tenant=tenant, roles=["head"], unit=office)
    clerk = UserFactory.create(tenant=tenant, roles=["clerk"])
    operator = UserFactory.create(tenant=None, roles=["operator"])   # in the schema active now

Every account has the password `PASSWORD`. Rows are what accounts.services would store: the
folded name filled, roles as active RoleGrant rows. Sign a person in with the `signed_in` fixture.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import factory

from accounts import events
from accounts.models import OrgUnit, Position, RoleGrant, User, folded_name_of
from core.tenancy import current_schema
from core.tests.factories import InTenantFactory

PASSWORD = "correct horse battery"


class OrgUnitFactory(InTenantFactory[OrgUnit]):
    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"Phòng Thử nghiệm {n}")
    folded_name = factory.LazyAttribute(lambda o: folded_name_of(o.name))
    kind = OrgUnit.Kind.DIVISION


class PositionFactory(InTenantFactory[Position]):
    class Meta:
        model = Position

    name = factory.Sequence(lambda n: f"Chuyên viên bậc {n}")
    folded_name = factory.LazyAttribute(lambda o: folded_name_of(o.name))


class UserFactory(InTenantFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"nguoidung{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    folded_name = factory.LazyAttribute(lambda o: folded_name_of(o.full_name))
    password = factory.django.Password(PASSWORD)
    unit = None

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: Iterable[str] | None, **kwargs: Any) -> None:
        if create:
            for role in extracted or ():
                RoleGrant.objects.create(user=obj, role=role, granted_by="test")
            if extracted:
                events.publish(events.RolesChanged(user=obj))  # as accounts.services does

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        user: User = super()._create(model_class, *args, **kwargs)
        # The schema the account lives in, so `signed_in` finds its host without being told.
        user._tinhso_schema = current_schema()  # type: ignore[attr-defined]
        return user


def api_token(
    user: User, *, tenant: Any = None, scope: str = "write", days: int = 30, name: str = "test"
) -> str:
    """A personal API token of `user`, made through the service as the command line makes one.

    The schema is `tenant`'s, else the one the factory made the user in, else the active one."""
    from accounts.services.tokens import token_create
    from core.audit import Actor
    from core.tenancy import in_schema

    schema = (
        tenant.schema_name
        if tenant is not None
        else getattr(user, "_tinhso_schema", None) or current_schema()
    )
    with in_schema(schema):
        _made, secret = token_create(actor=Actor(label="test"), user=user, name=name, scope=scope, days=days)
    return secret


def bearer(user: User, **options: Any) -> dict[str, str]:
    """Request headers for the test client: `client.get(path, **bearer(user, tenant=t))`."""
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token(user, **options)}"}
