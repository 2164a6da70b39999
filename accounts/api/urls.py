from django.urls import path

from accounts.api import views

urlpatterns = [
    path("me/", views.MeApi.as_view(), name="api-me"),
    path("me/logins/", views.MyLoginsApi.as_view(), name="api-my-logins"),
    path("me/notifications/", views.MyNotificationsApi.as_view(), name="api-my-notifications"),
    path("users/", views.UserListApi.as_view(), name="api-user-list"),
    path("users/propose-username/", views.UsernameProposalApi.as_view(), name="api-user-propose"),
    path("users/import/", views.ImportApi.as_view(), name="api-user-import"),
    path("users/import/<str:key>/", views.ImportDetailApi.as_view(), name="api-user-import-detail"),
    path("users/import/<str:key>/confirm/", views.ImportConfirmApi.as_view(), name="api-user-import-confirm"),
    path("users/<str:key>/", views.UserDetailApi.as_view(), name="api-user-detail"),
    path("users/<str:key>/roles/", views.UserRolesApi.as_view(), name="api-user-roles"),
    path("users/<str:key>/roles/<str:role>/", views.UserRoleRevokeApi.as_view(), name="api-user-role-revoke"),
    *[
        path(f"users/<str:key>/{name}/", views.user_action_api(name), name=f"api-user-{name}")
        for name in ("lock", "unlock", "deactivate", "reactivate", "reset-password", "reset-second-factor")
    ],
    path("units/", views.OrgUnitListApi.as_view(), name="api-unit-list"),
    path("units/<str:key>/", views.OrgUnitDetailApi.as_view(), name="api-unit-detail"),
]
