"""`manage.py province init`: a new installation's province and its first operator.

The public schema's row and the console's host (CONSOLE_HOST), then, if the province has no
operator yet, one account with the operator role and a one-time password printed once: its owner
signs in on the console, sets a password and enrols an authenticator. Run again, it changes
nothing. (`seed_demo` is the demo's; this is a real installation's first step.)
"""

from __future__ import annotations

import getpass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.roles import Role
from accounts.services.users import AccountData, user_create
from core.audit import Actor
from core.errors import ApplicationError, validation_sentence
from core.tenancy import in_public
from tenants.services import public_tenant_ensure


class Command(BaseCommand):
    help = "Create the province (public schema, console host) and its first operator, once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["init"])
        parser.add_argument("--name", required=True, help='e.g. "UBND tỉnh Gia Lai"')
        parser.add_argument("--org-code", required=True, help="the province's organisation code")
        parser.add_argument("--operator", required=True, help="the first operator's full name")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor(label=f"cli:{getpass.getuser()}")
        try:
            province = public_tenant_ensure(name=options["name"], org_code=options["org_code"])
            with in_public():
                existing = User.objects.filter(
                    role_grants__role=Role.OPERATOR, role_grants__revoked_at__isnull=True
                ).first()
                if existing is not None:
                    self.stdout.write(
                        f"{province.name}: the console is https://{settings.CONSOLE_HOST}/ and its operator "
                        f"{existing.username} exists; nothing changed."
                    )
                    return
                user, password = user_create(
                    actor=actor, data=AccountData(full_name=options["operator"], roles=[Role.OPERATOR])
                )
        except ValidationError as exc:
            raise CommandError(validation_sentence(exc)) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{province.name}: console https://{settings.CONSOLE_HOST}/, operator {user.username}, "
            f"one-time password {password} (shown once; a new password and an authenticator at first sign-in)"
        )
