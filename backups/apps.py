from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    name = "backups"
    verbose_name = _("Sao lưu")

    def ready(self) -> None:
        from backups.figures import PROVIDER
        from core.figures import register_provider

        register_provider(PROVIDER)
