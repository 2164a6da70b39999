"""An agency's QLVBĐH workspace (its tenant schema)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.urls import manage_urlpatterns
from config.urls_common import urlpatterns as common
from qlvbdh import sharing_views
from qlvbdh import views as qlvbdh_views

urlpatterns = [
    *common,
    *manage_urlpatterns,
    path("", qlvbdh_views.workspace_home, name="home"),
    path("documents/", qlvbdh_views.document_list_view, name="document-list"),
    path("documents/incoming/new/", qlvbdh_views.incoming_create_view, name="incoming-create"),
    path("documents/outgoing/new/", qlvbdh_views.outgoing_create_view, name="outgoing-create"),
    path("documents/<str:key>/step/<str:step>/", qlvbdh_views.document_step_view, name="document-step"),
    path("registers/", qlvbdh_views.register_list_view, name="register-list"),
    path("dossiers/", qlvbdh_views.dossier_list_view, name="dossier-list"),
    path("dossiers/<str:key>/", sharing_views.dossier_detail_view, name="dossier-detail"),
    path("dossiers/<str:key>/shares/", sharing_views.dossier_shares_view, name="dossier-shares"),
    path("documents/<str:key>/", qlvbdh_views.document_detail_view, name="document-detail"),
    path("documents/<str:key>/shares/", sharing_views.document_shares_view, name="document-shares"),
    path("documents/<str:key>/submit/", qlvbdh_views.document_submit_view, name="document-submit"),
    path("documents/<str:key>/direct/", qlvbdh_views.document_direct_view, name="document-direct"),
    path("tasks/", qlvbdh_views.my_tasks_view, name="my-tasks"),
    path("tasks/<str:key>/<str:action>/", qlvbdh_views.task_action_view, name="task-action"),
    path("hub/", include("interagency.urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("interagency.api.urls")),
    path("api/v1/", include("qlvbdh.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # The admin signs in through the same two-step login as everything else.
    path("admin/login/", RedirectView.as_view(url="/login/?next=/admin/"), name="admin-login"),
    path("admin/", admin.site.urls),
]
