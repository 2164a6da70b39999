"""Accounts. The same tables exist in every schema: the public schema holds the province's
operators and inspectors, each tenant schema that agency's own people, units and roles.

Accounts are never deleted and never renamed (R8, R10): deactivation keeps the person and
their history; a database trigger refuses DELETE and a change of username.
"""

from __future__ import annotations

import secrets
import unicodedata
import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import Role
from core.text import fold, nfc


def _new_stamp() -> str:
    return secrets.token_hex(16)


class OrgUnit(models.Model):
    """A phòng, ban or tổ of the agency; units nest (a tổ inside a phòng)."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("Văn phòng")
        DIVISION = "division", _("Phòng")
        BOARD = "board", _("Ban")
        TEAM = "team", _("Tổ")
        FACULTY = "faculty", _("Khoa")
        OTHER = "other", _("Khác")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("tên đơn vị"), max_length=150)
    folded_name = models.CharField(max_length=150, editable=False)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices, default=Kind.DIVISION)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("trực thuộc"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["folded_name"]
        verbose_name = _("phòng, ban")
        verbose_name_plural = _("phòng, ban")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "folded_name"], nulls_distinct=False, name="accounts_orgunit_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    """A position title (chức vụ): Trưởng phòng, Chuyên viên, Giáo viên..."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("chức vụ"), max_length=150)
    folded_name = models.CharField(max_length=150, unique=True, editable=False)

    class Meta:
        ordering = ["folded_name"]
        verbose_name = _("chức vụ")
        verbose_name_plural = _("chức vụ")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    folded_name = models.CharField(max_length=150, blank=True, editable=False, db_index=True)
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"), null=True, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("phòng, ban"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("chức vụ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="holders",
    )
    must_change_password = models.BooleanField(_("phải đổi mật khẩu"), default=False)
    temporary_password_expires_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(_("khoá lúc"), null=True, blank=True)
    locked_reason = models.CharField(_("lý do khoá"), max_length=255, blank=True)
    deactivated_at = models.DateTimeField(_("ngừng sử dụng lúc"), null=True, blank=True)
    deactivated_reason = models.CharField(_("lý do ngừng sử dụng"), max_length=255, blank=True)
    # The form's or API client's key for the request that created the account: a repeated
    # submission (double click, retry) finds this account instead of making a second one.
    creation_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # Part of the session hash: changing it ends every open session of the account at once.
    security_stamp = models.CharField(max_length=32, default=_new_stamp, editable=False)
    # Who holds the two factors (the takeover guard in accounts.services.credentials): since when
    # the password in use was issued by someone other than its owner, and since when the
    # authenticator was removed by someone else, each until the owner proves the other factor.
    password_issued_by_other_at = models.DateTimeField(null=True, blank=True, editable=False)
    authenticator_removed_by_other_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The last sign-in at which the owner passed both factors, neither of them set by someone else.
    owner_proved_both_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name()

    def __str__(self) -> str:
        return self.username

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.security_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    # Vietnamese keyboards send composed or decomposed text: a password is the same either way.
    def set_password(self, raw_password: str | None) -> None:
        super().set_password(nfc_password(raw_password))

    def check_password(self, raw_password: str | None) -> bool:
        return super().check_password(nfc_password(raw_password))


def nfc_password(raw: str | None) -> str | None:
    if raw is None:
        return None
    # Only NFC: spaces inside a passphrase are the user's own and stay as typed.
    return unicodedata.normalize("NFC", raw)


# Every account name fits this; a longer one typed at a login is bad input, not a wrong name.
USERNAME_MAX_LENGTH: int = User._meta.get_field("username").max_length or 150


class RoleGrant(models.Model):
    """One role held by one person. Revoking keeps the row, so who held what stays on record."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_grants")
    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.CharField(max_length=150, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["granted_at", "id"]
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(revoked_at__isnull=True),
                name="accounts_rolegrant_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class LoginEvent(models.Model):
    """The login history each person can read about their own account."""

    class Kind(models.TextChoices):
        SUCCESS = "success", _("Đăng nhập thành công")
        FAILURE = "failure", _("Sai tên đăng nhập hoặc mật khẩu")
        LOCKED_OUT = "locked_out", _("Bị chặn do đăng nhập sai nhiều lần")
        SECOND_FACTOR_FAILURE = "otp_failure", _("Sai mã xác thực hai lớp")
        LOGOUT = "logout", pgettext_lazy("login event", "Đăng xuất")  # the event, not the button
        EXPIRED = "expired", _("Phiên làm việc hết hạn")
        TOKEN_USED = "token_used", _("Dùng mã truy cập API")
        TOKEN_CREATED = "token_created", _("Tạo mã truy cập API")
        TOKEN_REVOKED = "token_revoked", _("Thu hồi mã truy cập API")

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="login_events"
    )
    username = models.CharField(max_length=150, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    # The API token used, made or revoked (the TOKEN_* kinds).
    token = models.ForeignKey(
        "ApiToken", null=True, blank=True, on_delete=models.PROTECT, related_name="login_events"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("lịch sử đăng nhập")
        verbose_name_plural = _("lịch sử đăng nhập")

    def __str__(self) -> str:
        return f"{self.username} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A personal API token: what an API client sends instead of a password (`Bearer tinhso_<key>_<secret>`).

    Only `key` (public, for the lookup) and the SHA-256 of the whole token bound to this schema
    are kept; the token itself is shown once. Revoking keeps the row, so its uses stay on record.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Chỉ đọc")
        WRITE = "write", _("Đọc và ghi")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("tên gợi nhớ"), max_length=100)
    key = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scope = models.CharField(_("quyền"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.name}"

    def is_live(self, now: Any) -> bool:
        return self.revoked_at is None and self.expires_at > now


class ImportBatch(models.Model):
    """A staff file read and previewed; nothing is created until it is confirmed (once)."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Chờ xác nhận")
        CONFIRMED = "confirmed", _("Đã nhập")
        CANCELLED = "cancelled", _("Đã huỷ")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    filename = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEW)
    rows = models.JSONField(default=list)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("đợt nhập tài khoản")
        verbose_name_plural = _("đợt nhập tài khoản")

    def __str__(self) -> str:
        return self.filename

    @property
    def good_rows(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if not row.get("errors")]

    @property
    def bad_rows(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if row.get("errors")]


def folded_name_of(value: str) -> str:
    return " ".join(fold(nfc(value)).split())


class Notification(models.Model):
    """A message for one person in the workspace (a deadline reminder, a document to read)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=32)
    message = models.CharField(_("nội dung"), max_length=500)
    link = models.CharField(max_length=300, blank=True)
    # Makes a repeated send (a retried task, the next hourly run) a no-op.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.message[:60]}"
