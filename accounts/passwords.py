"""Password rules for Vietnamese users.

Long passphrases with diacritics are welcome (they are NFC-normalised before hashing). Refused:
anything built from the person's own name, account name or birth year, with or without
diacritics, and the passwords Vietnamese offices use most.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.text import fold_words

# Seen again and again on Vietnamese systems; compared without diacritics, spaces or case.
COMMON_VIETNAMESE = frozenset(
    {
        "matkhau",
        "matkhau123",
        "matkhaumoi",
        "matkhau2026",
        "anhyeuem",
        "emyeuanh",
        "yeuem",
        "vietnam",
        "vietnam123",
        "tinhso",
        "gialai",
        "quantri",
        "quantri123",
        "admin123",
        "iloveyou",
        "hanoi",
        "saigon",
        "123456aa",
        "abc123456",
        "qwerty123",
        "congvan",
        "vanthu",
        "vanban",
    }
)


def _squash(value: str) -> str:
    return "".join(fold_words(value))


class VietnamesePasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        squashed = _squash(password)
        if squashed in COMMON_VIETNAMESE or squashed.rstrip("0123456789") in COMMON_VIETNAMESE:
            raise ValidationError(_("Mật khẩu này quá phổ biến."), code="password_common_vi")
        if user is None:
            return
        words = fold_words(getattr(user, "full_name", "") or "")
        personal = {getattr(user, "username", "") or "", "".join(words), "".join(reversed(words))}
        personal |= {word for word in words if len(word) >= 4}
        year = getattr(user, "birth_year", None)
        stripped = squashed.rstrip("0123456789")
        for part in personal:
            if (
                part
                and len(part) >= 3
                and ((part in squashed and len(squashed) - len(part) < 6) or stripped == part)
            ):
                raise ValidationError(
                    _("Mật khẩu không được dựa trên họ tên hoặc tên tài khoản."), code="password_personal"
                )
        if year and str(year) in password and len(squashed) - len(str(year)) < 8:
            raise ValidationError(_("Mật khẩu không được dựa trên năm sinh."), code="password_birth_year")

    def get_help_text(self) -> str:
        return _("Không dùng họ tên, tên tài khoản, năm sinh hay mật khẩu phổ biến.")
