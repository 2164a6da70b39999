from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteragencyConfig(AppConfig):
    name = "interagency"
    verbose_name = _("Trục liên thông văn bản")
