"""Shared fixtures: two real tenants (own schemas, own hosts) in the real PostgreSQL test database.

The schemas are made once per test database; the Tenant and Domain rows are made per test
(inside its transaction), because a transactional test's flush empties the public tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from core.tenancy import activate_public, in_public, in_tenant

ALPHA = {"schema": "test_alpha", "name": "Sở Thử nghiệm A", "code": "000.00.91.H21", "label": "alpha"}
BETA = {"schema": "test_beta", "name": "Sở Thử nghiệm B", "code": "000.00.92.H21", "label": "beta"}
GAMMA = {"schema": "test_gamma", "name": "UBND xã Thử nghiệm C", "code": "000.21.93.H21", "label": "gamma"}


@pytest.fixture(scope="session", autouse=True)
def _test_database_may_truncate_audit(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The audit trail refuses TRUNCATE, but Django empties a test database between transactional
    tests with TRUNCATE: this test database (only) is marked so its audit trigger lets it through."""
    from django.db import connection
    from psycopg import sql

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        name = sql.Identifier(connection.settings_dict["NAME"]).as_string(cursor.connection)
        cursor.execute(f"ALTER DATABASE {name} SET tinhso.audit_truncate = 'test-database'")
        cursor.execute("SET tinhso.audit_truncate = 'test-database'")


@pytest.fixture(scope="session")
def tenant_schemas(django_db_setup: Any, django_db_blocker: Any) -> None:
    from tenants import provisioning

    with django_db_blocker.unblock():
        for spec in (ALPHA, BETA, GAMMA):
            if not provisioning.schema_exists(spec["schema"]):
                provisioning.schema_create_migrated(spec["schema"])


def _ensure_tenant(spec: dict[str, str]) -> Any:
    from tenants.models import Domain, Tenant

    tenant, _ = Tenant.objects.get_or_create(
        schema_name=spec["schema"],
        defaults={"name": spec["name"], "kind": Tenant.Kind.DEPARTMENT, "org_code": spec["code"]},
    )
    for purpose, host in (
        ("workspace", f"{spec['label']}.{settings.BASE_DOMAIN}"),
        ("portal", f"{spec['label']}-portal.{settings.BASE_DOMAIN}"),
    ):
        Domain.objects.get_or_create(
            domain=host, defaults={"tenant": tenant, "purpose": purpose, "is_primary": purpose == "workspace"}
        )
    return tenant


@pytest.fixture
def province(db: Any) -> Any:
    from tenants.services import public_tenant_ensure

    return public_tenant_ensure(name="UBND tỉnh Thử nghiệm", org_code="000.00.00.H21")


@pytest.fixture
def tenant(db: Any, tenant_schemas: None) -> Any:
    return _ensure_tenant(ALPHA)


@pytest.fixture
def other_tenant(db: Any, tenant_schemas: None) -> Any:
    return _ensure_tenant(BETA)


@pytest.fixture
def third_tenant(db: Any, tenant_schemas: None) -> Any:
    return _ensure_tenant(GAMMA)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Counters kept in the cache (failed logins per address) must not leak from test to test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _public_schema_after_test() -> Iterator[None]:
    yield
    activate_public()


@pytest.fixture(autouse=True)
def _empty_tenant_schemas_after_transactional_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Django's flush empties only the public schema's tables; committed tenant rows would leak into
    later tests. TRUNCATE empties the test tenants too (see `_test_database_may_truncate_audit`)."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    from django.db import connection

    with connection.cursor() as cursor:
        for spec in (ALPHA, BETA, GAMMA):
            cursor.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname = %s AND tablename NOT IN ('django_migrations', 'django_content_type', "
                "'auth_permission')",
                [spec["schema"]],
            )
            tables = [row[0] for row in cursor.fetchall()]
            if tables:
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


@pytest.fixture
def host_of() -> Callable[..., str]:
    def host(tenant: Any, purpose: str = "workspace") -> str:
        return str(tenant.domains.get(purpose=purpose).domain)

    return host


@pytest.fixture
def client_for() -> Callable[[str], Client]:
    """A test client that sends every request with the given Host, as a browser on that subdomain."""

    def make(host: str) -> Client:
        return Client(HTTP_HOST=host)

    return make


PASSWORD = "correct horse battery"


@pytest.fixture
def make_user() -> Callable[..., Any]:
    """Create an account inside a tenant's schema (or the public one when tenant is None)."""
    from django.contrib.auth import get_user_model

    def make(
        tenant: Any, username: str, password: str = PASSWORD, roles: tuple[str, ...] = (), **fields: Any
    ) -> Any:
        from accounts.models import RoleGrant, folded_name_of

        User = get_user_model()
        fields.setdefault("folded_name", folded_name_of(fields.get("full_name", "")))
        with in_tenant(tenant) if tenant is not None else in_public():
            user = User.objects.create_user(username=username, password=password, **fields)
            for role in roles:
                RoleGrant.objects.create(user=user, role=role, granted_by="test")
        return user

    return make


def totp_now(device: Any) -> str:
    """The code an authenticator app shows now, or in the next step if now's was just used."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t is not None and totp.t() <= device.last_t:
        totp.time = time.time() + device.step  # within django-otp's tolerance of one step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def sign_in(host_of: Callable[..., str]) -> Callable[..., Client]:
    """Sign in through the real login pages, with the second factor when the account needs one.

    `tenant` None means the province console. Returns the client, signed in.
    """

    def do(tenant: Any, username: str, password: str = PASSWORD, purpose: str = "workspace") -> Client:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        host = settings.BASE_DOMAIN if tenant is None else host_of(tenant, purpose)
        client = Client(HTTP_HOST=host)
        response = client.post("/login/", {"username": username, "password": password})
        assert response.status_code == 302, response.content.decode()[:2000]
        step = response["Location"]
        if step.startswith("/login/setup/"):
            assert client.get(step).status_code == 200  # shows the QR code and makes the device
        if step.startswith(("/login/setup/", "/login/verify/")):
            with in_tenant(tenant) if tenant is not None else in_public():
                device = TOTPDevice.objects.get(user__username=username)
            response = client.post(step, {"token": totp_now(device)})
            assert response.status_code == 302, response.content.decode()[:2000]
        return client

    return do


def pytest_unconfigure(config: Any) -> None:
    # Leave no embedded service behind that this test run started.
    from config import embedded

    embedded.stop_redis()
    if embedded.started_postgres():
        embedded.stop_postgres()
