from django.urls import path

from qlvbdh.api import views

urlpatterns = [
    path("registers/", views.RegisterListApi.as_view(), name="api-register-list"),
    path("documents/", views.DocumentListApi.as_view(), name="api-document-list"),
    path("documents/incoming/", views.IncomingRegisterApi.as_view(), name="api-document-incoming"),
    path("documents/<str:key>/", views.DocumentDetailApi.as_view(), name="api-document-detail"),
]
