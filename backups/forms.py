from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backups.models import Backup
from core.text import nfc


class RestoreForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Cách khôi phục"),
        choices=[
            ("restore_in_place", _("Tại chỗ: đưa đơn vị về bản sao lưu này")),
            ("restore_new", _("Thành đơn vị tạm mới, trên tên miền riêng")),
        ],
        widget=forms.RadioSelect,
    )
    confirm = forms.CharField(
        label=_("Gõ mã định danh của đơn vị để xác nhận"), required=False, max_length=32
    )
    name = forms.CharField(label=_("Tên đơn vị tạm"), required=False, max_length=255)
    org_code = forms.CharField(label=_("Mã định danh của đơn vị tạm"), required=False, max_length=32)
    host = forms.CharField(label=_("Tên miền của đơn vị tạm"), required=False, max_length=253)

    def __init__(self, *args: Any, backup: Backup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.backup = backup

    def clean_name(self) -> str:
        return nfc(self.cleaned_data["name"]).strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == "restore_in_place":
            if (data.get("confirm") or "").strip().upper() != self.backup.org_code.upper():
                self.add_error("confirm", _("Mã xác nhận không khớp với mã định danh của đơn vị."))
        elif data.get("mode") == "restore_new":
            if not data.get("name"):
                self.add_error("name", _("Cần tên của đơn vị tạm."))
            if not data.get("org_code"):
                self.add_error("org_code", _("Cần mã định danh của đơn vị tạm."))
        return data
