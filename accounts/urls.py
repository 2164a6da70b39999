"""Account pages. `auth_urlpatterns` serve every host; `manage_urlpatterns` the workspace and console."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.views import login, manage, me

auth_urlpatterns = [
    path("login/", login.login_view, name="login"),
    path("login/verify/", login.login_verify_view, name="login-verify"),
    path("login/setup/", login.login_setup_view, name="login-setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", me.my_account_view, name="my-account"),
    path("account/password/", me.password_change_view, name="password-change"),
    path("account/logins/", me.my_logins_view, name="my-logins"),
    path("account/second-factor/", me.my_second_factor_view, name="my-second-factor"),
    path("account/tokens/", me.my_tokens_view, name="my-tokens"),
    path("account/tokens/<str:key>/revoke/", me.token_revoke_view, name="token-revoke"),
]

manage_urlpatterns = [
    path("accounts/", manage.account_list_view, name="account-list"),
    path("accounts/new/", manage.account_create_view, name="account-create"),
    path("accounts/propose/", manage.account_propose_view, name="account-propose"),
    path("accounts/import/", manage.import_upload_view, name="account-import"),
    path("accounts/import/template.xlsx", manage.import_template_view, name="account-import-template"),
    path("accounts/import/<str:key>/", manage.import_detail_view, name="account-import-detail"),
    path("accounts/<str:key>/", manage.account_detail_view, name="account-detail"),
    path("accounts/<str:key>/<str:action>/", manage.account_action_view, name="account-action"),
    path("units/", manage.unit_list_view, name="unit-list"),
    path("units/<str:key>/", manage.unit_edit_view, name="unit-edit"),
    path("audit/", manage.audit_list_view, name="audit-list"),
    path("api-tokens/", manage.token_list_view, name="token-list"),
    path("login-throttles/", manage.throttle_list_view, name="throttle-list"),
    path("login-throttles/clear/", manage.throttle_clear_view, name="throttle-clear"),
]
