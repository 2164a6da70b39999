"""Organisation identifiers (mã định danh) of the national document exchange.

Source: Decision 20/2020/QĐ-TTg on electronic identifiers of agencies and organisations.
Format ``XXX.YY.ZZ.Lnn``, read right to left: level 1 ``Lnn`` (letter group + two digits),
then levels 2, 3 and 4; unused levels are zeros ("000.00.00.H21" is Gia Lai's People's
Committee). Codes change (the 2025 merger of provinces): the tables below are reference
data, not a closed list, and the format check accepts shorter real-world variants.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from interagency.edxml.codes import ORG_CODE_CANONICAL_RE, ORG_CODE_SHORT_RE

# Level 1 letter groups (Decision 20/2020/QĐ-TTg).
LETTER_GROUPS: Mapping[str, str | Promise] = {
    "A": _("Cơ quan của Đảng"),
    "G": _("Bộ, cơ quan ngang bộ"),  # G22: Government Office
    "H": _("Ủy ban nhân dân tỉnh, thành phố trực thuộc trung ương"),
    "K": _("Hội đồng nhân dân tỉnh, thành phố trực thuộc trung ương"),
}

# Level 1 codes of provincial People's Committees (Decision 20/2020/QĐ-TTg lists H01-H63;
# only the provinces tinhso has met so far are here, before the 2025 merger).
PROVINCE_CODES: dict[str, str] = {
    "H08": "Bình Định",
    "H21": "Gia Lai",
    "H26": "Hà Nội",
    "H29": "Hồ Chí Minh",
    "H36": "Lâm Đồng",
    "H41": "Nghệ An",
    "H53": "Tây Ninh",
}

# The format itself (canonical and the shorter real-world variants) is the edXML library's.
_CANONICAL_RE = ORG_CODE_CANONICAL_RE
_SHORT_RE = ORG_CODE_SHORT_RE


def normalize_org_code(code: str) -> str:
    """Return ``code`` stripped and upper-cased if it is an organisation identifier."""
    normalised = code.strip().upper()
    if not (_CANONICAL_RE.fullmatch(normalised) or _SHORT_RE.fullmatch(normalised)):
        raise ValidationError(
            _(
                "Mã định danh “%(code)s” không đúng định dạng. Mã đầy đủ có dạng 000.00.15.H21 "
                "(cấp 4.cấp 3.cấp 2.cấp 1: nhóm chữ cái và hai chữ số ở cuối); mã rút gọn bỏ bớt "
                "các phần số ở đầu, ví dụ 28.22.H17, 22.H17 hoặc H21."
            ),
            code="invalid_org_code",
            params={"code": code.strip()},
        )
    return normalised


def level1(code: str) -> str:
    """Return the level 1 part of an organisation identifier, e.g. "H21" for "000.00.15.H21"."""
    return normalize_org_code(code).rsplit(".", 1)[-1]
