"""`manage.py accounts <action> --tenant <schema> ...`: import, lock, unlock, reset-password,
reset-second-factor, grant, token-create, token-revoke, propose.

Runs inside one tenant's schema (or the public one with `--tenant public`). Bad input exits with
status 1 and one sentence; an import with bad rows writes nothing unless --skip-bad-rows.
"""

from __future__ import annotations

import getpass
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken, User
from accounts.services.credentials import second_factor_reset, user_reset_password
from accounts.services.imports import import_cancel, import_confirm, import_preview, import_rows_check
from accounts.services.roles import role_grant
from accounts.services.tokens import token_create, token_revoke
from accounts.services.users import user_lock, user_propose_username, user_unlock
from core.audit import Actor
from core.errors import ApplicationError, validation_sentence
from core.tenancy import in_schema, public_schema_name, tenant_by_key


class Command(BaseCommand):
    help = "Manage a tenant's accounts from the shell: bulk import, lock, unlock, one-time reset, roles."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        def command(name: str, help_text: str) -> ArgumentParser:
            p = sub.add_parser(name, help=help_text)
            p.add_argument(
                "--tenant",
                required=True,
                help="tenant schema, organisation code or UUID; 'public' for the province",
            )
            return p

        imp = command("import", "import staff from an XLSX or CSV file")
        imp.add_argument("file")
        imp.add_argument(
            "--dry-run", action="store_true", help="print 'full name<TAB>account name' and write nothing"
        )
        imp.add_argument(
            "--skip-bad-rows", action="store_true", help="create the good rows even if some rows are bad"
        )

        for name, text in (
            ("lock", "lock an account at once"),
            ("unlock", "unlock an account and clear failed logins"),
        ):
            p = command(name, text)
            p.add_argument("username")
            p.add_argument("--reason", default="")
        reset = command("reset-password", "issue a one-time password that forces a new one")
        reset.add_argument("username")
        device = command(
            "reset-second-factor", "remove a lost authenticator; the next sign-in enrols a new one"
        )
        device.add_argument("username")
        grant = command("grant", "grant a role")
        grant.add_argument("username")
        grant.add_argument("role")
        token = command("token-create", "make a personal API token for an account; prints it once")
        token.add_argument("username")
        token.add_argument("--name", required=True, help="what the token is for")
        token.add_argument("--scope", choices=["read", "write"], default="read")
        token.add_argument("--days", type=int, default=90, help="days until it expires")
        revoke = command("token-revoke", "revoke every live API token of an account")
        revoke.add_argument("username")
        propose = command("propose", "show the account name rule R8 gives for a full name")
        propose.add_argument("full_name")
        propose.add_argument("--birth-year", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        schema = self._schema(options["tenant"])
        actor = Actor(label=f"cli:{getpass.getuser()}")
        try:
            with in_schema(schema):
                getattr(self, "_" + options["action"].replace("-", "_"))(actor, options)
        except ValidationError as exc:
            raise CommandError(validation_sentence(exc)) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    @staticmethod
    def _schema(key: str) -> str:
        if key == public_schema_name():
            return key
        tenant = tenant_by_key(key)
        if tenant is None:
            raise CommandError(f"No tenant matches {key!r}.")
        if tenant.status == tenant.Status.ARCHIVED:
            raise CommandError(f"Tenant {tenant.schema_name} is archived.")
        return str(tenant.schema_name)

    @staticmethod
    def _user(username: str) -> User:
        user = User.objects.filter(username=username.strip().lower()).first()
        if user is None:
            raise CommandError(f"No account named {username!r} in this tenant.")
        return user

    def _import(self, actor: Actor, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}.")
        if options["dry_run"]:
            rows = import_rows_check(actor=actor, filename=path.name, content=path.read_bytes())
            for row in rows:
                if row["errors"]:
                    errors = cast(list[str], row["errors"])
                    self.stderr.write(f"line {row['line']}: {row['full_name'] or '-'}: {' '.join(errors)}")
                else:
                    self.stdout.write(f"{row['full_name']}\t{row['username']}")
            return
        batch = import_preview(actor=actor, filename=path.name, content=path.read_bytes())
        for row in batch.bad_rows:
            errors = cast(list[str], row["errors"])
            self.stderr.write(f"line {row['line']}: {row['full_name'] or '-'}: {' '.join(errors)}")
        if batch.bad_rows and not options["skip_bad_rows"]:
            import_cancel(actor=actor, batch=batch)
            raise CommandError(
                f"{len(batch.bad_rows)} of {len(batch.rows)} rows have errors (listed above); nothing was "
                "written. Fix them, or pass --skip-bad-rows to create the good rows only."
            )
        batch = import_confirm(actor=actor, batch=batch)
        for row in batch.good_rows:
            self.stdout.write(f"{row['full_name']}\t{row['username']}")
        self.stderr.write(
            f"created {batch.created_count} accounts; each needs a one-time password (reset-password)."
        )

    def _lock(self, actor: Actor, options: dict[str, Any]) -> None:
        user = user_lock(actor=actor, user=self._user(options["username"]), reason=options["reason"])
        self.stdout.write(f"{user.username}\tlocked")

    def _unlock(self, actor: Actor, options: dict[str, Any]) -> None:
        user = user_unlock(actor=actor, user=self._user(options["username"]), reason=options["reason"])
        self.stdout.write(f"{user.username}\tunlocked")

    def _reset_password(self, actor: Actor, options: dict[str, Any]) -> None:
        user, password = user_reset_password(actor=actor, user=self._user(options["username"]))
        self.stdout.write(f"{user.username}\t{password}")

    def _reset_second_factor(self, actor: Actor, options: dict[str, Any]) -> None:
        user = second_factor_reset(actor=actor, user=self._user(options["username"]))
        self.stdout.write(f"{user.username}\tauthenticator removed")

    def _grant(self, actor: Actor, options: dict[str, Any]) -> None:
        user = role_grant(actor=actor, user=self._user(options["username"]), role=options["role"])
        self.stdout.write(f"{user.username}\t{options['role']}")

    def _token_create(self, actor: Actor, options: dict[str, Any]) -> None:
        made, secret = token_create(
            actor=actor,
            user=self._user(options["username"]),
            name=options["name"],
            scope=options["scope"],
            days=options["days"],
        )
        self.stdout.write(f"{made.user.username}\t{made.expires_at:%Y-%m-%d}\t{secret}")

    def _token_revoke(self, actor: Actor, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
            token_revoke(actor=actor, token=token)
            self.stdout.write(f"{user.username}\t{token.name}\trevoked")

    def _propose(self, actor: Actor, options: dict[str, Any]) -> None:
        self.stdout.write(
            user_propose_username(full_name=options["full_name"], birth_year=options["birth_year"])
        )
