"""Schema-level provisioning: migrate, clone, and the pool of spare schemas.

Creating a tenant must not cost a full migration run. A pool of spare schemas, each fully
migrated and recorded with the fingerprint of the tenant migrations it holds, is kept
topped up in the background; a new tenant takes one with `ALTER SCHEMA ... RENAME`
(milliseconds). Spares whose fingerprint no longer matches the code are dropped, never used.
bench/provisioning.py measures this against migrating and cloning a template.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import uuid

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists as _schema_exists

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


def _quoted(name: str) -> str:
    from django_tenants.postgresql_backend.base import _check_schema_name

    _check_schema_name(name)
    return str(connection.ops.quote_name(name))


def _migrate(name: str, *, fake: bool = False) -> None:
    call_command(
        "migrate_schemas",
        schema_name=name,
        tenant=True,
        fake=fake,
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
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {_quoted(name)}")
        _migrate(name)


def schema_clone(template: str, name: str) -> None:
    """Copy `template` with django-tenants' clone_schema, then record its migrations as applied."""
    with in_public():
        CloneSchema().clone_schema(template, name, "NODATA")
        _migrate(name, fake=True)
    # A faked migrate builds no models, so content types and permissions would stay empty.
    with in_schema(name):
        emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)


def schema_rename(old: str, new: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {_quoted(old)} RENAME TO {_quoted(new)}")


def schema_drop(name: str) -> None:
    with connection.cursor() as cursor:
        # Deferred FK checks still pending on its tables would block the DROP inside a transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP SCHEMA IF EXISTS {_quoted(name)} CASCADE")


def spare_claim_into(schema_name: str) -> bool:
    """Inside the caller's transaction: rename a current spare to `schema_name`. False if none."""
    if not connection.in_atomic_block:
        raise RuntimeError("a spare must be claimed inside the tenant's creation transaction")
    spare = (
        SpareSchema.objects.select_for_update(skip_locked=True)
        .filter(fingerprint=tenant_migrations_fingerprint())
        .order_by("created_at", "id")
        .first()
    )
    if spare is None:
        return False
    schema_rename(spare.name, schema_name)
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
                with transaction.atomic():
                    schema_drop(stale.name)
                    stale.delete()
            while SpareSchema.objects.filter(fingerprint=fingerprint).count() < target:
                name = f"{SPARE_PREFIX}{uuid.uuid4().hex[:16]}"
                try:
                    schema_create_migrated(name)
                except Exception:
                    with in_public(), transaction.atomic():
                        schema_drop(name)
                    raise
                SpareSchema.objects.create(name=name, fingerprint=fingerprint)
                created += 1
        finally:
            cache.delete(_REFILL_LOCK)
    if created:
        logger.info("spare schema pool: %d created", created)
    return created
