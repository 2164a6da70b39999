"""Schema-level provisioning: migrate, clone, and the pool of spare schemas.

Creating a tenant must not cost a full migration run. A pool of spare schemas, each fully
migrated and recorded with the fingerprint of the tenant migrations it holds, is kept
topped up in the background; a new tenant takes one with `ALTER SCHEMA ... RENAME`
(milliseconds). Spares whose fingerprint no longer matches the code are dropped, never used.
DDL runs on the owner role's connection (core.dbroles); the rename, which must share the new
tenant's transaction, through a function that runs as the owner.
bench/provisioning.py measures this against migrating and cloning a template.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import uuid
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists as _schema_exists

from core import dbroles
from core.tenancy import in_public, in_schema
from tenants.models import SpareSchema

logger = logging.getLogger(__name__)

SPARE_PREFIX = "spare_"
# One pool refill at a time across processes. A cache lock, not a Postgres advisory lock:
# migrate_schemas closes the connection, which would release a session-level lock mid-refill.
_REFILL_LOCK = "tenants:spare-pool-refill"
_REFILL_LOCK_SECONDS = 900


@functools.cache
def tenant_migrations_fingerprint() -> str:
    """Hash of every tenant-app migration on disk: a spare is usable only while this matches."""
    tenant_labels = {config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    names = sorted(f"{app}.{name}" for app, name in loader.disk_migrations if app in tenant_labels)
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def schema_exists(name: str) -> bool:
    return bool(_schema_exists(name))


def _ddl() -> Any:
    """The connection that runs DDL: the owner role's (core.dbroles), on the public schema. With one
    role it is the default connection, so DDL joins the caller's transaction as it always did."""
    if not dbroles.separate():
        return connection
    ddl: Any = connections[dbroles.OWNER_ALIAS]  # django-tenants' wrapper: schema methods
    ddl.set_schema_to_public()
    return ddl


def _quoted(name: str) -> str:
    from django_tenants.postgresql_backend.base import _check_schema_name

    _check_schema_name(name)
    return str(connection.ops.quote_name(name))


def _migrate(name: str, *, fake: bool = False) -> None:
    with dbroles.owner_as_default():
        call_command(
            "migrate_schemas",
            schema_name=name,
            tenant=True,
            fake=fake,
            database=DEFAULT_DB_ALIAS,
            interactive=False,
            verbosity=0,
            stdout=io.StringIO(),
        )


def schema_migrate(name: str) -> None:
    """Apply the tenant migrations `name` does not have yet (a restored schema from an older version)."""
    with in_public():
        _migrate(name)


def schema_create_migrated(name: str) -> None:
    """CREATE SCHEMA and run every tenant migration in it (the slow, always-correct way)."""
    with in_public():
        ddl = _ddl()
        with ddl.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {_quoted(name)}")
            if ddl.in_atomic_block:
                # Inside the caller's transaction (one role), deferred foreign-key checks of one
                # migration's rows would still be pending when a later one alters that table
                # (Wagtail's data migrations): PostgreSQL refuses that ALTER. Checked at once instead.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _migrate(name)


def schema_clone(template: str, name: str) -> None:
    """Copy `template` with django-tenants' clone_schema, then record its migrations as applied.
    One role only (tests, benchmarks): clone_schema runs on the default connection."""
    with in_public():
        CloneSchema().clone_schema(template, name, "NODATA")
        # The clone holds exactly the template's migrations: their records are copied, not faked
        # (a faked migrate builds the whole migration graph to write the same rows).
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_quoted(name)}.django_migrations (app, name, applied) "  # noqa: S608
                f"SELECT app, name, applied FROM {_quoted(template)}.django_migrations ORDER BY id"
            )
    # A faked migrate builds no models, so content types and permissions would stay empty.
    with in_schema(name):
        emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)


def spare_from_clone(template: str) -> str:
    """A spare made by cloning `template` rather than migrating, prepared and recorded like one
    `spare_create` makes. One role only, like `schema_clone` (tests, benchmarks). Returns its name."""
    from tenants import events

    name = f"{SPARE_PREFIX}{uuid.uuid4().hex[:16]}"
    schema_clone(template, name)
    with transaction.atomic():
        events.spare_migrated(name)
    with in_public():
        SpareSchema.objects.create(name=name, fingerprint=tenant_migrations_fingerprint())
    return name


def schema_drop(name: str) -> None:
    with _ddl().cursor() as cursor:
        # Deferred FK checks still pending on its tables would block the DROP inside a transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP SCHEMA IF EXISTS {_quoted(name)} CASCADE")


def spare_create() -> str:
    """A new spare schema, migrated and recorded (on the owner's connection: with two roles it is
    committed at once, whatever the caller's transaction does). Returns its name."""
    from tenants import events

    name = f"{SPARE_PREFIX}{uuid.uuid4().hex[:16]}"
    try:
        schema_create_migrated(name)
        with transaction.atomic():
            events.spare_migrated(name)
    except Exception:
        with in_public(), transaction.atomic(using=dbroles.owner_alias()):
            schema_drop(name)
        raise
    with in_public():
        SpareSchema.objects.using(dbroles.owner_alias()).create(
            name=name, fingerprint=tenant_migrations_fingerprint()
        )
    return name


def spare_claim_into(schema_name: str, *, spare_name: str | None = None) -> bool:
    """Inside the caller's transaction: rename a current spare (`spare_name`, else the oldest) to
    `schema_name`. False if none is free.

    The rename runs as the owner through `tenants_spare_claim` (tenants/migrations/0002), so the
    runtime role needs no privilege on schemas, and the claim commits or rolls back with the tenant."""
    if not connection.in_atomic_block:
        raise RuntimeError("a spare must be claimed inside the tenant's creation transaction")
    spares = SpareSchema.objects.select_for_update(skip_locked=True).filter(
        fingerprint=tenant_migrations_fingerprint()
    )
    if spare_name is not None:
        spares = spares.filter(name=spare_name)
    spare = spares.order_by("created_at", "id").first()
    if spare is None:
        return False
    _quoted(schema_name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.tenants_spare_claim(%s, %s)", [spare.name, schema_name])
    spare.delete()
    return True


def spare_pool_refill(target: int | None = None) -> int:
    """Drop stale spares and create fresh ones up to `target`. Returns how many were created.

    Safe to run concurrently and repeatedly: a lock lets one refill work at a time.
    """
    target = settings.TENANT_SPARE_POOL_SIZE if target is None else target
    created = 0
    with in_public():
        if not cache.add(_REFILL_LOCK, "1", timeout=_REFILL_LOCK_SECONDS):
            return 0
        try:
            fingerprint = tenant_migrations_fingerprint()
            for stale in SpareSchema.objects.exclude(fingerprint=fingerprint):
                with transaction.atomic(using=dbroles.owner_alias()):
                    schema_drop(stale.name)
                    SpareSchema.objects.using(dbroles.owner_alias()).filter(pk=stale.pk).delete()
            while SpareSchema.objects.filter(fingerprint=fingerprint).count() < target:
                spare_create()
                created += 1
        finally:
            cache.delete(_REFILL_LOCK)
    if created:
        logger.info("spare schema pool: %d created", created)
    return created
