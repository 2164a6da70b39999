"""Shared fixtures: real tenants (own schemas, own hosts) in the real PostgreSQL test database,
and `signed_in` for every test that is not about signing in itself.

The schemas are made once per test database; the Tenant and Domain rows are made per test
(inside its transaction), because a transactional test's flush empties the public tables.
Factories for rows live in each app's `tests/factories.py`; app-only fixtures in `<app>/conftest.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from accounts.tests.factories import PASSWORD as PASSWORD
from core.tenancy import activate_public, current_schema, in_public, in_schema, in_tenant
from tenants.tests.factories import ALPHA, BETA, GAMMA, TEST_TENANTS, TenantFactory


@pytest.fixture(scope="session", autouse=True)
def _test_database_may_truncate_audit(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The audit trail refuses TRUNCATE, but Django empties a test database between transactional
    tests with TRUNCATE: this test database (only) is marked so its audit triggers let it through.
    The mark is a comment on the database, which only its owner may write (core/migrations/0004);
    no session setting opens the trail."""
    from django.db import connection
    from psycopg import sql

    if not str(connection.settings_dict["NAME"]).startswith("test_"):
        return  # no test of this run uses the database: pytest-django made no test database
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        name = sql.Identifier(connection.settings_dict["NAME"]).as_string(cursor.connection)
        cursor.execute(f"COMMENT ON DATABASE {name} IS 'tinhso test database'")


@pytest.fixture(scope="session")
def tenant_schemas(django_db_setup: Any, django_db_blocker: Any) -> None:
    from tenants import provisioning

    # The first schema is migrated; the others are cloned from it, as provisioning makes tenants
    # from its spare pool (one migrate instead of three: the slowest part of a test database).
    with django_db_blocker.unblock():
        template = TEST_TENANTS[0].schema
        if not provisioning.schema_exists(template):
            provisioning.schema_create_migrated(template)
        for spec in TEST_TENANTS[1:]:
            if not provisioning.schema_exists(spec.schema):
                provisioning.schema_clone(template, spec.schema)


@pytest.fixture
def spare_pool(tenant_schemas: None) -> Callable[..., list[str]]:
    """`spare_pool(n)`: n spare schemas in the pool (tenants.provisioning), cloned from the test
    template inside the test's transaction, so the tenants a test creates take one as in production
    instead of migrating a schema each (half a minute apiece). Tests of the migrating path do not use it."""
    from tenants import provisioning

    def fill(count: int = 1) -> list[str]:
        return [provisioning.spare_from_clone(TEST_TENANTS[0].schema) for _ in range(count)]

    return fill


@pytest.fixture
def province(db: Any) -> Any:
    from tenants.services import public_tenant_ensure

    return public_tenant_ensure(name="UBND tỉnh Thử nghiệm", org_code="000.00.00.H21")


@pytest.fixture
def tenant(db: Any, tenant_schemas: None) -> Any:
    return TenantFactory.create(spec=ALPHA)


@pytest.fixture
def other_tenant(db: Any, tenant_schemas: None) -> Any:
    return TenantFactory.create(spec=BETA)


@pytest.fixture
def third_tenant(db: Any, tenant_schemas: None) -> Any:
    return TenantFactory.create(spec=GAMMA)


def cache_clear_keys(prefix: str) -> None:
    """Empty the cache; under a key prefix (a parallel worker, config.pytest_workers) only the keys
    made with it (`<schema>:<prefix>:<version>:<key>`), never another worker's."""
    from django.core.cache import cache

    if not prefix:
        cache.clear()
        return
    client = cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match=f"*:{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Counters kept in the cache (failed logins per address) must not leak from test to test."""
    cache_clear_keys(str(settings.CACHES["default"].get("KEY_PREFIX", "")))


@pytest.fixture(autouse=True)
def _public_schema_after_test() -> Iterator[None]:
    yield
    activate_public()


# Rows every migrated schema keeps: emptying them would only make post_migrate write them again.
_KEPT_TABLES = ("django_migrations", "django_content_type", "auth_permission")


def _tables_with_rows(cursor: Any, tables: list[str]) -> list[str]:
    """The given (quoted) tables that hold a row, in one query. TRUNCATE costs about the same for an
    empty table as for a full one (new files for it and its indexes): after a transactional test
    most of the ~370 tables are empty, and emptying only the others saves seconds per test."""
    if not tables:
        return []
    probes = ", ".join(f"EXISTS (SELECT FROM {table})" for table in tables)
    cursor.execute(f"SELECT ARRAY[{probes}]")
    return [table for table, full in zip(tables, cursor.fetchone()[0], strict=True) if full]


@pytest.fixture(scope="session", autouse=True)
def _flush_only_tables_with_rows() -> Iterator[None]:
    """Django's flush after a transactional test TRUNCATEs every public table; the same statement
    for only the tables that hold rows leaves the database in the same state, much sooner."""
    from django.core.management.commands import flush

    original = flush.sql_flush  # type: ignore[attr-defined]  # imported into the command's module

    def sql_flush(style: Any, connection: Any, reset_sequences: bool = True, **_: Any) -> Any:
        names = [
            name
            for name in connection.introspection.django_table_names(only_existing=True, include_views=False)
            if name not in _KEPT_TABLES
        ]
        with connection.cursor() as cursor:
            quoted = [connection.ops.quote_name(name) for name in names]
            full = set(_tables_with_rows(cursor, quoted))
        tables = [name for name, quoted_name in zip(names, quoted, strict=True) if quoted_name in full]
        # CASCADE: a table left out because it is empty may still reference one that is emptied.
        return connection.ops.sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=True)

    flush.sql_flush = sql_flush  # type: ignore[attr-defined]
    yield
    flush.sql_flush = original  # type: ignore[attr-defined]


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
        cursor.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname = ANY(%s) AND NOT tablename = ANY(%s)",
            [[spec.schema for spec in TEST_TENANTS], list(_KEPT_TABLES)],
        )
        tables = _tables_with_rows(cursor, [row[0] for row in cursor.fetchall()])
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


@pytest.fixture
def make_user() -> Callable[..., Any]:
    """Create an account inside a tenant's schema (or the public one when tenant is None)."""
    from django.contrib.auth import get_user_model

    def make(
        tenant: Any, username: str, password: str = PASSWORD, roles: tuple[str, ...] = (), **fields: Any
    ) -> Any:
        from accounts import events
        from accounts.models import RoleGrant, folded_name_of

        User = get_user_model()
        fields.setdefault("folded_name", folded_name_of(fields.get("full_name", "")))
        with in_tenant(tenant) if tenant is not None else in_public():
            user = User.objects.create_user(username=username, password=password, **fields)
            for role in roles:
                RoleGrant.objects.create(user=user, role=role, granted_by="test")
            if roles:
                events.publish(events.RolesChanged(user=user))  # as accounts.services does
        return user

    return make


def together(count: int, call: Callable[[int], None]) -> list[Exception]:
    """`call(0)` ... `call(count - 1)` in threads released at once (a barrier), each closing its
    own database connection; returns what they raised (a thread's exception is otherwise lost)."""
    import threading

    from django.db import connection

    barrier, failures = threading.Barrier(count), []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            call(index)
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return failures


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

        host = settings.CONSOLE_HOST if tenant is None else host_of(tenant, purpose)
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


def _host_of_schema(schema: str, purpose: str) -> str:
    from tenants.models import Domain

    if schema == settings.PUBLIC_SCHEMA_NAME:
        return str(settings.CONSOLE_HOST)
    with in_public():
        return str(Domain.objects.get(tenant__schema_name=schema, purpose=purpose).domain)


def signed_in_client(client: Client, user: Any, *, tenant: Any = None, purpose: str = "workspace") -> Client:
    """`client`, bound to the host of `user`'s tenant and signed in as `user`, with the second
    factor passed when the account needs one (as the login pages leave the session).

    The tenant is `tenant`, else the schema the user's factory made it in, else the active schema.
    Only tests about signing in itself go through the login pages (the `sign_in` fixture).
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.security import second_factor_required

    schema = (
        tenant.schema_name
        if tenant is not None
        else getattr(user, "_tinhso_schema", None) or current_schema()
    )
    with in_schema(schema):
        client.force_login(user, backend="accounts.backends.AccountBackend")
        if second_factor_required(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="signed_in", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    client.defaults["HTTP_HOST"] = _host_of_schema(schema, purpose)
    return client


@pytest.fixture
def signed_in() -> Callable[..., Client]:
    """`signed_in(client, user)`: the client signed in as `user` on their tenant's workspace host."""
    return signed_in_client


# Tests that take minutes to set up (whole deployments, make run's stack, a database under two
# roles): collected first, so a parallel run (`--dist worksteal`) starts them at once and does not
# end with one worker busy on them while the others wait.
_SLOW_FIRST = ("interagency/exchange/tests/test_vxp_sdk.py", "tests/test_dbroles.py", "tests/faults/")
_SLOW_MARKERS = ("federation", "vxp_sdk")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    def slow(item: Any) -> bool:
        return item.nodeid.startswith(_SLOW_FIRST) or any(item.get_closest_marker(m) for m in _SLOW_MARKERS)

    items.sort(key=lambda item: not slow(item))  # stable: the order within each part stays


def _golden_deployment_database_drop() -> None:
    """The federation tests' golden database (interagency/exchange/tests/deployments.py) lives for
    one run: the controlling process drops it at the end, once every worker is done with it."""
    import contextlib
    import os

    import psycopg

    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    from interagency.exchange.tests.deployments import Server

    server = Server.of_test_database()
    with contextlib.suppress(psycopg.Error):  # a server already gone has nothing left to drop
        server.drop_golden()


def pytest_unconfigure(config: Any) -> None:
    # Leave no embedded service behind that this test run started.
    from config import embedded

    _golden_deployment_database_drop()
    embedded.stop_redis()
    if embedded.started_postgres():
        embedded.stop_postgres()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto's) on loopback, for the tests that store files in S3."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
