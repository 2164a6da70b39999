from django.urls import path

from portal.api import views

urlpatterns = [
    path("pages/", views.PageListApi.as_view(), name="portal-api-pages"),
    path("pages/<int:pk>/", views.PageDetailApi.as_view(), name="portal-api-page"),
    path("search/", views.SearchApi.as_view(), name="portal-api-search"),
]
