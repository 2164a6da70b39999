"""The hub's pages on the province console, included under /hub/ by config/urls_console.py."""

from django.urls import path

from interagency.hub import console_views

urlpatterns = [
    path("", console_views.hub_home, name="hub-home"),
    path("deliveries/", console_views.hub_delivery_list, name="hub-delivery-list"),
    path("deliveries/<int:delivery_id>/", console_views.hub_delivery_detail, name="hub-delivery-detail"),
    path("deliveries/<int:delivery_id>/retry/", console_views.hub_delivery_retry, name="hub-delivery-retry"),
    path("packets/<uuid:packet_id>/", console_views.hub_packet_detail, name="hub-packet-detail"),
    path("evidence/", console_views.hub_evidence_download, name="hub-evidence"),
]
