"""The workspace pages of collab (included at the root of the workspace host, before qlvbdh's)."""

from django.urls import path

from collab.views import home, resources

urlpatterns = [
    path("", home.home_view, name="home"),
    path("resources/", resources.resource_home_view, name="collab-resources"),
    path("resources/new/", resources.resource_create_view, name="collab-resource-create"),
    path(
        "resources/bookings/<str:key>/<str:action>/",
        resources.booking_action_view,
        name="collab-booking-action",
    ),
]
