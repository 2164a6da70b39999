from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("Theo dõi, đánh giá")

    def ready(self) -> None:
        from core.panels import register_home_panel
        from oversight.views.agencies import reminders_panel

        register_home_panel("oversight.reminders", reminders_panel)
