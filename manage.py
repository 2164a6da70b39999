#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("SECRET_KEY") and not os.environ.get("DATABASE_URL"):
        # The embedded defaults (nothing configured): the same kept key as `make run`, so the
        # README's commands work on a fresh checkout. A configured deployment (DATABASE_URL set)
        # must set SECRET_KEY itself; settings refuse to start without it unless DEBUG is on.
        from config import embedded

        os.environ["SECRET_KEY"] = embedded.kept_secret_key()
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        sys.exit(f"manage.py: {exc}")


if __name__ == "__main__":
    main()
