"""An agency's own backups on its workspace (its IT officer), under /backups/."""

from django.urls import path

from backups import views

urlpatterns = [
    path("", views.my_backups_view, name="my-backups"),
    path("start/", views.my_backup_start_view, name="my-backup-start"),
    path("<uuid:key>/download/", views.my_backup_download_view, name="my-backup-download"),
]
