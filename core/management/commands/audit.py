"""`manage.py audit verify [--tenant <schema|code|uuid|public>]`: check each schema's audit chain.

Prints one line per schema: `ok <count>` or `BROKEN at entry <id>`; exits 1 when any chain is broken.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_verify
from core.models import AuditEntry
from core.tenancy import in_schema, public_schema_name, tenant_by_key, tenant_model


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail (R11) in one schema or in all of them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="report the first broken link of each chain")
        verify.add_argument("--tenant", help="one tenant (schema, organisation code or UUID) or 'public'")

    def handle(self, *args: Any, **options: Any) -> None:
        key = options.get("tenant")
        if key == public_schema_name():
            schemas = [public_schema_name()]
        elif key:
            tenant = tenant_by_key(key)
            if tenant is None:
                raise CommandError(f"No tenant matches {key!r}.")
            schemas = [str(tenant.schema_name)]
        else:
            schemas = [
                public_schema_name(),
                *tenant_model()
                .objects.exclude(schema_name=public_schema_name())
                .order_by("schema_name")
                .values_list("schema_name", flat=True),
            ]
        broken = 0
        for schema in schemas:
            with in_schema(schema):
                first_bad = audit_verify()
                count = AuditEntry.objects.count()
            if first_bad is None:
                self.stdout.write(f"{schema}\tok {count}")
            else:
                broken += 1
                self.stdout.write(f"{schema}\tBROKEN at entry {first_bad}")
        if broken:
            raise CommandError(f"{broken} audit chain(s) broken; see above.")
