"""Account use cases. Each checks the actor's permission, owns its transaction, writes an audit
entry and is safe to repeat (locking a locked account changes nothing)."""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import importing, naming
from accounts.models import ImportBatch, LoginEvent, OrgUnit, Position, RoleGrant, User, folded_name_of
from accounts.permissions import can, forget_roles, in_province_scope, require_actor
from accounts.roles import role_label, roles_for_scope
from core.audit import Actor, audit_record, audit_record_many
from core.errors import ApplicationError
from core.http import client_agent, client_ip
from core.locks import lock_table_for_writers
from core.text import legacy_encoding, nfc

logger = logging.getLogger(__name__)

_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied by hand


def temporary_password() -> str:
    return "-".join("".join(secrets.choice(_TEMP_ALPHABET) for _ in range(4)) for _ in range(4))


def _issue_temporary_password(user: User) -> str:
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.temporary_password_expires_at = timezone.now() + timedelta(hours=settings.TEMPORARY_PASSWORD_HOURS)
    user.security_stamp = secrets.token_hex(16)
    return password


def _clean_text(value: str, label: str, errors: dict[str, list[str]], key: str) -> str:
    value = nfc(value or "")
    encoding = legacy_encoding(value) if value else None
    if encoding:
        errors.setdefault(key, []).append(
            _("%(label)s có vẻ được gõ bằng bảng mã cũ %(enc)s; hãy chuyển sang Unicode (TCVN 6909).")
            % {"label": label, "enc": encoding}
        )
    return value


# --- account names -------------------------------------------------------------------------------


def _existing_holders(candidates: Iterable[str]) -> dict[str, str]:
    """Every account name that could collide, with its holder's folded full name."""
    prefixes = {candidate for candidate in candidates if candidate}
    if not prefixes:
        return {}
    from django.db.models import Q

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
    return naming.propose_names([person], _existing_holders(candidates))[0]


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


def _validate_birth_year(value: int | None, errors: dict[str, list[str]]) -> None:
    if value is None:
        return
    latest = timezone.localdate().year - 15
    if not 1930 <= value <= latest:
        errors.setdefault("birth_year", []).append(
            _("Năm sinh phải từ 1930 đến %(latest)s.") % {"latest": latest}
        )


def _validate_roles(roles: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    allowed = roles_for_scope(province=in_province_scope())
    cleaned = []
    for role in roles:
        if role not in allowed:
            errors.setdefault("roles", []).append(
                _("Vai trò “%(role)s” không dùng được ở đây.") % {"role": role}
            )
        elif role not in cleaned:
            cleaned.append(role)
    return cleaned


def user_create(*, actor: Actor, data: AccountData) -> tuple[User, str]:
    """Create an account with a one-time password to hand over; the person must change it at first login."""
    require_actor(actor, "accounts.manage_accounts")
    request_key = (data.request_key or "").strip()[:64] or None
    if request_key:
        _refuse_repeat(request_key)
    errors: dict[str, list[str]] = {}
    full_name = _clean_text(data.full_name, _("Họ và tên"), errors, "full_name")
    if not full_name:
        errors.setdefault("full_name", []).append(_("Họ và tên không được để trống."))
    _validate_birth_year(data.birth_year, errors)
    email = (data.email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.setdefault("email", []).append(_("Địa chỉ thư điện tử không hợp lệ."))
    roles = _validate_roles(data.roles, errors)
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
            password = _issue_temporary_password(user)
            user.save()
            RoleGrant.objects.bulk_create(
                [RoleGrant(user=user, role=role, granted_by=actor.name) for role in roles]
            )
            audit_record(actor=actor, action="account.create", target=user, roles=roles, full_name=full_name)
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


def _lock_target(actor: Actor, user: User) -> User:
    require_actor(actor, "accounts.manage_accounts", user)
    return User.objects.select_for_update().get(pk=user.pk)


def user_lock(*, actor: Actor, user: User, reason: str = "") -> User:
    """R10: a lost or misused account is locked at once; its open sessions end at their next request."""
    with transaction.atomic():
        locked = _lock_target(actor, user)
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
    """Lift an officer's lock and the automatic lockout after failed logins."""
    from axes.utils import reset as axes_reset

    with transaction.atomic():
        unlocked = _lock_target(actor, user)
        cleared = axes_reset(username=unlocked.username)
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


def _refuse_takeover(actor: Actor, target: User, *, resetting: str) -> None:
    """An officer who could reset both the password and the authenticator of a privileged person
    would hold the account alone (R11: using another's account). In the application one reset
    must be used by its owner before the other is allowed; the shell (trusted) may do both."""
    from django_otp import user_has_device

    from accounts.security import second_factor_mandatory

    if actor.user is None or actor.user.pk == target.pk or not second_factor_mandatory(target):
        return
    if resetting == "password" and target.last_login is not None and not user_has_device(target):
        raise ApplicationError(
            _(
                "%(name)s chưa đăng ký lại thiết bị xác thực; hãy để họ đăng nhập và "
                "đăng ký trước khi cấp mật khẩu tạm."
            )
            % {"name": target.username},
            code="takeover",
        )
    if resetting == "device" and target.must_change_password:
        raise ApplicationError(
            _("%(name)s còn mật khẩu tạm chưa đổi; hãy để họ đổi mật khẩu trước khi gỡ thiết bị xác thực.")
            % {"name": target.username},
            code="takeover",
        )


def user_reset_password(*, actor: Actor, user: User) -> tuple[User, str]:
    """A one-time password for the officer to hand over; it forces a new one and ends open sessions."""
    with transaction.atomic():
        target = _lock_target(actor, user)
        _refuse_takeover(actor, target, resetting="password")
        password = _issue_temporary_password(target)
        target.save(
            update_fields=[
                "password",
                "must_change_password",
                "temporary_password_expires_at",
                "security_stamp",
            ]
        )
        audit_record(actor=actor, action="account.reset_password", target=target)
    return target, password


def user_deactivate(*, actor: Actor, user: User, reason: str = "") -> User:
    """The person leaves: the account stops working, its name and history stay forever."""
    with transaction.atomic():
        target = _lock_target(actor, user)
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
        target = _lock_target(actor, user)
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
        target = _lock_target(actor, user)
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


def role_grant(*, actor: Actor, user: User, role: str) -> User:
    errors: dict[str, list[str]] = {}
    _validate_roles([role], errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        target = _lock_target(actor, user)
        if target.role_grants.filter(role=role, revoked_at__isnull=True).exists():
            return target
        if actor.user is not None and actor.user.pk == target.pk:
            raise ApplicationError(
                _("Không thể tự cấp vai trò cho chính mình; hãy nhờ người có thẩm quyền khác."),
                code="self_grant",
            )
        RoleGrant.objects.create(user=target, role=role, granted_by=actor.name)
        audit_record(
            actor=actor, action="account.grant_role", target=target, role=role, label=role_label(role)
        )
    forget_roles(user)
    return target


def role_revoke(*, actor: Actor, user: User, role: str) -> User:
    with transaction.atomic():
        target = _lock_target(actor, user)
        grant = target.role_grants.select_for_update().filter(role=role, revoked_at__isnull=True).first()
        if grant is None:
            return target
        if actor.user is not None and actor.user.pk == target.pk and role in ("it_officer", "operator"):
            raise ApplicationError(
                _("Không thể tự thu hồi vai trò quản trị của chính mình; hãy nhờ người khác."),
                code="self_revoke",
            )
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor.name
        grant.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor, action="account.revoke_role", target=target, role=role, label=role_label(role)
        )
    forget_roles(user)
    return target


def second_factor_reset(*, actor: Actor, user: User) -> User:
    """The phone with the authenticator is lost: remove the devices; the next login enrols a new one."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        target = _lock_target(actor, user)
        _refuse_takeover(actor, target, resetting="device")
        removed = TOTPDevice.objects.filter(user=target).delete()[0]
        removed += StaticDevice.objects.filter(user=target).delete()[0]
        target.security_stamp = secrets.token_hex(16)
        target.save(update_fields=["security_stamp"])
        audit_record(actor=actor, action="account.reset_second_factor", target=target, devices=removed)
    return target


# --- the person's own account --------------------------------------------------------------------


def temporary_password_used(*, user: User) -> None:
    """Signed in with a handed-over password: it stays good only for the forced change."""
    if not user.must_change_password:
        return
    soon = timezone.now() + timedelta(minutes=15)
    User.objects.filter(pk=user.pk, must_change_password=True).filter(
        models.Q(temporary_password_expires_at__isnull=True)
        | models.Q(temporary_password_expires_at__gt=soon)
    ).update(temporary_password_expires_at=soon)


def password_change(*, actor: Actor, user: User, old_password: str, new_password: str) -> User:
    if actor.user is None or actor.user.pk != user.pk:
        raise ApplicationError(_("Chỉ chủ tài khoản mới đổi được mật khẩu của mình."), code="not_owner")
    if not user.check_password(old_password):
        raise ValidationError({"old_password": [_("Mật khẩu hiện tại không đúng.")]})
    if old_password == new_password:
        raise ValidationError({"new_password": [_("Mật khẩu mới phải khác mật khẩu hiện tại.")]})
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    with transaction.atomic():
        target = User.objects.select_for_update().get(pk=user.pk)
        target.set_password(new_password)
        target.must_change_password = False
        target.temporary_password_expires_at = None
        target.save(update_fields=["password", "must_change_password", "temporary_password_expires_at"])
        audit_record(actor=actor, action="account.change_password", target=target)
    return target


def second_factor_pending_device(*, user: User, device_id: int | None = None) -> Any:
    """The authenticator this enrolment is setting up. A new enrolment gets a new secret, so a
    secret seen by someone else on an earlier, abandoned setup page never becomes the device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    unconfirmed = TOTPDevice.objects.filter(user=user, confirmed=False)
    if device_id is not None:
        device = unconfirmed.filter(pk=device_id).first()
        if device is not None:
            return device
    unconfirmed.delete()
    return TOTPDevice.objects.create(user=user, name=_("Ứng dụng xác thực"), confirmed=False)


def second_factor_confirm(*, actor: Actor, user: User, device: Any, token: str) -> bool:
    """Confirm the enrolment with the first code the app shows. False: wrong code, nothing changed."""
    if device.user_id != user.pk or not device.verify_token(token):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=actor, action="account.enrol_second_factor", target=user, device=device.name)
    return True


def login_event_record(
    request: HttpRequest | None, *, username: str, kind: str, user: User | None = None
) -> LoginEvent:
    return LoginEvent.objects.create(
        user=user if user is not None and user.pk else None,
        username=(username or "")[:150],
        kind=kind,
        ip=client_ip(request) if request is not None else None,
        user_agent=client_agent(request) if request is not None else "",
    )


# --- units and positions -------------------------------------------------------------------------


def unit_create(*, actor: Actor, name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    require_actor(actor, "accounts.manage_units")
    errors: dict[str, list[str]] = {}
    name = _clean_text(name, _("Tên đơn vị"), errors, "name")
    if not name:
        errors.setdefault("name", []).append(_("Tên phòng, ban không được để trống."))
    if kind not in OrgUnit.Kind.values:
        errors.setdefault("kind", []).append(_("Loại phòng, ban không hợp lệ."))
    folded = folded_name_of(name)
    if name and OrgUnit.objects.filter(parent=parent, folded_name=folded).exists():
        errors.setdefault("name", []).append(_("Đã có phòng, ban “%(name)s” ở cấp này.") % {"name": name})
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            unit = OrgUnit.objects.create(name=name, folded_name=folded, kind=kind, parent=parent)
            audit_record(actor=actor, action="unit.create", target=unit, parent=str(parent or ""))
    except IntegrityError as exc:
        raise ApplicationError(_("Đã có phòng, ban “%(name)s” ở cấp này.") % {"name": name}) from exc
    return unit


def unit_update(
    *, actor: Actor, unit: OrgUnit, name: str, kind: str, parent: OrgUnit | None, is_active: bool
) -> OrgUnit:
    """Rename, move or close a unit. A unit never moves under itself; a closed unit has nobody left in it."""
    require_actor(actor, "accounts.manage_units")
    errors: dict[str, list[str]] = {}
    name = _clean_text(name, _("Tên phòng, ban"), errors, "name")
    if not name:
        errors.setdefault("name", []).append(_("Tên phòng, ban không được để trống."))
    if kind not in OrgUnit.Kind.values:
        errors.setdefault("kind", []).append(_("Loại phòng, ban không hợp lệ."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Two concurrent moves could each pass the cycle check and make one together.
        lock_table_for_writers(OrgUnit)
        locked = OrgUnit.objects.get(pk=unit.pk)
        ancestor = OrgUnit.objects.filter(pk=parent.pk).first() if parent is not None else None
        while ancestor is not None:
            if ancestor.pk == locked.pk:
                raise ValidationError({"parent": [_("Không thể đặt phòng, ban trực thuộc chính nó.")]})
            ancestor = ancestor.parent
        if not is_active and locked.is_active:
            if locked.members.filter(deactivated_at__isnull=True).exists():
                raise ValidationError({"is_active": [_("Còn người đang làm việc trong phòng, ban này.")]})
            if locked.children.filter(is_active=True).exists():
                raise ValidationError({"is_active": [_("Còn phòng, ban trực thuộc đang hoạt động.")]})
        folded = folded_name_of(name)
        if OrgUnit.objects.filter(parent=parent, folded_name=folded).exclude(pk=locked.pk).exists():
            raise ValidationError({"name": [_("Đã có phòng, ban “%(name)s” ở cấp này.") % {"name": name}]})
        before = {
            "name": locked.name,
            "kind": locked.kind,
            "parent": str(locked.parent or ""),
            "active": locked.is_active,
        }
        locked.name, locked.folded_name, locked.kind, locked.parent, locked.is_active = (
            name,
            folded,
            kind,
            parent,
            is_active,
        )
        locked.save(update_fields=["name", "folded_name", "kind", "parent", "is_active"])
        after = {"name": name, "kind": kind, "parent": str(parent or ""), "active": is_active}
        if before != after:
            audit_record(actor=actor, action="unit.update", target=locked, before=before, after=after)
    return locked


def position_ensure(name: str) -> Position | None:
    name = nfc(name or "")
    if not name:
        return None
    position, _created = Position.objects.get_or_create(
        folded_name=folded_name_of(name), defaults={"name": name}
    )
    return position


# --- bulk import ---------------------------------------------------------------------------------


def _resolve_batch_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check units and e-mails against today's database and propose every account name at once (R8).

    The file's own errors (`file_errors`) stay; the database-derived ones are worked out afresh,
    so a unit created after the preview makes its rows good at confirmation.
    """
    units = Counter(OrgUnit.objects.filter(is_active=True).values_list("folded_name", flat=True))
    for row in rows:
        row["username"] = ""
        row.setdefault("file_errors", list(row.get("errors") or []))
        row["errors"] = list(row["file_errors"])
        folded_unit = folded_name_of(row.get("unit") or "")
        if folded_unit and units[folded_unit] == 0:
            row["errors"].append(
                _("Phòng, ban “%(unit)s” chưa có trong danh mục; hãy tạo trước hoặc sửa tên.")
                % {"unit": row["unit"]}
            )
        elif folded_unit and units[folded_unit] > 1:
            row["errors"].append(
                _("Có nhiều phòng, ban tên “%(unit)s” ở các cấp khác nhau; hãy đổi tên cho phân biệt.")
                % {"unit": row["unit"]}
            )
    emails = {row["email"] for row in rows if row.get("email")}
    taken_emails = (
        dict(User.objects.filter(email__in=emails).values_list("email", "username")) if emails else {}
    )
    people = []
    for index, row in enumerate(rows):
        if row.get("email") in taken_emails:
            row["errors"].append(
                _("Thư điện tử %(email)s đã thuộc tài khoản %(user)s.")
                % {"email": row["email"], "user": taken_emails[row["email"]]}
            )
        if row["errors"]:
            continue
        try:
            parts = naming.name_parts(row["full_name"])
        except ApplicationError as exc:
            row["errors"].append(exc.message)
            continue
        people.append(
            (
                index,
                parts,
                naming.Person(key=index, full_name=row["full_name"], birth_year=row.get("birth_year")),
            )
        )
    candidates: set[str] = set()
    for _index, parts, _person in people:
        candidates.add(naming.base_name(parts))
        candidates.add(naming.expanded_name(parts) or "")
    names = naming.propose_names([person for _i, _p, person in people], _existing_holders(candidates))
    for index, _parts, _person in people:
        rows[index]["username"] = names[index]
    return rows


def import_rows_check(*, actor: Actor, filename: str, content: bytes) -> list[dict[str, Any]]:
    """Read a staff file and check every row against today's accounts; writes nothing."""
    require_actor(actor, "accounts.manage_accounts")
    parsed = importing.read_staff_file(filename, content)
    return _resolve_batch_rows([row.as_dict() for row in parsed])


def import_preview(*, actor: Actor, filename: str, content: bytes) -> ImportBatch:
    """Read and check a staff file; nothing but the preview itself is stored until confirmation."""
    rows = import_rows_check(actor=actor, filename=filename, content=content)
    with transaction.atomic():
        batch = ImportBatch.objects.create(filename=nfc(filename)[:255], rows=rows, created_by=actor.name)
        audit_record(
            actor=actor,
            action="account.import_preview",
            target=batch,
            rows=len(rows),
            bad_rows=len(batch.bad_rows),
        )
    return batch


def import_confirm(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Create one account per good row, in one transaction. Confirming again changes nothing."""
    require_actor(actor, "accounts.manage_accounts")
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == ImportBatch.Status.CONFIRMED:
            return locked
        if locked.status != ImportBatch.Status.PREVIEW:
            raise ApplicationError(_("Đợt nhập này đã bị huỷ."), code="import_cancelled")
        # Accounts may have been created since the preview: resolve names again against today's table.
        rows = _resolve_batch_rows([dict(row) for row in locked.rows])
        units = {unit.folded_name: unit for unit in OrgUnit.objects.filter(is_active=True)}
        positions: dict[str, Position | None] = {}
        users = []
        for row in rows:
            if row["errors"]:
                continue
            position_key = folded_name_of(row.get("position") or "")
            if position_key not in positions:
                positions[position_key] = position_ensure(row.get("position") or "")
            user = User(
                username=row["username"],
                full_name=row["full_name"],
                folded_name=folded_name_of(row["full_name"]),
                birth_year=row.get("birth_year"),
                unit=units.get(folded_name_of(row.get("unit") or "")),
                position=positions[position_key],
                email=row.get("email") or "",
                phone=row.get("phone") or "",
                must_change_password=True,
            )
            # No password yet: the IT officer hands each person a one-time password (reset).
            user.set_unusable_password()
            users.append(user)
        try:
            with transaction.atomic():
                User.objects.bulk_create(users, batch_size=500)
        except IntegrityError as exc:
            # Someone took one of these names since they were resolved above: nothing is written.
            raise ApplicationError(
                _("Một tên tài khoản vừa được cấp cho người khác trong lúc nhập; hãy xác nhận lại."),
                code="import_name_taken",
                status=409,
            ) from exc
        created = list(User.objects.filter(username__in=[u.username for u in users]).order_by("id"))
        audit_record_many(
            actor=actor, action="account.create", targets=created, source=f"import:{locked.uuid}"
        )
        locked.rows = rows
        locked.status = ImportBatch.Status.CONFIRMED
        locked.confirmed_at = timezone.now()
        locked.created_count = len(created)
        locked.save(update_fields=["rows", "status", "confirmed_at", "created_count"])
        audit_record(actor=actor, action="account.import_confirm", target=locked, created=len(created))
    return locked


def import_cancel(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    require_actor(actor, "accounts.manage_accounts")
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.PREVIEW:
            return locked
        locked.status = ImportBatch.Status.CANCELLED
        locked.save(update_fields=["status"])
        audit_record(actor=actor, action="account.import_cancel", target=locked)
    return locked


def actor_from(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def can_manage(user: Any, target: Any = None) -> bool:
    return can(user, "accounts.manage_accounts", target)


# --- notifications ------------------------------------------------------------------------------


def notification_send(
    *, users: Iterable[User], kind: str, message: str, link: str = "", dedupe: str = ""
) -> int:
    """One notification per person; with `dedupe`, sending it again is a no-op. Returns how many are new."""
    from accounts.models import Notification

    people = list(users)
    keys = {user.pk: f"{dedupe}:{user.pk}" if dedupe else None for user in people}
    sent = set(
        Notification.objects.filter(dedupe_key__in=[k for k in keys.values() if k]).values_list(
            "dedupe_key", flat=True
        )
    )
    rows = [
        Notification(user=user, kind=kind, message=nfc(message)[:500], link=link, dedupe_key=keys[user.pk])
        for user in people
        if keys[user.pk] is None or keys[user.pk] not in sent
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)  # a concurrent run's rows win quietly
    return len(rows)


def notification_mark_read(*, user: User, ids: Iterable[int]) -> int:
    from accounts.models import Notification

    return Notification.objects.filter(user=user, pk__in=list(ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )
