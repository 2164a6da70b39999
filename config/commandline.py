"""Django's command line for a checkout (`manage.py`) and for an installed copy (`tinhso`)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("DATABASE_URL"):
        # The embedded defaults (nothing configured): the same kept secrets as `make run`, so the
        # README's commands work on a fresh checkout. A configured deployment (DATABASE_URL set)
        # must set SECRET_KEY and HUB_KEY_SECRET itself; settings refuse to start without them
        # unless DEBUG is on.
        from config import embedded

        if not os.environ.get("SECRET_KEY"):
            os.environ["SECRET_KEY"] = embedded.kept_secret_key()
        if not os.environ.get("HUB_KEY_SECRET"):
            os.environ["HUB_KEY_SECRET"] = embedded.kept_hub_key_secret()
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(_as_owner_when_migrating(argv))
    except ImproperlyConfigured as exc:
        sys.exit(f"{os.path.basename(argv[0])}: {exc}")


def _as_owner_when_migrating(argv: list[str]) -> list[str]:
    """Migrations run as the owner role (core.dbroles): with two roles, `migrate` and
    `migrate_schemas` take the `owner` alias unless told another."""
    if len(argv) < 2 or argv[1] not in ("migrate", "migrate_schemas"):
        return argv
    if any(arg == "--database" or arg.startswith("--database=") for arg in argv[2:]):
        return argv
    from django.conf import settings

    return [*argv, "--database", "owner"] if "owner" in settings.DATABASES else argv
