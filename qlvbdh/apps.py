from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QlvbdhConfig(AppConfig):
    name = "qlvbdh"
    verbose_name = _("Quản lý văn bản và điều hành")

    def ready(self) -> None:
        from accounts import permissions
        from qlvbdh import reminders  # noqa: F401  (registers its Celery tasks)
        from qlvbdh.permissions import rules

        permissions.register(rules())
