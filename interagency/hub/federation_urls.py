"""`/federation/v1/` on the console host: the endpoint other hubs call (see federation_views)."""

from django.urls import path

from interagency.hub import federation_views as views

urlpatterns = [
    path("packets/", views.PacketsView.as_view(), name="federation-packets"),
    path("packets/<uuid:packet_id>/", views.PacketView.as_view(), name="federation-packet"),
    path("packets/<uuid:packet_id>/ack", views.PacketAckView.as_view(), name="federation-packet-ack"),
]
