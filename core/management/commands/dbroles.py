"""`manage.py dbroles apply|check`: the runtime role's least privileges (core.dbroles).

`apply` grants them in every schema (idempotent; run after the roles are made and after migrating);
`check` exits 1 with a sentence per thing the runtime role could do that it should not.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core import dbroles


class Command(BaseCommand):
    help = (
        "Grant the runtime database role its least privileges (apply), or report what it may do "
        "beyond them (check)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("apply", help="grant the runtime role its privileges in every schema")
        sub.add_parser("check", help="exit 1 if the runtime role may do more than it should")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "apply":
            try:
                statements = dbroles.apply()
            except dbroles.RolesError as exc:
                raise CommandError(str(exc)) from exc
            if options["verbosity"] >= 2:
                for statement in statements:
                    self.stdout.write(statement)
            self.stdout.write(f"{len(statements)} grant statement(s) applied for {dbroles.runtime_role()}")
            return
        found = dbroles.problems()
        if found:
            raise CommandError(" ".join(found))
        self.stdout.write(f"{dbroles.runtime_role()} has least privilege")
