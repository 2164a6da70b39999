"""`/vxp/` on the console host: the national axis's API for e-office products (see vxp_views)."""

from django.urls import path

from interagency.hub import vxp_views as views

urlpatterns = [
    path("<str:call>", views.VxpCallView.as_view(), name="vxp-call"),
]
