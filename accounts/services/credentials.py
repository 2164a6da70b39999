"""Credentials: one-time passwords, authenticators, the owner's own password and enrolment, and the
guard that keeps an officer from holding a privileged account alone.

The takeover guard. A person's account is theirs while they hold at least one of its two factors
(the password, the authenticator). Each factor carries a mark while someone other than its owner
holds it: `password_issued_by_other_at` from the moment an officer issues a one-time password,
`authenticator_removed_by_other_at` from the moment an officer removes the authenticator (the next
sign-in with the password enrols a new one, so whoever holds the password holds it). A mark is
cleared only by the owner proving the *other* factor: changing the password in a session that
passed the owner's own authenticator, or enrolling an authenticator after signing in with the
owner's own password. An account without an authenticator counts as one whose authenticator is
not its owner's.

An officer's action (a reset, or the grant of a role that needs a second factor) is refused when it
would leave both factors of a used account out of its owner's hands while the account held such a
role at any time since its owner last proved both factors, or is about to. Because the marks only
clear by the owner's proof, and the window reaches back past any revocation, no order of resets,
grants and revocations, by one officer or several, gets there. The shell (a trusted operator at the
console) may do both: it hands the new password to the owner itself. An account nobody has signed
in to yet (a new head's first enrolment) has no owner to take it from.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RoleGrant, User
from accounts.roles import TWO_FACTOR_ROLES, role_label
from accounts.services.base import acts_on_self, lock_target
from core.audit import Actor, audit_record
from core.errors import ApplicationError

_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied by hand


def temporary_password() -> str:
    return "-".join("".join(secrets.choice(_TEMP_ALPHABET) for _ in range(4)) for _ in range(4))


def issue_temporary_password(user: User, *, actor: Actor) -> str:
    """Set a one-time password on `user` (not saved). Issued by anyone but the owner or the shell,
    it is marked as held by someone else until the owner replaces it."""
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.temporary_password_expires_at = timezone.now() + timedelta(hours=settings.TEMPORARY_PASSWORD_HOURS)
    user.security_stamp = secrets.token_hex(16)
    if actor.user is None or acts_on_self(actor, user):
        user.password_issued_by_other_at = None  # the shell or the owner: the officer's copy is gone
    elif user.password_issued_by_other_at is None:
        user.password_issued_by_other_at = timezone.now()
    return password


# --- the takeover guard -----------------------------------------------------------------------------


def _privileged_since(user: User, start: datetime | None) -> bool:
    """Whether the account held a role that needs a second factor at any time since `start`
    (since ever when None): a revocation inside the window does not wash the privilege out."""
    if user.is_superuser:
        return True
    grants = RoleGrant.objects.filter(user=user, role__in=TWO_FACTOR_ROLES)
    if start is not None:
        grants = grants.filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=start))
    return grants.exists()


def _hands_over(
    user: User, *, password_issued: bool = False, authenticator_removed: bool = False, granting: str = ""
) -> bool:
    """Whether, after the action, someone other than the owner would hold both factors of a used,
    privileged account."""
    if user.last_login is None:
        return False  # nobody has signed in yet: the first enrolment makes the owner
    password_out = password_issued or user.password_issued_by_other_at is not None
    authenticator_out = (
        authenticator_removed
        or user.authenticator_removed_by_other_at is not None
        or not user_has_device(user)
    )
    if not (password_out and authenticator_out):
        return False
    return granting in TWO_FACTOR_ROLES or _privileged_since(user, user.owner_proved_both_at)


def refuse_takeover(actor: Actor, target: User, error: ApplicationError, *, step: str) -> ApplicationError:
    """Record the refused attempt on the audit trail (its own transaction: the action's was rolled
    back) and return the error to raise."""
    with transaction.atomic():
        audit_record(actor=actor, action="account.takeover_refused", target=target, step=step)
    return error


def takeover_refusal_for_grant(actor: Actor, target: User, role: str) -> ApplicationError | None:
    """The refusal for granting `role` to a locked `target`, or None when the grant may go ahead."""
    if actor.user is None or not _hands_over(target, granting=role):
        return None
    return ApplicationError(
        _(
            "Không thể cấp vai trò %(role)s cho %(name)s lúc này: mật khẩu và thiết bị xác thực của "
            "tài khoản không còn do chính chủ nắm giữ. Hãy để họ tự đổi mật khẩu và đăng ký thiết bị "
            "xác thực trước; nếu không thể, quản trị hệ thống đặt lại từ dòng lệnh."
        )
        % {"role": role_label(role), "name": target.username},
        code="takeover",
    )


def _password_refusal(actor: Actor, target: User) -> ApplicationError | None:
    if actor.user is None or acts_on_self(actor, target) or not _hands_over(target, password_issued=True):
        return None
    return ApplicationError(
        _(
            "%(name)s chưa đăng ký lại thiết bị xác thực; hãy để họ đăng nhập và "
            "đăng ký trước khi cấp mật khẩu tạm."
        )
        % {"name": target.username},
        code="takeover",
    )


def _authenticator_refusal(actor: Actor, target: User) -> ApplicationError | None:
    # The owner removing their own authenticator is refused too while an officer knows the password.
    if actor.user is None or not _hands_over(target, authenticator_removed=True):
        return None
    return ApplicationError(
        _("%(name)s còn mật khẩu tạm chưa đổi; hãy để họ đổi mật khẩu trước khi gỡ thiết bị xác thực.")
        % {"name": target.username},
        code="takeover",
    )


# --- what an officer does -----------------------------------------------------------------------------


def user_reset_password(*, actor: Actor, user: User) -> tuple[User, str]:
    """A one-time password for the officer to hand over; it forces a new one and ends open sessions."""
    with transaction.atomic():
        target = lock_target(actor, user)
        refusal = _password_refusal(actor, target)
        if refusal is None:
            password = issue_temporary_password(target, actor=actor)
            target.save(
                update_fields=[
                    "password",
                    "must_change_password",
                    "temporary_password_expires_at",
                    "security_stamp",
                    "password_issued_by_other_at",
                ]
            )
            audit_record(actor=actor, action="account.reset_password", target=target)
    if refusal is not None:
        raise refuse_takeover(actor, target, refusal, step="reset_password")
    return target, password


def second_factor_reset(*, actor: Actor, user: User) -> User:
    """The phone with the authenticator is lost: remove the devices; the next login enrols a new one."""
    with transaction.atomic():
        target = lock_target(actor, user)
        refusal = _authenticator_refusal(actor, target)
        if refusal is None:
            removed = TOTPDevice.objects.filter(user=target).delete()[0]
            removed += StaticDevice.objects.filter(user=target).delete()[0]
            target.security_stamp = secrets.token_hex(16)
            if actor.user is not None and not acts_on_self(actor, target):
                target.authenticator_removed_by_other_at = (
                    target.authenticator_removed_by_other_at or timezone.now()
                )
            target.save(update_fields=["security_stamp", "authenticator_removed_by_other_at"])
            audit_record(actor=actor, action="account.reset_second_factor", target=target, devices=removed)
    if refusal is not None:
        raise refuse_takeover(actor, target, refusal, step="reset_second_factor")
    return target


# --- the person's own account ---------------------------------------------------------------------------


def sign_in_completed(*, user: User, device: Device | None) -> None:
    """After both steps of a sign-in. A handed-over password stays good only for the forced change;
    an authenticator passed with a password, neither of them set by someone else, proves the owner."""
    now = timezone.now()
    if user.must_change_password:
        soon = now + timedelta(minutes=15)
        User.objects.filter(pk=user.pk, must_change_password=True).filter(
            Q(temporary_password_expires_at__isnull=True) | Q(temporary_password_expires_at__gt=soon)
        ).update(temporary_password_expires_at=soon)
    if device is not None:
        User.objects.filter(
            pk=user.pk,
            password_issued_by_other_at__isnull=True,
            authenticator_removed_by_other_at__isnull=True,
        ).update(owner_proved_both_at=now)


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
        # Signing in passed the authenticator (or there is none, and nobody else removed one): the
        # password is now the owner's. With the authenticator removed by someone else, whoever
        # changes it may be that someone: the mark stays.
        if target.authenticator_removed_by_other_at is None:
            target.password_issued_by_other_at = None
        target.save(
            update_fields=[
                "password",
                "must_change_password",
                "temporary_password_expires_at",
                "password_issued_by_other_at",
            ]
        )
        audit_record(actor=actor, action="account.change_password", target=target)
    return target


def second_factor_pending_device(*, user: User, device_id: int | None = None) -> TOTPDevice:
    """The authenticator this enrolment is setting up. A new enrolment gets a new secret, so a
    secret seen by someone else on an earlier, abandoned setup page never becomes the device."""
    unconfirmed = TOTPDevice.objects.filter(user=user, confirmed=False)
    if device_id is not None:
        device = unconfirmed.filter(pk=device_id).first()
        if device is not None:
            return device
    unconfirmed.delete()
    return TOTPDevice.objects.create(user=user, name=_("Ứng dụng xác thực"), confirmed=False)


def second_factor_confirm(*, actor: Actor, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm the enrolment with the first code the app shows. False: wrong code, nothing changed."""
    if device.user_id != user.pk or not device.verify_token(token):
        return False
    with transaction.atomic():
        target = User.objects.select_for_update().get(pk=user.pk)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Enrolled after signing in with the owner's own password (or at the very first sign-in):
        # the authenticator is the owner's. Signed in with a password someone else issued, the new
        # authenticator is as much theirs as the owner's.
        if target.password_issued_by_other_at is None or target.last_login is None:
            target.authenticator_removed_by_other_at = None
        elif target.authenticator_removed_by_other_at is None:
            target.authenticator_removed_by_other_at = timezone.now()
        target.save(update_fields=["authenticator_removed_by_other_at"])
        audit_record(actor=actor, action="account.enrol_second_factor", target=target, device=device.name)
    return True
