"""Accounts: create (with a one-time password), lock, unlock, deactivate, reactivate, update; and
the account name each new person gets under rule R8."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import events, naming
from accounts.models import OrgUnit, RoleGrant, User, folded_name_of
from accounts.permissions import require_actor
from accounts.services.base import clean_text, lock_target, validate_birth_year, validate_roles
from accounts.services.credentials import issue_temporary_password
from accounts.services.units import position_ensure
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import nfc

# --- account names -------------------------------------------------------------------------------


def existing_holders(candidates: Iterable[str]) -> dict[str, str]:
    """Every account name that could collide, with its holder's folded full name."""
    prefixes = {candidate for candidate in candidates if candidate}
    if not prefixes:
        return {}
    query = Q()
    for prefix in prefixes:
        query |= Q(username__startswith=prefix)
    return {
        username: _folded_identity(full_name)
        for username, full_name in User.objects.filter(query).values_list("username", "full_name")
    }


def _folded_identity(full_name: str) -> str:
    try:
        return naming.name_parts(full_name).folded_full
    except ApplicationError:
        return ""


def user_propose_username(*, full_name: str, birth_year: int | None = None) -> str:
    """Rule R8 for one new person against the accounts that exist (the newcomer is disambiguated)."""
    parts = naming.name_parts(full_name)
    candidates = [naming.base_name(parts), naming.expanded_name(parts) or ""]
    person = naming.Person(key=0, full_name=full_name, birth_year=birth_year)
    return naming.propose_names([person], existing_holders(candidates))[0]


# --- create, lock, reset, deactivate -------------------------------------------------------------


@dataclass
class AccountData:
    full_name: str
    username: str = ""
    birth_year: int | None = None
    unit: OrgUnit | None = None
    position: str = ""  # a title; added to the catalogue inside the creating transaction
    email: str = ""
    phone: str = ""
    roles: list[str] = field(default_factory=list)
    request_key: str = ""  # idempotency: the same key never creates a second account


def user_create(*, actor: Actor, data: AccountData) -> tuple[User, str]:
    """Create an account with a one-time password to hand over; the person must change it at first login."""
    require_actor(actor, "accounts.manage_accounts")
    request_key = (data.request_key or "").strip()[:64] or None
    if request_key:
        _refuse_repeat(request_key)
    errors: dict[str, list[str]] = {}
    full_name = clean_text(data.full_name, _("Họ và tên"), errors, "full_name")
    if not full_name:
        errors.setdefault("full_name", []).append(_("Họ và tên không được để trống."))
    validate_birth_year(data.birth_year, errors)
    email = (data.email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.setdefault("email", []).append(_("Địa chỉ thư điện tử không hợp lệ."))
    roles = validate_roles(data.roles, errors)
    username = (data.username or "").strip().lower()
    if not errors.get("full_name"):
        try:
            username = (
                naming.validate_username(username)
                if username
                else user_propose_username(full_name=full_name, birth_year=data.birth_year)
            )
        except ValidationError as exc:
            errors.setdefault("username", []).extend(exc.messages)
        except ApplicationError as exc:
            errors.setdefault("full_name", []).append(exc.message)
    if username and User.objects.filter(username=username).exists():
        errors.setdefault("username", []).append(
            _("Tên tài khoản %(name)s đã được dùng; tên đã dùng không bao giờ được cấp lại.")
            % {"name": username}
        )
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            user = User(
                username=username,
                full_name=full_name,
                folded_name=folded_name_of(full_name),
                birth_year=data.birth_year,
                unit=data.unit,
                position=position_ensure(data.position),
                email=email,
                phone=(data.phone or "").strip(),
                creation_key=request_key,
            )
            password = issue_temporary_password(user, actor=actor)
            user.save()
            RoleGrant.objects.bulk_create(
                [RoleGrant(user=user, role=role, granted_by=actor.name) for role in roles]
            )
            audit_record(actor=actor, action="account.create", target=user, roles=roles, full_name=full_name)
            events.publish(events.RolesChanged(user=user))
    except IntegrityError as exc:
        if request_key:
            _refuse_repeat(request_key)  # the same request, committed by a concurrent repeat
        raise ApplicationError(
            _("Tên tài khoản %(name)s vừa được dùng cho người khác; hãy thử lại.") % {"name": username}
        ) from exc
    return user, password


def _refuse_repeat(request_key: str) -> None:
    existing = User.objects.filter(creation_key=request_key).first()
    if existing is not None:
        raise ApplicationError(
            _("Yêu cầu này đã tạo tài khoản %(name)s; không tạo thêm.") % {"name": existing.username},
            code="already_created",
            extra={"uuid": str(existing.uuid), "username": existing.username},
            status=409,
        )


def user_lock(*, actor: Actor, user: User, reason: str = "") -> User:
    """R10: a lost or misused account is locked at once; its open sessions end at their next request."""
    with transaction.atomic():
        locked = lock_target(actor, user)
        if actor.user is not None and actor.user.pk == locked.pk:
            raise ApplicationError(_("Không thể tự khoá tài khoản của chính mình."), code="self_lock")
        if locked.locked_at is not None:
            return locked
        locked.locked_at = timezone.now()
        locked.locked_reason = nfc(reason or "")[:255]
        locked.security_stamp = secrets.token_hex(16)
        locked.save(update_fields=["locked_at", "locked_reason", "security_stamp"])
        audit_record(actor=actor, action="account.lock", target=locked, reason=locked.locked_reason)
    return locked


def user_unlock(*, actor: Actor, user: User, reason: str = "") -> User:
    """Lift an officer's lock and the login delay after failed logins."""
    from axes.utils import reset as axes_reset

    from accounts.security import account_throttle_clear

    with transaction.atomic():
        unlocked = lock_target(actor, user)
        axes_reset(username=unlocked.username)
        cleared = account_throttle_clear(unlocked.username)
        if unlocked.locked_at is None and not cleared:
            return unlocked
        unlocked.locked_at = None
        unlocked.locked_reason = ""
        unlocked.save(update_fields=["locked_at", "locked_reason"])
        audit_record(
            actor=actor,
            action="account.unlock",
            target=unlocked,
            reason=nfc(reason or ""),
            failed_logins=cleared,
        )
    return unlocked


def user_deactivate(*, actor: Actor, user: User, reason: str = "") -> User:
    """The person leaves: the account stops working, its name and history stay forever."""
    with transaction.atomic():
        target = lock_target(actor, user)
        if actor.user is not None and actor.user.pk == target.pk:
            raise ApplicationError(
                _("Không thể tự ngừng sử dụng tài khoản của chính mình."), code="self_lock"
            )
        if target.deactivated_at is not None:
            return target
        target.deactivated_at = timezone.now()
        target.deactivated_reason = nfc(reason or "")[:255]
        target.is_active = False
        target.security_stamp = secrets.token_hex(16)
        target.save(update_fields=["deactivated_at", "deactivated_reason", "is_active", "security_stamp"])
        audit_record(
            actor=actor, action="account.deactivate", target=target, reason=target.deactivated_reason
        )
    return target


def user_reactivate(*, actor: Actor, user: User) -> User:
    with transaction.atomic():
        target = lock_target(actor, user)
        if target.deactivated_at is None:
            return target
        target.deactivated_at = None
        target.deactivated_reason = ""
        target.is_active = True
        target.save(update_fields=["deactivated_at", "deactivated_reason", "is_active"])
        audit_record(actor=actor, action="account.reactivate", target=target)
    return target


def user_update(
    *, actor: Actor, user: User, unit: OrgUnit | None, position_name: str, email: str, phone: str
) -> User:
    """Contact details and placement; the name on record and the account name do not change here."""
    errors: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Địa chỉ thư điện tử không hợp lệ.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        target = lock_target(actor, user)
        position = position_ensure(position_name)
        before = {
            "unit": str(target.unit or ""),
            "position": str(target.position or ""),
            "email": target.email,
        }
        target.unit, target.position, target.email, target.phone = (
            unit,
            position,
            email,
            (phone or "").strip(),
        )
        target.save(update_fields=["unit", "position", "email", "phone"])
        after = {"unit": str(unit or ""), "position": str(position or ""), "email": email}
        audit_record(actor=actor, action="account.update", target=target, before=before, after=after)
    return target
