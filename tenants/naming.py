"""Host labels of tenant domains: rule R7 (Gia Lai QLVBĐH regulation, Điều 7.1).

A label is proposed from the tenant's Vietnamese name; an operator may edit it, so the
validators below are what the stored value must pass, not the proposal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.text import fold_words, nfc

KIND_DEPARTMENT = "department"  # provincial department or agency: Sở, Ban, ...
KIND_COMMUNE = "commune"  # commune, ward, district, town
KIND_SCHOOL = "school"
KIND_OTHER = "other"
KINDS = (KIND_DEPARTMENT, KIND_COMMUNE, KIND_SCHOOL, KIND_OTHER)

PURPOSE_WORKSPACE = "workspace"
PURPOSE_PORTAL = "portal"

WORKSPACE_PREFIX = "qlvbdh"
MAX_LABEL_LENGTH = 63
MAX_HOST_LENGTH = 253
LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")

# Sub-domains the platform keeps for itself under the province's domain.
RESERVED_LABELS = frozenset({"www", "console", "api", "admin", "static", "media", "mail"})

# Words that give no initial in a department's label ("Sở Thông tin và Truyền thông" -> stttt).
INITIALS_STOP_WORDS = ("và", "của")

# Leading words removed from a commune's name: first the body, then the kind of place.
# Matched with their diacritics, so that "Quan Hóa" or "Phương Sơn" keep their first word;
# hence both tone placements of "Ủy"/"Uỷ", which are different strings.
COMMUNE_BODY_PREFIXES = ("UBND", "Ủy ban nhân dân", "Uỷ ban nhân dân")
COMMUNE_PLACE_PREFIXES = (
    "xã",
    "phường",
    "thị trấn",
    "huyện",
    "thị xã",
    "thành phố",
    "quận",
    # Written abbreviations: "TP. Pleiku", "TX. An Khê", "TT. Phú Thiện".
    "TP",
    "TX",
    "TT",
)

SCHOOL_PREFIXES = ("Trường",)
# School levels, spelled out or already abbreviated, and the abbreviation used in labels.
SCHOOL_LEVELS: Mapping[str, str] = {
    "Trung học phổ thông": "thpt",
    "Trung học cơ sở": "thcs",
    "Tiểu học": "th",
    "Mầm non": "mn",
    "Mẫu giáo": "mg",
    "Phổ thông dân tộc nội trú": "ptdtnt",
    "Phổ thông dân tộc bán trú": "ptdtbt",
    "THPT": "thpt",
    "THCS": "thcs",
    "TH": "th",
    "MN": "mn",
    "MG": "mg",
    "PTDTNT": "ptdtnt",
    "PTDTBT": "ptdtbt",
}
# Joins the levels of a multi-level school: "TH và THCS" -> ththcs ("TH&THCS", "TH-THCS" need none).
SCHOOL_LEVEL_JOINERS = ("và",)

# A Vietnamese syllable, folded: onset, vowels, coda. In a name written all in capitals it
# tells a word ("TỈNH") from an abbreviation ("UBND", "THPT"), which has no such shape.
_ONSETS = "ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnprstvx]"
_CODAS = "ng|nh|ch|[cmnpt]"
_SYLLABLE_RE = re.compile(f"({_ONSETS})?[aeiouy]+({_CODAS})?")
# Letters and digits (NFC keeps every Vietnamese letter one code point).
_WORD_RE = re.compile(r"[^\W_]+")

_Phrase = tuple[str, ...]


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(nfc(text))


def _key(words: Iterable[str]) -> _Phrase:
    return tuple(word.lower() for word in words)


def _phrases(texts: Iterable[str]) -> list[_Phrase]:
    # Longest first, so that "thị xã" wins over a shorter phrase that starts it.
    return sorted({_key(_words(text)) for text in texts}, key=len, reverse=True)


_STOP_WORDS = frozenset(_key(INITIALS_STOP_WORDS))
_COMMUNE_BODY_PHRASES = _phrases(COMMUNE_BODY_PREFIXES)
_COMMUNE_PLACE_PHRASES = _phrases(COMMUNE_PLACE_PREFIXES)
_SCHOOL_PHRASES = _phrases(SCHOOL_PREFIXES)
_SCHOOL_LEVEL_ABBREVIATIONS = {_key(_words(text)): short for text, short in SCHOOL_LEVELS.items()}
_SCHOOL_LEVEL_PHRASES = _phrases(SCHOOL_LEVELS)
_SCHOOL_JOINERS = frozenset(_key(SCHOOL_LEVEL_JOINERS))


def _match(words: list[str], phrases: list[_Phrase]) -> _Phrase | None:
    key = _key(words)
    return next((phrase for phrase in phrases if key[: len(phrase)] == phrase), None)


def _drop_prefix(words: list[str], phrases: list[_Phrase]) -> list[str]:
    phrase = _match(words, phrases)
    return words[len(phrase) :] if phrase else words


def _ascii(word: str) -> str:
    return "".join(fold_words(word))


def _is_abbreviation(word: str, shouting: bool) -> bool:
    if len(word) < 2 or not word.isupper():
        return False
    # In a name written all in capitals only the syllable shape tells an abbreviation apart.
    return not shouting or _SYLLABLE_RE.fullmatch(_ascii(word)) is None


def _initials(words: list[str]) -> str:
    text = " ".join(words)
    shouting = text.isupper()
    parts: list[str] = []
    for word in words:
        if word.lower() in _STOP_WORDS:
            continue
        folded = _ascii(word)
        # Abbreviations and numbers ("UBND", "PA03", "12") are kept whole.
        whole = _is_abbreviation(word, shouting) or any(char.isdigit() for char in word)
        parts.append(folded if whole else folded[:1])
    return "".join(parts)


def _commune_core(words: list[str]) -> str:
    words = _drop_prefix(words, _COMMUNE_BODY_PHRASES)
    words = _drop_prefix(words, _COMMUNE_PLACE_PHRASES)
    return "".join(_ascii(word) for word in words)


def _school_core(words: list[str]) -> str:
    words = _drop_prefix(words, _SCHOOL_PHRASES)
    levels: list[str] = []
    while phrase := _match(words, _SCHOOL_LEVEL_PHRASES):
        levels.append(_SCHOOL_LEVEL_ABBREVIATIONS[phrase])
        words = words[len(phrase) :]
        if words and words[0].lower() in _SCHOOL_JOINERS and _match(words[1:], _SCHOOL_LEVEL_PHRASES):
            words = words[1:]
    return "".join(levels) + "".join(_ascii(word) for word in words)


def propose_labels(name: str, kind: str) -> dict[str, str]:
    """Propose a DNS label per domain purpose ("workspace", "portal") for a tenant's name.

    The portal gets the short name (initials, place name or school short name); the
    workspace gets "qlvbdh" + that short name. Proposals are not checked for uniqueness
    or reserved words: pass each through ``unique_label``.
    """
    words = _words(name)
    if kind in (KIND_DEPARTMENT, KIND_OTHER):
        core = _initials(words)
    elif kind == KIND_COMMUNE:
        core = _commune_core(words)
    elif kind == KIND_SCHOOL:
        core = _school_core(words)
    else:
        raise ValidationError(
            _("Loại đơn vị “%(kind)s” không có quy tắc đặt tên miền; chọn một trong: %(kinds)s."),
            code="invalid_kind",
            params={"kind": kind, "kinds": ", ".join(KINDS)},
        )
    if not core:
        raise ValidationError(
            _(
                "Không đề xuất được tên miền từ tên “%(name)s”: tên không còn chữ cái hay chữ số nào "
                "sau khi bỏ các từ như “UBND”, “xã”, “Trường”. Hãy nhập tên đầy đủ của đơn vị, "
                "ví dụ “Sở Thông tin và Truyền thông” hoặc “UBND xã Mang Yang”."
            ),
            code="invalid_name",
            params={"name": nfc(name)},
        )
    return {
        PURPOSE_WORKSPACE: (WORKSPACE_PREFIX + core)[:MAX_LABEL_LENGTH],
        PURPOSE_PORTAL: core[:MAX_LABEL_LENGTH],
    }


def _label_format(label: str) -> str:
    label = label.strip().lower()
    if not LABEL_RE.fullmatch(label):
        raise ValidationError(
            _(
                "Tên miền con “%(label)s” không hợp lệ: chỉ được dùng chữ thường không dấu (a-z), "
                "chữ số (0-9) và dấu gạch ngang, không bắt đầu hay kết thúc bằng dấu gạch ngang, "
                "dài từ 1 đến 63 ký tự."
            ),
            code="invalid_label",
            params={"label": label},
        )
    return label


def validate_label(label: str) -> str:
    """Return ``label`` stripped and lower-cased if it is a DNS label the platform does not reserve."""
    label = _label_format(label)
    if label in RESERVED_LABELS:
        raise ValidationError(
            _("Tên miền con “%(label)s” được dành riêng cho hệ thống; hãy chọn tên khác."),
            code="reserved_label",
            params={"label": label},
        )
    return label


def unique_label(base: str, is_taken: Callable[[str], bool]) -> str:
    """Return ``base``, or ``base`` + "2", "3", ... the first that is neither taken nor reserved.

    ``base`` is shortened as needed to keep the result within 63 characters.
    """
    base = _label_format(base)
    candidate, number = base, 1
    while candidate in RESERVED_LABELS or is_taken(candidate):
        number += 1
        suffix = str(number)
        candidate = base[: MAX_LABEL_LENGTH - len(suffix)] + suffix
    return candidate


def validate_host(host: str) -> str:
    """Return a full host name lower-cased, without a trailing dot, if every label is valid."""
    normalised = host.strip().lower()
    normalised = normalised.removesuffix(".")
    labels = normalised.split(".")
    if len(normalised) > MAX_HOST_LENGTH or not all(LABEL_RE.fullmatch(label) for label in labels):
        raise ValidationError(
            _(
                "Tên miền “%(host)s” không hợp lệ: gồm các phần cách nhau bởi dấu chấm, mỗi phần "
                "chỉ có chữ thường không dấu (a-z), chữ số (0-9) và dấu gạch ngang (không ở đầu hay "
                "cuối), dài từ 1 đến 63 ký tự; cả tên miền dài tối đa 253 ký tự."
            ),
            code="invalid_host",
            params={"host": host.strip()},
        )
    return normalised
