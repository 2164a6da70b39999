"""The clerk's forms on the hub pages: a reason to refuse a document, an answer to a request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RefuseForm(forms.Form):
    # Optional here: the service decides that a refusal needs a reason and says so on this field.
    reason = forms.CharField(label=_("Lý do từ chối"), max_length=500, required=False)


class AnswerForm(forms.Form):
    agree = forms.TypedChoiceField(
        choices=[("1", _("Đồng ý")), ("0", _("Từ chối"))], coerce=lambda value: value == "1"
    )
    reason = forms.CharField(label=_("Lý do"), max_length=500, required=False)
