"""The console's backup pages (public schema), under /backups/."""

from django.urls import path

from backups import views

urlpatterns = [
    path("", views.console_backups_view, name="backup-console"),
    path("alerts/", views.console_alerts_view, name="backup-console-alerts"),
    path("drills/", views.console_drills_view, name="backup-console-drills"),
    path("tenants/<str:key>/", views.console_tenant_view, name="backup-console-tenant"),
    path("restore/<uuid:key>/", views.console_restore_view, name="backup-console-restore"),
    path("<str:action>/<str:key>/", views.console_action_view, name="backup-console-action"),
]
