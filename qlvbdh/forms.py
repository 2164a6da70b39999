"""HTML forms of the workspace; the rules live in qlvbdh.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from qlvbdh import catalogue
from qlvbdh.models import Assignment
from qlvbdh.services.outgoing import Recipient


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


class OutgoingForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Loại văn bản"), choices=())
    summary = forms.CharField(label=_("Trích yếu"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    drafting_unit = forms.CharField(label=_("Ký hiệu đơn vị soạn thảo"), max_length=40, required=False)
    signing_authority = forms.ChoiceField(
        label=_("Thẩm quyền ký"),
        choices=[("", "—")] + [(a, a) for a in catalogue.SIGNING_AUTHORITIES],
        required=False,
    )
    recipients = forms.CharField(label=_("Nơi nhận"), max_length=300, required=False)
    urgency = forms.ChoiceField(label=_("Độ khẩn"), choices=catalogue.Urgency.choices)
    secrecy = forms.ChoiceField(label=_("Độ mật"), choices=catalogue.Secrecy.choices)
    delivery_mode = forms.ChoiceField(label=_("Hình thức"), choices=catalogue.DeliveryMode.choices)
    copy_count = forms.IntegerField(label=_("Số bản"), required=False, min_value=1, max_value=9999)
    internal = forms.BooleanField(label=_("Văn bản nội bộ"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = catalogue.document_type_choices()  # type: ignore[attr-defined]


class IssueForm(forms.Form):
    units = forms.ModelMultipleChoiceField(
        label=_("Gửi các phòng, ban"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    org_codes = forms.CharField(
        label=_("Gửi cơ quan khác (mỗi dòng: mã định danh; tên)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = OrgUnit.objects.filter(is_active=True)  # type: ignore[attr-defined]

    def recipients(self) -> list[Recipient]:
        """Units ticked, then one organisation per line: `code; name`."""
        chosen = [Recipient(unit=unit) for unit in self.cleaned_data["units"]]
        for line in self.cleaned_data["org_codes"].splitlines():
            code, _sep, name = line.partition(";")
            if code.strip():
                chosen.append(Recipient(org_code=code.strip(), org_name=name.strip()))
        return chosen


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Tệp đính kèm"))


class RegisterForm(forms.Form):
    direction = forms.ChoiceField(label=_("Loại sổ"), choices=())
    name = forms.CharField(label=_("Tên sổ"), max_length=150)
    document_types = forms.MultipleChoiceField(
        label=_("Chỉ cho các loại (để trống: mọi loại)"),
        choices=(),
        required=False,
        widget=forms.SelectMultiple,
    )
    agency_abbreviation = forms.CharField(label=_("Ký hiệu cơ quan (sổ đi)"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from qlvbdh.models import Register

        super().__init__(*args, **kwargs)
        self.fields["direction"].choices = Register.Direction.choices  # type: ignore[attr-defined]
        self.fields["document_types"].choices = catalogue.document_type_choices()  # type: ignore[attr-defined]


class DossierForm(forms.Form):
    code = forms.CharField(label=_("Số và ký hiệu hồ sơ"), max_length=100)
    title = forms.CharField(label=_("Tiêu đề hồ sơ"), max_length=1000)
    retention = forms.ChoiceField(label=_("Thời hạn bảo quản"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from qlvbdh.models import Dossier

        super().__init__(*args, **kwargs)
        self.fields["retention"].choices = Dossier.Retention.choices  # type: ignore[attr-defined]
