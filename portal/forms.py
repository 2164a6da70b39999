"""The portal's forms: the public's (feedback, a comment on a draft) and the board's (events, the
mapping, quota groups, settings, feedback handling, consultations, reports). Limits are checked
again by the services; the forms only shape what a browser sends."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from portal.models import EventKind
from portal.spam import HONEYPOT


class _PublicForm(forms.Form):
    """A public form's guard fields: the signed opening time and the honeypot (portal.spam)."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)


def honeypot_field() -> forms.CharField:
    return forms.CharField(
        label=_("Để trống ô này"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class FeedbackForm(_PublicForm):
    name = forms.CharField(label=_("Họ và tên"), max_length=120)
    contact = forms.CharField(label=_("Điện thoại hoặc thư điện tử"), max_length=120)
    subject = forms.CharField(label=_("Tiêu đề"), max_length=200)
    text = forms.CharField(
        label=_("Nội dung góp ý, kiến nghị"),
        max_length=settings.PORTAL_FEEDBACK_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    attachment = forms.FileField(
        label=_("Tệp đính kèm (không bắt buộc: PDF, ảnh JPG/PNG, DOCX; tối đa 5 MB)"), required=False
    )
    consent_publish = forms.BooleanField(
        label=_("Tôi đồng ý công khai câu hỏi và câu trả lời (không kèm tên và thông tin liên hệ)"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT] = honeypot_field()


class CommentForm(_PublicForm):
    name = forms.CharField(label=_("Họ và tên"), max_length=120)
    contact = forms.CharField(
        label=_("Điện thoại hoặc thư điện tử (không công khai)"), max_length=120, required=False
    )
    text = forms.CharField(label=_("Ý kiến góp ý"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT] = honeypot_field()


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Mã theo dõi"), max_length=20)


# --- the board's -----------------------------------------------------------------------------------


class _LocalDateTime(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _units() -> Any:
    return OrgUnit.objects.filter(is_active=True).order_by("folded_name")


class EventForm(forms.Form):
    title = forms.CharField(label=_("Tên sự kiện"), max_length=255)
    kind = forms.ChoiceField(label=_("Loại sự kiện"), choices=EventKind.choices)
    starts_at = _LocalDateTime(label=_("Bắt đầu"))
    ends_at = _LocalDateTime(label=_("Kết thúc"))
    place = forms.CharField(label=_("Địa điểm"), max_length=255, required=False)
    unit = forms.ModelChoiceField(
        label=_("Đơn vị chịu trách nhiệm (để trống: theo bảng phân công)"),
        queryset=OrgUnit.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()  # type: ignore[attr-defined]


class EventArticleForm(forms.Form):
    article = forms.IntegerField(
        label=_("Mã trang bài viết (để trống: bỏ liên kết)"), required=False, min_value=1
    )


class KindUnitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại sự kiện"), choices=EventKind.choices)
    unit = forms.ModelChoiceField(label=_("Đơn vị chịu trách nhiệm"), queryset=OrgUnit.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()  # type: ignore[attr-defined]


class QuotaGroupForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Tổ chuyên môn"), queryset=OrgUnit.objects.none())
    leader = forms.ModelChoiceField(label=_("Tổ trưởng"), queryset=User.objects.none(), required=False)
    active = forms.BooleanField(label=_("Đang áp dụng chỉ tiêu"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()  # type: ignore[attr-defined]
        self.fields["leader"].queryset = User.objects.filter(is_active=True).order_by("folded_name")  # type: ignore[attr-defined]


class SettingsForm(forms.Form):
    year_start_day = forms.IntegerField(label=_("Năm học bắt đầu: ngày"), min_value=1, max_value=31)
    year_start_month = forms.IntegerField(label=_("tháng"), min_value=1, max_value=12)
    semester_two_day = forms.IntegerField(label=_("Học kỳ II bắt đầu: ngày"), min_value=1, max_value=31)
    semester_two_month = forms.IntegerField(label=_("tháng"), min_value=1, max_value=12)
    deadline_days = forms.IntegerField(label=_("Hạn đưa tin sau sự kiện (ngày)"), min_value=0, max_value=60)
    monthly_quota = forms.IntegerField(
        label=_("Số bài tối thiểu mỗi tháng của một tổ"), min_value=0, max_value=100
    )
    remind_hours_before = forms.IntegerField(label=_("Nhắc trước hạn (giờ)"), min_value=1, max_value=240)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Giao cho"), queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accounts.models import RoleGrant
        from portal.services.board import BOARD_ROLES

        board = RoleGrant.objects.filter(revoked_at__isnull=True, role__in=BOARD_ROLES).values("user_id")
        people = User.objects.filter(pk__in=board, is_active=True).order_by("folded_name")
        self.fields["assignee"].queryset = people  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Trả lời"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8}))


class ConsultationForm(forms.Form):
    title = forms.CharField(label=_("Tên dự thảo"), max_length=255)
    summary = forms.CharField(
        label=_("Nội dung tóm tắt"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )
    drafting_unit = forms.ModelChoiceField(label=_("Đơn vị soạn thảo"), queryset=OrgUnit.objects.none())
    opens_on = forms.DateField(
        label=_("Mở lấy ý kiến từ ngày"), widget=forms.DateInput(attrs={"type": "date"})
    )
    closes_on = forms.DateField(label=_("Đến hết ngày"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["drafting_unit"].queryset = _units()  # type: ignore[attr-defined]


class ModerateForm(forms.Form):
    comment = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    decision = forms.ChoiceField(choices=(("approve", _("Duyệt")), ("reject", _("Không đăng"))))


class ReportForm(forms.Form):
    period = forms.CharField(
        label=_("Kỳ báo cáo (2026-11, 2026-S1, 2026-2027 hoặc 2026-11-03..2026-12-10)"), max_length=40
    )
    proposals = forms.CharField(
        label=_("Đề xuất, kiến nghị"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
