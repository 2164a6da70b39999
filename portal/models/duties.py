"""What the board keeps for its duties (P6, P7): the school's events and the 3-day deadline of their
articles, the kind -> responsible unit mapping, the professional groups under the monthly quota, and
the school-year calendar the reports count by."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DutySettings(models.Model):
    """One row per tenant (pk 1): the school-year calendar and the duties' numbers (board setting)."""

    year_start_month = models.PositiveSmallIntegerField(_("năm học bắt đầu: tháng"), default=9)
    year_start_day = models.PositiveSmallIntegerField(_("năm học bắt đầu: ngày"), default=1)
    semester_two_month = models.PositiveSmallIntegerField(_("học kỳ II bắt đầu: tháng"), default=1)
    semester_two_day = models.PositiveSmallIntegerField(_("học kỳ II bắt đầu: ngày"), default=16)
    deadline_days = models.PositiveSmallIntegerField(_("hạn đưa tin sau sự kiện (ngày)"), default=3)
    monthly_quota = models.PositiveSmallIntegerField(_("số bài tối thiểu mỗi tháng của một tổ"), default=1)
    remind_hours_before = models.PositiveSmallIntegerField(_("nhắc trước hạn (giờ)"), default=24)

    class Meta:
        verbose_name = _("thiết lập nhiệm vụ Ban biên tập")
        constraints = [
            models.CheckConstraint(
                condition=Q(year_start_month__gte=1, year_start_month__lte=12), name="portal_duty_year_month"
            ),
            models.CheckConstraint(
                condition=Q(semester_two_month__gte=1, semester_two_month__lte=12),
                name="portal_duty_sem_month",
            ),
            models.CheckConstraint(condition=Q(deadline_days__lte=60), name="portal_duty_deadline_days"),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class EventKind(models.TextChoices):
    CEREMONY = "ceremony", _("Lễ, mít tinh, kỷ niệm")
    YOUTH = "youth", _("Hoạt động Đoàn, thanh niên")
    PROFESSIONAL = "professional", _("Hoạt động chuyên môn")
    UNION = "union", _("Hoạt động Công đoàn")
    SPORT = "sport", _("Văn nghệ, thể thao")
    OTHER = "other", _("Khác")


class EventKindUnit(models.Model):
    """The board's mapping: which unit is responsible for the article of each kind of event."""

    kind = models.CharField(_("loại sự kiện"), max_length=16, choices=EventKind.choices, unique=True)
    unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("đơn vị chịu trách nhiệm"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("đơn vị phụ trách theo loại sự kiện")

    def __str__(self) -> str:
        return f"{self.kind}: {self.unit_id}"


class Event(models.Model):
    """An event of the school or agency; its article is due `deadline_days` after it ends (local days)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("tên sự kiện"), max_length=255)
    kind = models.CharField(_("loại sự kiện"), max_length=16, choices=EventKind.choices)
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))
    place = models.CharField(_("địa điểm"), max_length=255, blank=True)
    unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("đơn vị chịu trách nhiệm"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateTimeField(_("hạn đưa tin"), db_index=True)
    article = models.ForeignKey(
        "portal.ArticlePage",
        verbose_name=_("bài viết"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ends_at", "-id"]
        verbose_name = _("sự kiện")
        verbose_name_plural = _("sự kiện")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="portal_event_ends_after")
        ]

    def __str__(self) -> str:
        return self.title


class EventReminder(models.Model):
    """One reminder per event per stage: a re-run of the beat task finds the row and sends nothing."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("Sắp đến hạn")
        DUE = "due", _("Đến hạn")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "stage"], name="portal_event_reminder_once")]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.stage}"


class QuotaGroup(models.Model):
    """A professional group (tổ chuyên môn) under the monthly quota; its articles are those whose
    page owner belongs to the unit."""

    unit = models.OneToOneField(
        "accounts.OrgUnit", verbose_name=_("tổ chuyên môn"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        "accounts.User",
        verbose_name=_("tổ trưởng"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        verbose_name = _("tổ chuyên môn (chỉ tiêu tháng)")
        verbose_name_plural = _("tổ chuyên môn (chỉ tiêu tháng)")

    def __str__(self) -> str:
        return str(self.unit)
