"""The hub's pages on the province console, included under /hub/ by config/urls_console.py."""

from django.urls import path

from interagency.hub import console_views as views

PEER = "peers/<int:peer_id>/"

urlpatterns = [
    path("", views.hub_home, name="hub-home"),
    path("deliveries/", views.hub_delivery_list, name="hub-delivery-list"),
    path("deliveries/<int:delivery_id>/", views.hub_delivery_detail, name="hub-delivery-detail"),
    path("deliveries/<int:delivery_id>/retry/", views.hub_delivery_retry, name="hub-delivery-retry"),
    path("packets/<uuid:packet_id>/", views.hub_packet_detail, name="hub-packet-detail"),
    path("evidence/", views.hub_evidence_download, name="hub-evidence"),
    path("peers/", views.hub_peer_list, name="hub-peer-list"),
    path("peers/add/", views.hub_peer_add, name="hub-peer-add"),
    path(PEER, views.hub_peer_detail, name="hub-peer-detail"),
    path(PEER + "edit/", views.hub_peer_change, {"change": "edit"}, name="hub-peer-edit"),
    path(
        PEER + "trust-roots/", views.hub_peer_change, {"change": "trust-roots"}, name="hub-peer-trust-roots"
    ),
    path(
        PEER + "remote-secret/",
        views.hub_peer_change,
        {"change": "remote-secret"},
        name="hub-peer-remote-secret",
    ),
    path(PEER + "rotate-secret/", views.hub_peer_secret_rotate, name="hub-peer-secret-rotate"),
    path(PEER + "pause/", views.hub_peer_activity, {"action": "pause"}, name="hub-peer-pause"),
    path(PEER + "resume/", views.hub_peer_activity, {"action": "resume"}, name="hub-peer-resume"),
]
