from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Nhật ký hệ thống")

    def ready(self) -> None:
        from core import dbroles

        # Once per migrate (core is migrated in every schema): the runtime role's grants there.
        post_migrate.connect(dbroles.after_migrate, sender=self, dispatch_uid="core.dbroles.after_migrate")
