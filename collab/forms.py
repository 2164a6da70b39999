"""Forms of the workspace's calendar and resource pages (parsing only; the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from collab.models import Resource

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=LOCAL_INPUT)


def _person_label(person: User) -> str:
    return f"{person.get_full_name() or person.username} ({person.username})"


class PersonField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return _person_label(obj)


class PeopleField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return _person_label(obj)


class BookingForm(forms.Form):
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.none(), label=_("Tài nguyên"), to_field_name="uuid"
    )
    title = forms.CharField(label=_("Nội dung"), max_length=300)
    starts_at = forms.DateTimeField(
        label=_("Bắt đầu"), widget=DateTimeLocalInput(), input_formats=[LOCAL_INPUT]
    )
    ends_at = forms.DateTimeField(
        label=_("Kết thúc"), widget=DateTimeLocalInput(), input_formats=[LOCAL_INPUT]
    )

    def __init__(self, *args: Any, resources: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources  # type: ignore[attr-defined]


class ResourceForm(forms.Form):
    name = forms.CharField(label=_("Tên"), max_length=150)
    kind = forms.ChoiceField(label=_("Loại"), choices=Resource.Kind.choices)
    location = forms.CharField(label=_("Vị trí"), max_length=200, required=False)
    manager = PersonField(queryset=User.objects.none(), label=_("Người quản lý"), to_field_name="uuid")
    needs_approval = forms.BooleanField(label=_("Cần duyệt"), required=False, initial=True)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = people  # type: ignore[attr-defined]


class EventForm(forms.Form):
    title = forms.CharField(label=_("Nội dung"), max_length=500)
    starts_at = forms.DateTimeField(
        label=_("Bắt đầu"), widget=DateTimeLocalInput(), input_formats=[LOCAL_INPUT]
    )
    ends_at = forms.DateTimeField(
        label=_("Kết thúc"), widget=DateTimeLocalInput(), input_formats=[LOCAL_INPUT]
    )
    place = forms.CharField(label=_("Địa điểm"), max_length=300, required=False)
    host = PersonField(queryset=User.objects.none(), label=_("Chủ trì"), to_field_name="uuid", required=False)
    participants = PeopleField(
        queryset=User.objects.none(), label=_("Thành phần"), to_field_name="uuid", required=False
    )
    other_participants = forms.CharField(label=_("Thành phần khác"), max_length=500, required=False)
    preparing_unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(), label=_("Đơn vị chuẩn bị"), to_field_name="uuid", required=False
    )
    documents = forms.CharField(
        label=_("Văn bản liên quan (mã, cách nhau bởi dấu cách)"), max_length=2000, required=False
    )

    def __init__(self, *args: Any, people: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("host", "participants"):
            self.fields[name].queryset = people  # type: ignore[attr-defined]
        self.fields["preparing_unit"].queryset = units  # type: ignore[attr-defined]


def document_keys(value: str) -> list[str]:
    """The document keys typed into an event form, in order, each once."""
    keys: list[str] = []
    for key in value.replace(",", " ").split()[:20]:
        if key not in keys:
            keys.append(key)
    return keys
