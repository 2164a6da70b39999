"""`manage.py portal ensure-sites [--tenant KEY]`: every tenant's portal site, the board's groups
(from the roles held in accounts) and its workflow, made or completed. Idempotent.

`manage.py portal report --tenant KEY --period 2026-11|2026-S1|2026-2027 --format pdf|xlsx -o FILE`:
the board's activity report (P7) of one tenant, written to FILE.

Exit status 1 with a sentence when the tenant named is unknown or the period is not one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import validation_sentence
from core.tenancy import in_tenant, tenant_by_key, tenant_model


class Command(BaseCommand):
    help = "Make or complete each tenant's portal site, board groups and workflow; or write a report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["ensure-sites", "report"])
        parser.add_argument("--tenant", help="UUID, schema name or organisation code; default: every tenant")
        parser.add_argument("--period", help="report: 2026-11, 2026-S1, 2026-2027 or 2026-11-03..2026-12-10")
        parser.add_argument(
            "--format", choices=["pdf", "xlsx"], default="pdf", help="report: the file's format"
        )
        parser.add_argument("-o", "--output", help="report: the file to write")
        parser.add_argument("--proposals", default="", help="report: the proposals section's text")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "report":
            self._report(options)
            return
        from portal.demo import portal_site_ready

        model = tenant_model()
        if options.get("tenant"):
            tenants = [self._tenant(options["tenant"])]
        else:
            tenants = list(model.objects.exclude(kind=model.Kind.PROVINCE).order_by("id"))
        for tenant in tenants:
            with in_tenant(tenant):
                portal_site_ready()
            self.stdout.write(f"{tenant.schema_name}: portal site ready")

    def _tenant(self, key: str) -> Any:
        tenant = tenant_by_key(key)
        if tenant is None:
            raise CommandError(f"No tenant is known as {key!r}.")
        return tenant

    def _report(self, options: dict[str, Any]) -> None:
        from core.audit import Actor
        from portal.deadlines import period_parse
        from portal.reports import report_export

        if not options.get("tenant") or not options.get("period") or not options.get("output"):
            raise CommandError("A report needs --tenant, --period and -o FILE.")
        tenant = self._tenant(options["tenant"])
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"The folder {str(output.parent)!r} does not exist.")
        with in_tenant(tenant):
            try:
                period = period_parse(options["period"])
            except ValidationError as exc:
                raise CommandError(validation_sentence(exc)) from exc
            data = report_export(
                actor=Actor(label="manage.py portal report"),
                period=period,
                fmt=options["format"],
                proposals=options.get("proposals") or "",
                agency_name=str(tenant.name),
            )
        output.write_bytes(data)
        self.stdout.write(f"{tenant.schema_name}: {period.label} -> {output} ({len(data)} bytes)")
