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
# ContentTransferEncoded is the base64 of a ZIP holding the file, so its ContentType is the ZIP's,
# as in the national SDK's samples; the reference parser (EdXML102) unzips only when it says so.
ATTACHMENT_CONTENT_TYPE = "application/zip"
# Per-packet attachment budget (defaults; the hub passes its settings): how many, their decoded
# and decompressed total, the largest decompression ratio of one ZIP member.
MAX_ATTACHMENTS = 50
MAX_ATTACHMENT_TOTAL_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
# Codes are stored in 32-character columns; other schemes' codes are kept verbatim up to that.
MAX_ORG_CODE_LENGTH = 32

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


_NULL_CODES = frozenset({"", "null", "none", "nil", "undefined"})
_OTHER_SCHEME_RE = re.compile(r"[^\s\x00-\x1f\x7f]+")


def is_standard_org_code(code: str) -> bool:
    normalised = code.strip().upper()
    return bool(ORG_CODE_CANONICAL_RE.fullmatch(normalised) or ORG_CODE_SHORT_RE.fullmatch(normalised))


def org_code_key(code: str) -> str:
    """The form an organisation code is stored and compared in: a standard code normalised
    (stripped, upper-case), another scheme's code (``vxp.saas.03``, ``000.00.15.H2A``) stripped and
    kept verbatim. Empty, "null", spaces inside or too long raise ``InvalidOrgCode``."""
    stripped = code.strip()
    if is_standard_org_code(stripped):
        return stripped.upper()
    if stripped.lower() in _NULL_CODES:
        raise InvalidOrgCode(f"Mã định danh trống hoặc “{stripped}” (empty organisation identifier).")
    if len(stripped) > MAX_ORG_CODE_LENGTH or not _OTHER_SCHEME_RE.fullmatch(stripped):
        raise InvalidOrgCode(
            f"Mã định danh “{stripped[:40]}” không dùng được: tối đa {MAX_ORG_CODE_LENGTH} ký tự, "
            "không có khoảng trắng (unusable organisation identifier)."
        )
    return stripped


def same_org_code(first: str, second: str) -> bool:
    """Whether two identifiers name the same organisation: their keys, compared case-insensitively
    (another scheme's code is kept verbatim but must not differ from itself by case)."""
    try:
        return org_code_key(first).upper() == org_code_key(second).upper()
    except InvalidOrgCode:
        return first.strip().upper() == second.strip().upper()
