"""An agency's own oversight pages on its workspace: its usage report and its support requests."""

from django.urls import path

from oversight.views import agencies

urlpatterns = [
    path("usage-report/", agencies.usage_report_view, name="usage-report"),
    path("support/", agencies.agency_support_list_view, name="support-list"),
    path("support/<str:key>/", agencies.agency_support_detail_view, name="support-detail"),
]
