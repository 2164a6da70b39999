from django.apps import AppConfig
from django.contrib.auth.signals import user_login_failed
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Nhật ký hệ thống")

    def ready(self) -> None:
        from core import dbroles, dbsession, logs, metrics

        # Once per migrate (core is migrated in every schema): the runtime role's grants there.
        post_migrate.connect(dbroles.after_migrate, sender=self, dispatch_uid="core.dbroles.after_migrate")
        connection_created.connect(dbsession.session_settings_apply, dispatch_uid="core.dbsession")
        user_login_failed.connect(metrics.login_failed, dispatch_uid="core.metrics.login_failed")
        logs.celery_signals_connect()
