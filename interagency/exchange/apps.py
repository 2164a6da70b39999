from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """Each agency's side of the exchange (tenant schemas): outbox, arrivals, statuses."""

    name = "interagency.exchange"
    label = "exchange"
    verbose_name = _("Văn bản liên thông của cơ quan")

    def ready(self) -> None:
        from interagency.exchange import subscriptions

        subscriptions.connect()
