from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import Domain, Tenant

KIND_CHOICES = [c for c in Tenant.Kind.choices if c[0] != Tenant.Kind.PROVINCE]


class TenantCreateForm(forms.Form):
    name = forms.CharField(label=_("Tên đơn vị"), max_length=255)
    kind = forms.ChoiceField(label=_("Loại đơn vị"), choices=KIND_CHOICES)
    org_code = forms.CharField(label=_("Mã định danh"), max_length=32, help_text=_("Ví dụ: 000.00.15.H21"))
    parent = forms.ModelChoiceField(
        label=_("Đơn vị cấp trên"),
        queryset=Tenant.objects.exclude(kind=Tenant.Kind.PROVINCE).exclude(status=Tenant.Status.ARCHIVED),
        required=False,
    )
    workspace_host = forms.CharField(
        label=_("Tên miền QLVBĐH"), required=False, help_text=_("Để trống để dùng tên miền đề xuất.")
    )
    portal_host = forms.CharField(
        label=_("Tên miền cổng thông tin"), required=False, help_text=_("Để trống để dùng tên miền đề xuất.")
    )


class TransitionForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), required=False, max_length=1000)


class DomainAddForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("Mục đích"),
        choices=[(p.value, p.label) for p in (Domain.Purpose.WORKSPACE, Domain.Purpose.PORTAL)],
    )
    host = forms.CharField(
        label=_("Tên miền"),
        max_length=253,
        help_text=_("Một nhãn (đặt dưới tên miền của tỉnh) hoặc tên miền đầy đủ."),
    )
