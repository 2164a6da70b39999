"""What the tolerant reader accepted, told to people. A warning is kept in the error shape
(``T.MessageHeader.PromulgationInfo.PromulgationDate: ...``); the clerk and the operator read it
as a sentence about the part of the document it concerns, with the technical line beside it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The path of a warning, its indices dropped, by longest prefix: what the clerk calls that part.
_PARTS: tuple[tuple[str, Promise], ...] = (
    ("MessageHeader.From", gettext_lazy("Cơ quan gửi")),
    ("MessageHeader.To", gettext_lazy("Nơi nhận")),
    ("MessageHeader.DocumentId", gettext_lazy("Mã văn bản trên trục")),
    ("MessageHeader.Code.CodeNumber", gettext_lazy("Số văn bản")),
    ("MessageHeader.Code.CodeNotation", gettext_lazy("Ký hiệu văn bản")),
    ("MessageHeader.PromulgationInfo.PromulgationDate", gettext_lazy("Ngày ban hành")),
    ("MessageHeader.PromulgationInfo", gettext_lazy("Nơi ban hành")),
    ("MessageHeader.DocumentType", gettext_lazy("Loại văn bản")),
    ("MessageHeader.DueDate", gettext_lazy("Hạn xử lý")),
    ("MessageHeader.Subject", gettext_lazy("Trích yếu")),
    ("MessageHeader.Content", gettext_lazy("Nội dung")),
    ("MessageHeader.SignerInfo", gettext_lazy("Người ký")),
    ("MessageHeader.ToPlaces", gettext_lazy("Nơi nhận (ghi trên văn bản)")),
    ("MessageHeader.OtherInfo", gettext_lazy("Thông tin khác của văn bản")),
    ("MessageHeader.ResponseFor", gettext_lazy("Văn bản được phản hồi")),
    ("MessageHeader.StaffInfo", gettext_lazy("Cán bộ xử lý")),
    ("MessageHeader.Timestamp", gettext_lazy("Thời điểm báo trạng thái")),
    ("TraceHeaderList.TraceHeader", gettext_lazy("Dấu vết chuyển gói tin")),
    ("TraceHeaderList", gettext_lazy("Thông tin nghiệp vụ của gói tin")),
    ("AttachmentEncoded", gettext_lazy("Tệp đính kèm")),
)
_OTHER = gettext_lazy("Gói tin")
_UNKNOWN = gettext_lazy("Gói tin có điểm chưa đúng chuẩn; văn bản vẫn được tiếp nhận")
_KINDS: dict[str, Promise] = {
    "N": gettext_lazy("bị thiếu; văn bản vẫn được tiếp nhận"),
    "R": gettext_lazy("dài hơn mức chuẩn cho phép; được giữ nguyên như bên gửi ghi"),
    "M": gettext_lazy("có giá trị ngoài chuẩn"),
    "T": gettext_lazy("viết không theo định dạng chuẩn; hệ thống đã đọc được"),
}
_INDEX_RE = re.compile(r"\[[0-9]+\]")
# Marks the hub puts on an attachment it could not read as declared (see `attachment_warning`).
_RAW_MARK = "(kept raw)"


@dataclass(frozen=True)
class Deviation:
    text: str  # the sentence people read, in the active language
    technical: str  # the warning as recorded


def attachment_warning(index: int, name: str, broken: str) -> str:
    """The warning for an attachment that is not what it claims (kept raw), in the error shape."""
    return f"T.AttachmentEncoded.Attachment[{index}]: tệp “{name}” {broken}; giữ nguyên bản gốc {_RAW_MARK}"


def _part(path: str) -> str:
    bare = _INDEX_RE.sub("", path)
    matches = [
        (len(prefix), label) for prefix, label in _PARTS if bare == prefix or bare.startswith(f"{prefix}.")
    ]
    return str(max(matches, key=lambda match: match[0])[1] if matches else _OTHER)  # the most specific


def _what(kind: str, path: str, message: str) -> str:
    if path.startswith("AttachmentEncoded") and _RAW_MARK in message:
        return _("không đúng định dạng bên gửi khai; được giữ nguyên bản gốc (tệp .raw) để kiểm tra")
    if path.endswith(".OrganId"):
        if path.startswith("TraceHeaderList"):
            return _("không ghi mã định danh dùng được; bước này được bỏ qua")
        if kind == "M":
            return _("mã định danh theo hệ thống mã khác; được giữ nguyên như bên gửi ghi")
    return str(_KINDS[kind])


def deviation_explain(warning: str) -> Deviation:
    """One warning as people read it; a line not in the error shape is shown as it is."""
    head, _sep, message = warning.partition(": ")
    kind, dot, path = head.partition(".")
    if not dot or kind not in _KINDS:
        return Deviation(text=f"{_UNKNOWN}.", technical=warning)
    return Deviation(text=f"{_part(path)}: {_what(kind, path, message)}.", technical=warning)


def deviations_explain(warnings: Iterable[str] | None) -> list[Deviation]:
    return [deviation_explain(str(warning)) for warning in warnings or ()]
