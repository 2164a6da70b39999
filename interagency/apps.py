from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteragencyConfig(AppConfig):
    name = "interagency"
    verbose_name = _("Trục liên thông văn bản")

    def ready(self) -> None:
        from interagency import services
        from qlvbdh import events

        events.subscribe(events.DocumentIssued, services.on_document_issued)
        events.subscribe(events.DocumentRevoked, services.on_document_revoked)
        events.subscribe(events.DocumentProgressed, services.on_document_progressed)
        events.add_document_panel(services.exchange_panel)
