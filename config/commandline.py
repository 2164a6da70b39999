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
        if len(argv) > 1 and argv[1] in ("migrate", "migrate_schemas"):
            _migrate_as_owner(argv)
        else:
            execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        sys.exit(f"{os.path.basename(argv[0])}: {exc}")


def _migrate_as_owner(argv: list[str]) -> None:
    """Migrations run as the owner role (core.dbroles): with two roles, the `default` connection
    itself is the owner's while they run, since third-party data migrations write through it."""
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    from core import dbroles

    with dbroles.owner_as_default():
        execute_from_command_line(argv)
