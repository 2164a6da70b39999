"""HTML forms of the workspace; the rules live in qlvbdh.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from qlvbdh import catalogue
from qlvbdh.models import Assignment


class IncomingForm(forms.Form):
    issuer_name = forms.CharField(label=_("Cơ quan ban hành"), max_length=400)
    issuer_code = forms.CharField(label=_("Mã định danh cơ quan ban hành"), max_length=40, required=False)
    document_type = forms.ChoiceField(label=_("Loại văn bản"), choices=())
    number = forms.CharField(label=_("Số"), max_length=40, required=False)
    notation = forms.CharField(label=_("Ký hiệu"), max_length=60, required=False)
    issued_on = forms.DateField(
        label=_("Ngày ban hành"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    summary = forms.CharField(label=_("Trích yếu"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    signer_name = forms.CharField(label=_("Người ký"), max_length=300, required=False)
    urgency = forms.ChoiceField(label=_("Độ khẩn"), choices=catalogue.Urgency.choices)
    secrecy = forms.ChoiceField(label=_("Độ mật"), choices=catalogue.Secrecy.choices)
    delivery_mode = forms.ChoiceField(label=_("Hình thức"), choices=catalogue.DeliveryMode.choices)
    source = forms.ChoiceField(label=_("Nguồn"), choices=catalogue.Source.choices)
    page_count = forms.IntegerField(label=_("Số trang"), required=False, min_value=1)
    due_date = forms.DateField(
        label=_("Hạn xử lý"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    accept_duplicate = forms.BooleanField(label=_("Tôi đã kiểm tra: đây là văn bản khác"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = catalogue.document_type_choices()  # type: ignore[attr-defined]


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name()} ({obj.username})"


class PeopleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name()} ({obj.username})"


class SubmitForm(forms.Form):
    head = PersonChoiceField(label=_("Trình"), queryset=User.objects.none())

    def __init__(self, *args: Any, heads: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = heads  # type: ignore[attr-defined]


class DirectionForm(forms.Form):
    note = forms.CharField(
        label=_("Ý kiến chỉ đạo"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lead_unit = forms.ModelChoiceField(
        label=_("Chủ trì: phòng, ban"), queryset=OrgUnit.objects.none(), required=False
    )
    lead_person = forms.ModelChoiceField(
        label=_("hoặc người chủ trì"), queryset=User.objects.none(), required=False
    )
    deadline = forms.DateField(
        label=_("Hạn xử lý"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    cooperate = PeopleChoiceField(
        label=_("Phối hợp"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    inform = PeopleChoiceField(
        label=_("Để biết"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True, locked_at__isnull=True).order_by("folded_name")
        self.fields["lead_unit"].queryset = OrgUnit.objects.filter(is_active=True)  # type: ignore[attr-defined]
        for name in ("lead_person", "cooperate", "inform"):
            self.fields[name].queryset = people  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("lead_unit")) == bool(data.get("lead_person")):
            raise forms.ValidationError(_("Chọn đúng một phòng, ban hoặc một người chủ trì."))
        return data


class TaskForm(forms.Form):
    report = forms.CharField(label=_("Báo cáo"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


ROLE_LABELS = dict(Assignment.Role.choices)
