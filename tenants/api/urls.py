from django.urls import path

from tenants.api import views

urlpatterns = [
    path("tenants/", views.TenantListCreateApi.as_view(), name="api-tenant-list"),
    path("tenants/propose-hosts/", views.HostProposalApi.as_view(), name="api-tenant-propose-hosts"),
    path("tenants/<str:key>/", views.TenantDetailApi.as_view(), name="api-tenant-detail"),
    path("tenants/<str:key>/suspend/", views.TenantSuspendApi.as_view(), name="api-tenant-suspend"),
    path("tenants/<str:key>/resume/", views.TenantResumeApi.as_view(), name="api-tenant-resume"),
    path("tenants/<str:key>/archive/", views.TenantArchiveApi.as_view(), name="api-tenant-archive"),
]
