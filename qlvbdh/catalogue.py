"""Code lists of Decree 30/2020/NĐ-CP (section 1 of the shared national STANDARDS.md), kept as data.

Document type abbreviations are case-sensitive (HD ≠ HĐ, DA ≠ ĐA, CT ≠ CTr).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Appendix III: abbreviation -> name. Công văn and Thư công carry no abbreviation in a notation.
DOCUMENT_TYPES: dict[str, str] = {
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "CT": "Chỉ thị",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "TC": "Thông cáo",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "CTr": "Chương trình",
    "KH": "Kế hoạch",
    "PA": "Phương án",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "BC": "Báo cáo",
    "BB": "Biên bản",
    "TTr": "Tờ trình",
    "HĐ": "Hợp đồng",
    "CĐ": "Công điện",
    "BGN": "Bản ghi nhớ",
    "BTT": "Bản thỏa thuận",
    "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu",
    "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi",
    "PC": "Phiếu chuyển",
    "PB": "Phiếu báo",
    "CV": "Công văn",  # code used in tinhso only: no abbreviation in the notation
    "TCg": "Thư công",  # likewise
}
TYPES_WITHOUT_ABBREVIATION = frozenset({"CV", "TCg"})
COPY_KINDS = {"SY": "Sao y", "TS": "Trích sao", "SL": "Sao lục"}
SIGNING_AUTHORITIES = ("TM.", "KT.", "TL.", "TUQ.", "Q.")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Thường")
    URGENT = "urgent", _("Khẩn")
    VERY_URGENT = "very_urgent", _("Thượng khẩn")
    FLASH = "flash", _("Hỏa tốc")


class Secrecy(models.TextChoices):
    """R4: a document with any secrecy level never enters tinhso; the choice exists to refuse it."""

    NONE = "none", _("Không mật")
    SECRET = "secret", _("Mật")
    TOP_SECRET = "top_secret", _("Tối mật")
    ABSOLUTE = "absolute", _("Tuyệt mật")


class DeliveryMode(models.TextChoices):
    """R5: electronic only, paper only, or both."""

    ELECTRONIC = "electronic", _("Điện tử")
    PAPER = "paper", _("Giấy")
    BOTH = "both", _("Điện tử và giấy")


class Source(models.TextChoices):
    PAPER = "paper", _("Bản giấy")
    EMAIL = "email", _("Thư điện tử")
    HUB = "hub", _("Trục liên thông")
    OTHER = "other", _("Khác")


# Field lengths used by the exchange validators.
NUMBER_MAX = 11
# A number received through the hub is kept as its sender wrote it (other systems write longer ones).
RECEIVED_NUMBER_MAX = 50
# Organisation codes of other schemes are kept verbatim, up to this length.
ISSUER_CODE_MAX = 32
NOTATION_MAX = 30
ISSUER_NAME_MAX = 200
SUMMARY_MAX = 500
RECIPIENTS_MAX = 150


def document_type_choices() -> list[tuple[str, str]]:
    return [
        (code, f"{name} ({code})" if code not in TYPES_WITHOUT_ABBREVIATION else name)
        for code, name in DOCUMENT_TYPES.items()
    ]


def format_number(number: int) -> str:
    """Numbers below 10 are written with a leading zero (01, 02, ... 10, 11)."""
    return f"{number:02d}"
