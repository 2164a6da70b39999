"""An agency's or school's public portal (its tenant schema)."""

from django.urls import path

from config.urls_common import urlpatterns as common
from portal import views as portal_views

urlpatterns = [
    *common,
    path("", portal_views.portal_home, name="home"),
]
