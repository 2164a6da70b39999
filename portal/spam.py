"""The public forms' guard against spam without a third-party service (P8): a honeypot field a
person never sees, a minimum time between opening the form and sending it (read from a signed
token the form carries), a limit of sendings per address and hour (a counter in Redis), and size
limits on every field. The token also names the sending: the same form sent twice is one item."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from core import ratelimits

HONEYPOT = "website"  # hidden from people by CSS and aria-hidden; bots fill it
_SALT = "portal.public-form"
_MAX_AGE = 24 * 3600


def form_token() -> str:
    return signing.dumps({"t": ratelimits.clock(), "n": secrets.token_hex(8)}, salt=_SALT)


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str
    retry_after: int = 0


def submission_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def form_check(*, data: dict[str, str], ip: str | None) -> Refusal | None:
    """None when the sending may go through (and then it counts against the address's limit)."""
    if (data.get(HONEYPOT) or "").strip():
        return Refusal(400, _("Không gửi được: biểu mẫu có dấu hiệu tự động."))
    try:
        opened = float(signing.loads(data.get("token") or "", salt=_SALT)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return Refusal(400, _("Biểu mẫu đã hết hạn hoặc không hợp lệ: hãy tải lại trang và gửi lại."))
    elapsed = ratelimits.clock() - opened
    if elapsed > _MAX_AGE:
        return Refusal(400, _("Biểu mẫu đã hết hạn hoặc không hợp lệ: hãy tải lại trang và gửi lại."))
    if elapsed < settings.PORTAL_FORM_MIN_SECONDS:
        return Refusal(400, _("Bạn gửi quá nhanh: hãy đọc lại nội dung rồi gửi lại sau vài giây."))
    window = ratelimits.window_hit("portal-form", ip or "unknown", seconds=3600)
    if window.over(settings.PORTAL_FORM_PER_HOUR):
        return Refusal(
            429,
            _("Địa chỉ của bạn đã gửi quá nhiều lần trong một giờ: hãy thử lại sau."),
            retry_after=window.retry_after,
        )
    return None
