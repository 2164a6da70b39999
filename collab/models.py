"""The workspace's daily life (R1): resources and their bookings, the work calendar."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Resource(models.Model):
    """A meeting room, car or piece of equipment, kept by its manager."""

    class Kind(models.TextChoices):
        ROOM = "room", _("Phòng họp")
        CAR = "car", _("Xe")
        EQUIPMENT = "equipment", _("Thiết bị")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("tên"), max_length=150)
    folded_name = models.CharField(max_length=150, editable=False)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices, default=Kind.ROOM)
    location = models.CharField(_("vị trí"), max_length=200, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người quản lý"), on_delete=models.PROTECT, related_name="+"
    )
    needs_approval = models.BooleanField(_("cần duyệt"), default=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "folded_name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "folded_name"], name="collab_resource_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Booking(models.Model):
    """A resource held for a time range. Pending and approved bookings hold their range: the
    database refuses an overlap (exclusion constraint), whatever runs concurrently."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ duyệt")
        APPROVED = "approved", _("Đã duyệt")
        REJECTED = "rejected", _("Từ chối")
        CANCELLED = "cancelled", _("Đã hủy")

    HOLDING = (Status.PENDING, Status.APPROVED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    during = DateTimeRangeField(_("thời gian"))
    title = models.CharField(_("nội dung"), max_length=300)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("lý do"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["during"]
        constraints = [
            ExclusionConstraint(
                name="collab_booking_no_overlap",
                expressions=[("resource", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
                condition=Q(status__in=["pending", "approved"]),
            ),
            models.CheckConstraint(condition=Q(during__isempty=False), name="collab_booking_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} · {self.title}"


class CalendarWeek(models.Model):
    """The agency's weekly calendar of its leaders: drafted by the office, approved by the head,
    then published to all staff."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        SUBMITTED = "submitted", _("Chờ duyệt")
        PUBLISHED = "published", _("Đã ban hành")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    week_start = models.DateField(_("tuần bắt đầu"), unique=True)  # a Monday
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    drafted_by = models.CharField(max_length=150)
    approved_by = models.CharField(max_length=150, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"{self.week_start:%d/%m/%Y}"


class CalendarEvent(models.Model):
    """One entry of a calendar: the leaders' week (`week` set), a unit's or a person's."""

    class Scope(models.TextChoices):
        AGENCY = "agency", _("Lịch cơ quan")
        UNIT = "unit", _("Lịch đơn vị")
        PERSONAL = "personal", _("Lịch cá nhân")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    scope = models.CharField(_("lịch"), max_length=16, choices=Scope.choices)
    week = models.ForeignKey(
        CalendarWeek, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    unit = models.ForeignKey(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("nội dung"), max_length=500)
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))
    place = models.CharField(_("địa điểm"), max_length=300, blank=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chủ trì"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="EventParticipant", related_name="+", verbose_name=_("thành phần")
    )
    other_participants = models.CharField(_("thành phần khác"), max_length=500, blank=True)
    preparing_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("đơn vị chuẩn bị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    documents = models.ManyToManyField("qlvbdh.Document", blank=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["starts_at"], name="collab_event_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="collab_event_ends_after"
            ),
            models.CheckConstraint(
                condition=(Q(scope="agency", week__isnull=False) | Q(scope="unit", unit__isnull=False))
                | Q(scope="personal", owner__isnull=False),
                name="collab_event_scope_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class EventParticipant(models.Model):
    event = models.ForeignKey(CalendarEvent, on_delete=models.CASCADE, related_name="participant_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="collab_participant_once")]
        indexes = [models.Index(fields=["user", "event"], name="collab_participant_user")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.user_id}"


class CalendarFeed(models.Model):
    """A person's secret iCalendar address. Only a digest of the token is kept; revoking it
    (or making a new one) ends the old address at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="collab_feed_one_live"
            )
        ]

    def __str__(self) -> str:
        return f"feed:{self.user_id}"


class Thread(models.Model):
    """A discussion: on a document, on a dossier, an agency channel, or a direct conversation.
    Messages are never deleted; an edit keeps the earlier text (R11)."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Văn bản")
        DOSSIER = "dossier", _("Hồ sơ")
        CHANNEL = "channel", _("Kênh")
        DIRECT = "direct", _("Tin nhắn riêng")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    document = models.OneToOneField(
        "qlvbdh.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dossier = models.OneToOneField(
        "qlvbdh.Dossier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("tên kênh"), max_length=150, blank=True)
    direct_key = models.CharField(max_length=64, null=True, blank=True, unique=True)  # "<low pk>:<high pk>"
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="ThreadMember", related_name="+")
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="document", document__isnull=False)
                | Q(kind="dossier", dossier__isnull=False)
                | Q(kind="channel", name__gt="")
                | Q(kind="direct", direct_key__isnull=False),
                name="collab_thread_kind_subject",
            )
        ]

    def __str__(self) -> str:
        return self.name or f"{self.kind}:{self.uuid}"


class ThreadMember(models.Model):
    """A member of a channel or a direct conversation."""

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="collab_member_once")]
        indexes = [models.Index(fields=["user", "thread"], name="collab_member_user")]

    def __str__(self) -> str:
        return f"{self.thread_id}:{self.user_id}"


class Message(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("nội dung"))
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["thread", "id"], name="collab_message_thread")]

    def __str__(self) -> str:
        return self.body[:50]


class MessageRevision(models.Model):
    """The text a message had before an edit."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="revisions")
    body = models.TextField()
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.message_id}@{self.written_at:%Y-%m-%d %H:%M}"


class ThreadRead(models.Model):
    """How far a person has read a thread (the unread counts)."""

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_message_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="collab_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.thread_id}:{self.last_message_id}"


class Folder(models.Model):
    """A folder of the shared library (internal rules, templates, forms, reference material).
    Who reads it: everyone in the agency (`everyone`), or the units and people given access;
    who adds files: its creator and those given access with `can_edit`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("tên thư mục"), max_length=150)
    folded_name = models.CharField(max_length=150, editable=False)
    everyone = models.BooleanField(_("mọi người trong cơ quan được xem"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["folded_name", "id"]
        constraints = [models.UniqueConstraint(fields=["folded_name"], name="collab_folder_unique_name")]

    def __str__(self) -> str:
        return self.name


class FolderAccess(models.Model):
    folder = models.ForeignKey(Folder, on_delete=models.PROTECT, related_name="access")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    can_edit = models.BooleanField(default=False)
    granted_by = models.CharField(max_length=150)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, unit__isnull=True) | Q(user__isnull=True, unit__isnull=False),
                name="collab_access_one_grantee",
            ),
            models.UniqueConstraint(
                fields=["folder", "user", "unit"], nulls_distinct=False, name="collab_access_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.folder_id}:{self.user_id or self.unit_id}"


def library_path(instance: FileVersion, filename: str) -> str:
    """The key in the tenant's storage: ids only, never the user's file name."""
    import os

    return f"library/{instance.item.uuid}/{instance.uuid}{os.path.splitext(filename)[1].lower()}"


class LibraryItem(models.Model):
    """A shared document in a folder; every version kept, the latest is current."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    folder = models.ForeignKey(Folder, on_delete=models.PROTECT, related_name="items")
    title = models.CharField(_("tên tài liệu"), max_length=300)
    search_text = models.TextField(blank=True, editable=False)  # folded title + text of the current version
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [models.UniqueConstraint(fields=["folder", "title"], name="collab_item_unique_title")]

    def __str__(self) -> str:
        return self.title


class FileVersion(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(LibraryItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    file = models.FileField(upload_to=library_path, max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    extracted_text = models.TextField(blank=True, editable=False)
    extracted_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "-number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="collab_version_once")]

    def __str__(self) -> str:
        return f"{self.original_name} v{self.number}"
