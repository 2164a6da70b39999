from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Tài khoản")

    def ready(self) -> None:
        from accounts import permissions, rules, signals  # noqa: F401  (signals: library hooks)
        from accounts.figures import PROVIDER
        from core.figures import register_provider

        permissions.register(rules.rules())
        register_provider(PROVIDER)
