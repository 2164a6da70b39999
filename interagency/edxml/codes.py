"""Fixed values of QCVN 102:2016/BTTTT: the namespace, formats, limits, status and business codes,
and the organisation identifier (OrganId) format of Decision 20/2020/QĐ-TTg."""

from __future__ import annotations

import re
from datetime import timedelta, timezone

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"

MAX_PACKET_BYTES = 50 * 1024 * 1024
MAX_ATTACHMENT_BASE64 = 30 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024

STATUS_CODES: dict[str, str] = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận, vào sổ",
    "04": "Đã phân công",
    "05": "Đang xử lý",
    "06": "Hoàn thành",
    "13": "Bên gửi đề nghị lấy lại / cập nhật",
    "15": "Đồng ý lấy lại / cập nhật",
    "16": "Từ chối lấy lại / cập nhật",
}
BUSINESS_KINDS = {0: "edoc-new", 1: "edoc-revoke", 2: "edoc-update", 3: "edoc-replace"}

# Canonical: all four levels ``XXX.YY.ZZ.Lnn``. Real-world variants drop leading numeric levels
# ("28.22.H17", "22.H17", "H21"), with numeric parts of 2 or 3 digits.
ORG_CODE_CANONICAL_RE = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}")
ORG_CODE_SHORT_RE = re.compile(r"(?:[0-9]{2,3}\.){0,2}[A-Z][0-9]{2}")


class InvalidOrgCode(ValueError):
    """Not an organisation identifier; the message says what the format is."""


def org_code_normal(code: str) -> str:
    """Return ``code`` stripped and upper-cased if it is an organisation identifier, else raise
    ``InvalidOrgCode``."""
    normalised = code.strip().upper()
    if ORG_CODE_CANONICAL_RE.fullmatch(normalised) or ORG_CODE_SHORT_RE.fullmatch(normalised):
        return normalised
    raise InvalidOrgCode(
        f"Mã định danh “{code.strip()}” không đúng định dạng. Mã đầy đủ có dạng 000.00.15.H21, "
        "mã rút gọn như 28.22.H17, 22.H17 hoặc H21 (not an organisation identifier)."
    )


def same_org_code(first: str, second: str) -> bool:
    """Whether two identifiers name the same organisation (compared normalised when they can be)."""
    try:
        return org_code_normal(first) == org_code_normal(second)
    except InvalidOrgCode:
        return first.strip().upper() == second.strip().upper()
