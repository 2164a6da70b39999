from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Cổng thông tin điện tử")

    def ready(self) -> None:
        from accounts import events as account_events
        from accounts import permissions
        from core.figures import register_provider
        from portal import receivers
        from portal.figures import PROVIDER
        from portal.permissions import rules
        from tenants import events as tenant_events

        tenant_events.subscribe(tenant_events.SpareMigrated, receivers.spare_migrated)
        tenant_events.subscribe(tenant_events.TenantCreated, receivers.tenant_created)
        account_events.subscribe(account_events.RolesChanged, receivers.roles_changed)
        receivers.connect_page_signals()
        permissions.register(rules())
        register_provider(PROVIDER)
        receivers.admin_unregister_tenant_cms()
        from qlvbdh import events as document_events

        document_events.add_document_panel(receivers.outgoing_document_panel)
