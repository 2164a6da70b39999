"""Personal API tokens: made by their owner (shown once), revoked by the owner or the IT officer,
checked on every API call. Made and revoked tokens go to the login history and the audit trail;
uses go to the login history (the first of each day, and each use from a new address).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, LoginEvent, User
from accounts.selectors import may_revoke_token
from accounts.services.logins import login_event_record
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.http import client_ip
from core.tenancy import current_schema
from core.text import nfc

PREFIX = "tinhso_"
# tinhso_<16 hex: the lookup key>_<43 url-safe characters: 256 random bits>
_SHAPE = re.compile(r"tinhso_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
TOKEN_LENGTH = len(PREFIX) + 16 + 1 + 43
NAME_MAX_LENGTH = 100
# A digest no token has: an unknown key is compared against it, so a miss costs what a hit costs.
_NOBODY = hashlib.sha256(b"no token").hexdigest()


def _digest(token: str) -> str:
    # Bound to the schema: a row copied into another tenant's schema (a restore, a clone) is dead there.
    return hashlib.sha256(f"{current_schema()}\x00{token}".encode()).hexdigest()


def token_create(*, actor: Actor, user: User, name: str, scope: str, days: int) -> tuple[ApiToken, str]:
    """A new token for the actor's own account (or any, from the command line); the secret is
    returned here once and never stored."""
    if actor.user is not None and actor.user.pk != user.pk:
        raise PermissionDenied  # nobody makes a token that acts as someone else
    errors: dict[str, list[str]] = {}
    name = " ".join(nfc(name or "").split())
    if not name:
        errors["name"] = [_("Hãy đặt tên gợi nhớ cho mã (ví dụ: tên phần mềm dùng nó).")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("Tên gợi nhớ dài tối đa %(n)d ký tự.") % {"n": NAME_MAX_LENGTH}]
    if scope not in ApiToken.Scope.values:
        errors["scope"] = [_("Quyền của mã phải là chỉ đọc hoặc đọc và ghi.")]
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = [_("Mã phải hết hạn sau từ 1 đến %(n)d ngày.") % {"n": settings.API_TOKEN_MAX_DAYS}]
    if errors:
        raise ValidationError(errors)
    key, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    token = f"{PREFIX}{key}_{secret}"
    with transaction.atomic():
        owner = User.objects.select_for_update().get(pk=user.pk)  # one count at a time per person
        if not _usable(owner):
            raise ApplicationError(
                _("Tài khoản %(name)s đang bị khoá hoặc đã ngừng sử dụng: không tạo mã được.")
                % {"name": owner.username},
                code="unusable_account",
            )
        now = timezone.now()
        live = ApiToken.objects.filter(user=owner, revoked_at__isnull=True, expires_at__gt=now).count()
        if live >= settings.API_TOKEN_MAX_PER_USER:
            raise ValidationError(
                {
                    "name": [
                        _("Mỗi người có tối đa %(n)d mã đang dùng; hãy thu hồi mã không còn cần.")
                        % {"n": settings.API_TOKEN_MAX_PER_USER}
                    ]
                }
            )
        made = ApiToken.objects.create(
            user=owner,
            name=name,
            key=key,
            digest=_digest(token),
            scope=scope,
            expires_at=now + timedelta(days=days),
        )
        _history(actor, made, LoginEvent.Kind.TOKEN_CREATED)
        audit_record(
            actor=actor,
            action="account.token_create",
            target=owner,
            token=str(made.uuid),
            name=name,
            scope=scope,
            expires_at=made.expires_at.isoformat(),
        )
    return made, token


def _history(actor: Actor, token: ApiToken, kind: str) -> None:
    LoginEvent.objects.create(
        user=token.user, username=token.user.username, kind=kind, ip=actor.ip, token=token
    )


def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke at once; a second revoke changes nothing."""
    if actor.user is not None and not may_revoke_token(actor.user, token):
        raise PermissionDenied
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor.name[:150]
        locked.save(update_fields=["revoked_at", "revoked_by"])
        _history(actor, locked, LoginEvent.Kind.TOKEN_REVOKED)
        audit_record(
            actor=actor,
            action="account.token_revoke",
            target=locked.user,
            token=str(locked.uuid),
            name=locked.name,
        )
    return locked


def _usable(user: User) -> bool:
    return bool(user.is_active and user.locked_at is None and user.deactivated_at is None)


@dataclass(frozen=True)
class Refusal:
    """Why a presented token does not sign anyone in, as a sentence."""

    message: str


def token_check(raw: str) -> ApiToken | Refusal:
    """The live token `raw` is, with its user, or why not. Timing does not tell a wrong secret
    from an unknown key: both cost one lookup and one constant-time compare."""
    found = _SHAPE.fullmatch(raw) if len(raw) == TOKEN_LENGTH else None
    if found is None:
        return Refusal(_("Mã truy cập API không đúng dạng (tinhso_…); hãy sao chép lại đầy đủ mã."))
    token = ApiToken.objects.select_related("user").filter(key=found.group(1)).first()
    matches = hmac.compare_digest(token.digest if token is not None else _NOBODY, _digest(raw))
    if token is None or not matches:
        return Refusal(_("Mã truy cập API không đúng."))
    now = timezone.now()
    if token.revoked_at is not None:
        return Refusal(_("Mã truy cập API này đã bị thu hồi."))
    if token.expires_at <= now:
        return Refusal(_("Mã truy cập API này đã hết hạn; hãy tạo mã mới."))
    if not _usable(token.user):
        return Refusal(_("Tài khoản của mã này đang bị khoá hoặc đã ngừng sử dụng."))
    return token


def token_use_record(request: HttpRequest, token: ApiToken) -> None:
    """Note the use on the token (at most once a minute per address) and in the login history:
    the first use of each day, and each use from another address (a copied token shows up there)."""
    now = timezone.now()
    ip = client_ip(request)
    last = token.last_used_at
    new_address = ip != token.last_used_ip
    if last is not None and not new_address and (now - last).total_seconds() < 60:
        return
    # Only the request that moves last_used_at writes the history line (two at once: one).
    moved = ApiToken.objects.filter(pk=token.pk, last_used_at=last).update(last_used_at=now, last_used_ip=ip)
    if not moved:
        return
    first_today = last is None or timezone.localdate(last) != timezone.localdate(now)
    if first_today or new_address:
        login_event_record(
            request,
            username=token.user.username,
            kind=LoginEvent.Kind.TOKEN_USED,
            user=token.user,
            token=token,
        )
