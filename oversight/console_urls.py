"""The console's oversight pages (under /oversight/)."""

from django.urls import path

from oversight.views import agencies, dashboard, ranking

urlpatterns = [
    path("", dashboard.dashboard_view, name="oversight-dashboard"),
    path("export.<str:fmt>", dashboard.dashboard_export_view, name="oversight-export"),
    path("agencies/<str:key>/", dashboard.agency_view, name="oversight-agency"),
    path("agencies/<str:key>/export.<str:fmt>", dashboard.agency_export_view, name="oversight-agency-export"),
    path("ranking/", ranking.ranking_view, name="oversight-ranking"),
    path("ranking/export.<str:fmt>", ranking.ranking_export_view, name="oversight-ranking-export"),
    path("ranking/schemes/new/", ranking.scheme_create_view, name="oversight-scheme-create"),
    path("ranking/<int:year>/<str:kind>/", ranking.scheme_view, name="oversight-scheme"),
    path(
        "ranking/<int:year>/<str:kind>/remove/",
        ranking.indicator_remove_view,
        name="oversight-indicator-remove",
    ),
    path("ranking/<int:year>/<str:kind>/publish/", ranking.ranking_publish_view, name="oversight-publish"),
    path("lagging/", agencies.lagging_view, name="oversight-lagging"),
    path("reports/", agencies.consolidated_view, name="oversight-reports"),
    path("support/", agencies.console_support_list_view, name="oversight-support-list"),
    path("support/<str:key>/", agencies.console_support_detail_view, name="oversight-support-detail"),
    path("support/<str:key>/close/", agencies.console_support_close_view, name="oversight-support-close"),
]
