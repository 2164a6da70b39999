"""`manage.py tenants create|list|suspend|resume|archive|propose|refill-pool`.

Bad input exits with status 1 and one sentence on stderr; nothing is half-written.
"""

from __future__ import annotations

import getpass
import json
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError, validation_sentence
from tenants import provisioning, selectors, services
from tenants.forms import KIND_CHOICES


class Command(BaseCommand):
    help = "Create, list, suspend, resume and archive tenants (agencies and schools)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        kinds = [k for k, _label in KIND_CHOICES]

        create = sub.add_parser("create", help="create a tenant")
        create.add_argument("--name", required=True)
        create.add_argument("--kind", required=True, choices=kinds)
        create.add_argument(
            "--code", required=True, help="organisation code (mã định danh), e.g. 000.00.15.H21"
        )
        create.add_argument("--parent", help="parent tenant: UUID, schema or organisation code")
        create.add_argument(
            "--workspace-host", help="override the proposed workspace host (label or full host)"
        )
        create.add_argument("--portal-host", help="override the proposed portal host (label or full host)")
        create.add_argument("--json", action="store_true", help="print the result as JSON")

        listing = sub.add_parser("list", help="list tenants")
        listing.add_argument("--status", choices=["active", "suspended", "archived"])
        listing.add_argument("--json", action="store_true")

        for action in ("suspend", "resume", "archive"):
            p = sub.add_parser(action, help=f"{action} a tenant")
            p.add_argument("tenant", help="UUID, schema or organisation code")
            p.add_argument("--reason", default="")

        propose = sub.add_parser("propose", help="show the hosts rule R7 proposes for a name")
        propose.add_argument("--name", required=True)
        propose.add_argument("--kind", required=True, choices=kinds)

        refill = sub.add_parser("refill-pool", help="top up the pool of spare schemas now")
        refill.add_argument("--size", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = services.Actor(label=f"cli:{getpass.getuser()}")
        action = options["action"]
        try:
            if action == "create":
                self._create(actor, options)
            elif action == "list":
                self._list(options)
            elif action in ("suspend", "resume", "archive"):
                tenant = selectors.tenant_get(key=options["tenant"])
                if tenant is None:
                    raise CommandError(f"No tenant matches {options['tenant']!r}.")
                service = getattr(services, f"tenant_{action}")
                tenant = service(actor=actor, tenant=tenant, reason=options["reason"])
                self.stdout.write(f"{tenant.schema_name}\t{tenant.status}")
            elif action == "propose":
                for purpose, host in services.tenant_propose_hosts(
                    name=options["name"], kind=options["kind"]
                ).items():
                    self.stdout.write(f"{purpose}\t{host}")
            elif action == "refill-pool":
                created = provisioning.spare_pool_refill(options["size"])
                self.stdout.write(f"created {created} spare schema(s)")
        except ValidationError as exc:
            raise CommandError(validation_sentence(exc)) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _create(self, actor: services.Actor, options: dict[str, Any]) -> None:
        parent = None
        if options.get("parent"):
            parent = selectors.tenant_get(key=options["parent"])
            if parent is None:
                raise CommandError(f"No parent tenant matches {options['parent']!r}.")
        hosts = {
            purpose: options[key]
            for purpose, key in (("workspace", "workspace_host"), ("portal", "portal_host"))
            if options.get(key)
        }
        tenant = services.tenant_create(
            actor=actor,
            name=options["name"],
            kind=options["kind"],
            org_code=options["code"],
            parent=parent,
            hosts=hosts,
        )
        event = tenant.events.filter(action="create").first()
        hosts_out = {d.purpose: d.domain for d in tenant.domains.all()}
        if options["json"]:
            payload = {"uuid": str(tenant.uuid), "schema": tenant.schema_name, "hosts": hosts_out}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        seconds = event.detail.get("seconds") if event else None
        method = event.detail.get("method") if event else None
        self.stdout.write(f"created {tenant.name} ({tenant.schema_name}) in {seconds}s by {method}")
        for purpose, host in hosts_out.items():
            self.stdout.write(f"  {purpose}: {host}")

    def _list(self, options: dict[str, Any]) -> None:
        tenants = selectors.tenant_list(status=options.get("status"))
        rows = [
            {
                "uuid": str(t.uuid),
                "schema": t.schema_name,
                "name": t.name,
                "kind": t.kind,
                "org_code": t.org_code,
                "status": t.status,
                "hosts": [d.domain for d in t.domains.all()],
            }
            for t in tenants
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                "\t".join(
                    [row["schema"], row["status"], row["org_code"], row["name"], ",".join(row["hosts"])]
                )
            )
