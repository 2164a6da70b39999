"""The workspace pages of QLVBĐH (included at the root of the workspace host)."""

from django.urls import path

from qlvbdh.views import documents, dossiers, incoming, outgoing, registers, sharing, tasks

urlpatterns = [
    path("documents/", documents.document_list_view, name="document-list"),
    path("documents/incoming/new/", incoming.incoming_create_view, name="incoming-create"),
    path("documents/outgoing/new/", outgoing.outgoing_create_view, name="outgoing-create"),
    path("documents/<str:key>/step/<str:step>/", documents.document_step_view, name="document-step"),
    path("registers/", registers.register_list_view, name="register-list"),
    path("dossiers/", dossiers.dossier_list_view, name="dossier-list"),
    path("dossiers/<str:key>/", sharing.dossier_detail_view, name="dossier-detail"),
    path("dossiers/<str:key>/shares/", sharing.dossier_shares_view, name="dossier-shares"),
    path("documents/<str:key>/", documents.document_detail_view, name="document-detail"),
    path("documents/<str:key>/shares/", sharing.document_shares_view, name="document-shares"),
    path("documents/<str:key>/submit/", incoming.document_submit_view, name="document-submit"),
    path("documents/<str:key>/direct/", incoming.document_direct_view, name="document-direct"),
    path("tasks/", tasks.my_tasks_view, name="my-tasks"),
    path("tasks/<str:key>/<str:action>/", tasks.task_action_view, name="task-action"),
]
