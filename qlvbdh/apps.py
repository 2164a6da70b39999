from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QlvbdhConfig(AppConfig):
    name = "qlvbdh"
    verbose_name = _("Quản lý văn bản và điều hành")

    def ready(self) -> None:
        from accounts import permissions
        from core.figures import register_provider
        from qlvbdh import reminders  # noqa: F401  (registers its Celery tasks)
        from qlvbdh.figures import PROVIDER
        from qlvbdh.permissions import rules

        permissions.register(rules())
        register_provider(PROVIDER)
