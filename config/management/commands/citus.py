"""`manage.py citus status|distribute`: tenant schemas on a Citus cluster (schema-based sharding).

Each tenant schema is placed whole on one worker node and queries routed by search_path keep
working; the public schema (the province's tables) stays on the coordinator. `distribute` turns
schema-based sharding on for the database, so every schema made from now on (the spare pool's,
hence every new tenant's) is distributed when created, and distributes each existing tenant
schema that is not yet. Run as the owner role (DATABASE_OWNER_URL), against the coordinator;
idempotent, so the migration Job runs it after every migration when CITUS_SCHEMA_SHARDING=1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from psycopg import sql

# Every schema Django migrated, but the province's own: the tenants', spares' and restored ones.
_TENANT_SCHEMAS = """
    SELECT n.nspname FROM pg_namespace n
    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'django_migrations' AND c.relkind = 'r'
    WHERE n.nspname <> 'public' ORDER BY n.nspname
"""


class Command(BaseCommand):
    help = "Citus schema-based sharding: show which tenant schemas are distributed, or distribute them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "distribute"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        alias = "owner" if "owner" in connections.databases else "default"
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
            row = cursor.fetchone()
            if row is None:
                raise CommandError(
                    "This database has no Citus extension: connect DATABASE_OWNER_URL to the Citus "
                    "coordinator's database (where CREATE EXTENSION citus was run) first."
                )
            cursor.execute(_TENANT_SCHEMAS)
            schemas = [name for (name,) in cursor.fetchall()]
            cursor.execute("SELECT schema_name::text FROM citus_schemas")
            distributed = {name for (name,) in cursor.fetchall()}
            if action == "status":
                for name in schemas:
                    self.stdout.write(f"{name}\t{'distributed' if name in distributed else 'local'}")
                self.stdout.write(
                    f"{len(distributed & set(schemas))} of {len(schemas)} tenant schemas distributed"
                )
                return
            cursor.execute("SELECT current_database()")
            (database,) = cursor.fetchone()
            cursor.execute(
                sql.SQL("ALTER DATABASE {} SET citus.enable_schema_based_sharding TO on").format(
                    sql.Identifier(database)
                )
            )
            for name in schemas:
                if name not in distributed:
                    cursor.execute("SELECT citus_schema_distribute(%s::regnamespace)", [name])
                    self.stdout.write(f"{name}\tdistributed")
            self.stdout.write(f"{len(schemas)} tenant schemas distributed; new schemas will be too")
