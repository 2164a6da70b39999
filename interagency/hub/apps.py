from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    """The province's hub (public schema only): directory, packets, deliveries, federation."""

    name = "interagency.hub"
    label = "hub"
    verbose_name = _("Trục liên thông văn bản")
