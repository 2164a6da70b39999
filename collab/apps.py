from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollabConfig(AppConfig):
    name = "collab"
    verbose_name = _("Điều hành, phối hợp")

    def ready(self) -> None:
        from accounts import permissions
        from collab.figures import PROVIDER
        from collab.permissions import rules
        from collab.views.panels import discussion_panel
        from core.figures import register_provider
        from qlvbdh import events

        permissions.register(rules())
        register_provider(PROVIDER)
        events.add_document_panel(discussion_panel)
