"""`manage.py portal ensure-sites [--tenant KEY]`: every tenant's portal site, the board's groups
(from the roles held in accounts) and its workflow, made or completed. Idempotent.

Exit status 1 with a sentence when the tenant named is unknown."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.tenancy import in_tenant, tenant_by_key, tenant_model


class Command(BaseCommand):
    help = "Make or complete each tenant's portal site, board groups and workflow."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["ensure-sites"])
        parser.add_argument("--tenant", help="UUID, schema name or organisation code; default: every tenant")

    def handle(self, *args: Any, **options: Any) -> None:
        from portal.demo import portal_site_ready

        model = tenant_model()
        if options.get("tenant"):
            tenant = tenant_by_key(options["tenant"])
            if tenant is None:
                raise CommandError(f"No tenant is known as {options['tenant']!r}.")
            tenants = [tenant]
        else:
            tenants = list(model.objects.exclude(kind=model.Kind.PROVINCE).order_by("id"))
        for tenant in tenants:
            with in_tenant(tenant):
                portal_site_ready()
            self.stdout.write(f"{tenant.schema_name}: portal site ready")
