"""The operator's forms for other hubs (console). They only parse; the services in
`interagency.hub.services.federation` validate URLs, PEM and patterns and say what is wrong."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from interagency.hub.models import FederationPeer

_PEM = forms.Textarea(attrs={"rows": 6, "cols": 70, "spellcheck": "false", "class": "mono"})
_PATTERNS = forms.Textarea(attrs={"rows": 4, "cols": 40, "spellcheck": "false"})


class PeerEditForm(forms.Form):
    name = forms.CharField(label=_("Tên"), max_length=200, required=False)
    base_url = forms.CharField(
        label=_("Địa chỉ trục (https)"), max_length=500, help_text=_("Ví dụ https://truc.tinhkhac.gov.vn")
    )
    remote_system_id = forms.CharField(label=_("Mã hệ thống của tỉnh mình tại trục bên kia"), max_length=64)
    mode = forms.ChoiceField(label=_("Cách chuyển"), choices=FederationPeer.Mode.choices)
    org_patterns = forms.CharField(
        label=_("Mã cơ quan trục này được đại diện"),
        widget=_PATTERNS,
        required=False,
        help_text=_("Mỗi dòng một mẫu, ví dụ *.H22 hoặc vxp.saas.*; không bao giờ gồm các đơn vị của tỉnh."),
    )
    tls_ca = forms.CharField(
        label=_("Chứng thư TLS của trục bên kia (PEM)"),
        widget=_PEM,
        required=False,
        help_text=_("Để trống: dùng kho chứng thư của hệ thống."),
    )


class PeerAddForm(PeerEditForm):
    protocol = forms.ChoiceField(
        label=_("Loại kết nối"),
        choices=FederationPeer.Protocol.choices,
        required=False,  # another tinhso when not said
        help_text=_(
            "Phần mềm kết nối qua SDK VXP: phần mềm quản lý văn bản của một cơ quan gọi tới /vxp/ của "
            "tỉnh; không cần địa chỉ hay khóa phía bên kia."
        ),
    )
    system_id = forms.CharField(label=_("Mã hệ thống (X-System-Id hoặc systemId bên kia gửi)"), max_length=64)
    base_url = forms.CharField(
        label=_("Địa chỉ trục (https)"),
        max_length=500,
        required=False,
        help_text=_("Ví dụ https://truc.tinhkhac.gov.vn; để trống với phần mềm kết nối qua SDK VXP."),
    )
    remote_system_id = forms.CharField(
        label=_("Mã hệ thống của tỉnh mình tại trục bên kia"), max_length=64, required=False
    )
    remote_secret = forms.CharField(
        label=_("Khóa bí mật của tỉnh mình tại trục bên kia"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    trust_roots = forms.CharField(
        label=_("Chứng thư gốc ký số của trục bên kia (PEM)"),
        widget=_PEM,
        help_text=_("Mọi gói tin từ trục này phải được ký bằng chứng thư chuỗi tới các chứng thư gốc này."),
    )

    def clean_protocol(self) -> str:
        return str(self.cleaned_data.get("protocol") or FederationPeer.Protocol.TINHSO)

    field_order = ["protocol", "system_id", "name", "base_url", "remote_system_id", "remote_secret", "mode"]


class PeerTrustRootsForm(forms.Form):
    trust_roots = forms.CharField(label=_("Chứng thư gốc ký số mới (PEM)"), widget=_PEM)


class PeerRemoteSecretForm(forms.Form):
    remote_secret = forms.CharField(
        label=_("Khóa bí mật mới của tỉnh mình tại trục bên kia"),
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
    )
