from django.urls import path

from collab.api import resources

urlpatterns = [
    path("resources/", resources.ResourceListApi.as_view(), name="api-resource-list"),
    path("bookings/", resources.BookingListApi.as_view(), name="api-booking-list"),
    path("bookings/<str:key>/approve/", resources.booking_action_api("approve"), name="api-booking-approve"),
    path("bookings/<str:key>/reject/", resources.booking_action_api("reject"), name="api-booking-reject"),
    path("bookings/<str:key>/cancel/", resources.booking_action_api("cancel"), name="api-booking-cancel"),
]
