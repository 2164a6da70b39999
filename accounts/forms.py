"""HTML forms. They parse and show errors; the rules live in accounts.services."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.utils.translation import gettext_lazy as _

from accounts.models import USERNAME_MAX_LENGTH, ApiToken, OrgUnit
from accounts.permissions import in_province_scope
from accounts.roles import Role, roles_for_scope
from core.text import nfc


def birth_year_of(value: str) -> int | None:
    """A typed year as a number, or None: only plain ASCII digits, at most four of them."""
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 4 else None


class LoginForm(AuthenticationForm):
    # Declared with its length (AuthenticationForm only sets the widget's maxlength): a longer name
    # is a form error before it reaches authentication, the lockout records or the database.
    username = UsernameField(
        max_length=USERNAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autofocus": True}),
        error_messages={
            "max_length": _("Không có tài khoản nào có tên dài quá %(limit_value)d ký tự."),
        },
    )
    error_messages = {
        "invalid_login": _(
            "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang bị khoá. Sau nhiều lần sai, tài "
            "khoản bị tạm khoá; hãy liên hệ cán bộ phụ trách CNTT của đơn vị nếu cần."
        ),
        "inactive": _("Tài khoản này đã ngừng sử dụng."),
    }

    def clean_username(self) -> str:
        return nfc(self.cleaned_data.get("username") or "").lower()


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Mã xác thực (6 chữ số)"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = "".join(ch for ch in self.cleaned_data["token"] if ch.isdigit())
        if len(token) != 6:
            raise forms.ValidationError(_("Mã xác thực gồm 6 chữ số."))
        return token


def _role_choices() -> list[tuple[str, str]]:
    return [(code, str(Role(code).label)) for code in roles_for_scope(province=in_province_scope())]


class AccountCreateForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    birth_year = forms.IntegerField(label=_("Năm sinh"), required=False)
    username = forms.CharField(
        label=_("Tên tài khoản"),
        max_length=50,
        required=False,
        help_text=_("Đề xuất theo quy tắc của tỉnh; có thể sửa. Để trống để dùng tên đề xuất."),
    )
    unit = forms.ModelChoiceField(label=_("Phòng, ban"), queryset=OrgUnit.objects.none(), required=False)
    position = forms.CharField(label=_("Chức vụ"), max_length=150, required=False)
    email = forms.CharField(label=_("Thư điện tử"), max_length=254, required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=20, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Vai trò"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    # One key per opened form: submitting it twice creates one account.
    request_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["request_key"] = uuid.uuid4().hex
        self.fields["unit"].queryset = OrgUnit.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["roles"].choices = _role_choices()  # type: ignore[attr-defined]


class AccountUpdateForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Phòng, ban"), queryset=OrgUnit.objects.none(), required=False)
    position = forms.CharField(label=_("Chức vụ"), max_length=150, required=False)
    email = forms.CharField(label=_("Thư điện tử"), max_length=254, required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.filter(is_active=True)  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), max_length=255, required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices()  # type: ignore[attr-defined]


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp danh sách (XLSX hoặc CSV)"))


class UnitCreateForm(forms.Form):
    name = forms.CharField(label=_("Tên phòng, ban"), max_length=150)
    kind = forms.ChoiceField(label=_("Loại"), choices=OrgUnit.Kind.choices, initial=OrgUnit.Kind.DIVISION)
    parent = forms.ModelChoiceField(label=_("Trực thuộc"), queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = OrgUnit.objects.filter(is_active=True)  # type: ignore[attr-defined]


class UnitUpdateForm(UnitCreateForm):
    is_active = forms.BooleanField(label=_("Đang hoạt động"), required=False)

    def __init__(self, *args: Any, unit: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not under itself: the service checks deeper cycles.
        self.fields["parent"].queryset = OrgUnit.objects.filter(is_active=True).exclude(pk=unit.pk)  # type: ignore[attr-defined]


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Mật khẩu hiện tại"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("Mật khẩu mới"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("Nhập lại mật khẩu mới"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("Hai lần nhập mật khẩu mới không khớp."))
        return data


class ApiTokenForm(forms.Form):
    """A new personal API token; the rules (length, limits) are in accounts.services.tokens."""

    DAYS = (
        (30, _("30 ngày")),
        (90, _("90 ngày")),
        (180, _("180 ngày")),
        (365, _("1 năm")),
    )

    name = forms.CharField(label=_("Tên gợi nhớ"), max_length=100)
    scope = forms.ChoiceField(label=_("Quyền"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ)
    days = forms.TypedChoiceField(label=_("Hết hạn sau"), choices=DAYS, coerce=int, initial=90)
