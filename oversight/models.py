"""Oversight's tables, all in the public schema: the audit ledger (each schema's audit chain head,
sealed on a schedule and signed with the province's key, oversight.anchors); the rolled-up usage
figures and their fill states (oversight.rollup); the yearly ranking's schemes and published
results (oversight.ranking); reminders, usage reports and support requests between the province
and its agencies. Tenants are referred to by UUID, never by a foreign key into their schema."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAnchor(models.Model):
    """One seal: `schema`'s audit entry `entry_id` had hash `entry_hash` at `sealed_at`.

    Seals are chained too (`prev` is the previous seal's `digest`), and the table is append-only
    (oversight/migrations/0002): a removed seal breaks the ledger's own chain.
    """

    sealed_at = models.DateTimeField(_("thời điểm niêm phong"))
    schema = models.CharField(max_length=63, db_index=True)
    tenant_uuid = models.UUIDField(null=True, blank=True)  # None: the province's own (public) trail
    entry_id = models.BigIntegerField()
    entry_hash = models.CharField(max_length=64)
    prev = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    signature = models.TextField()  # base64, RSA PKCS#1 v1.5 SHA-256 over the canonical payload

    class Meta:
        ordering = ["id"]
        verbose_name = _("niêm phong nhật ký")
        verbose_name_plural = _("niêm phong nhật ký")

    def __str__(self) -> str:
        return f"{self.schema}#{self.entry_id} @ {self.sealed_at:%Y-%m-%d %H:%M:%S}"


class UsageFigure(models.Model):
    """One tenant's figure for one day (R12), written by the nightly rollup (oversight.rollup).

    The inspectors' pages, the ranking and the agencies' usage reports read these rows only, never a
    tenant's schema. Keyed by the tenant's UUID: the public schema outlives nothing of a tenant's."""

    tenant_uuid = models.UUIDField()
    day = models.DateField(_("ngày"))
    figure = models.CharField(_("chỉ số"), max_length=64)
    value = models.FloatField(_("giá trị"))

    class Meta:
        verbose_name = _("số liệu sử dụng")
        verbose_name_plural = _("số liệu sử dụng")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_uuid", "figure", "day"], name="oversight_figure_once_a_day"
            )
        ]
        indexes = [models.Index(fields=["day", "figure"], name="oversight_figure_by_day")]

    def __str__(self) -> str:
        return f"{self.tenant_uuid} {self.day} {self.figure}={self.value}"


class FillState(models.Model):
    """How far one figure of one tenant is filled (Zulip's FillState): every day up to `filled_until`
    is written. `started` while a day is being written: a crash leaves it, and the next run writes
    that day again from scratch (its rows are replaced, never added to)."""

    class State(models.TextChoices):
        STARTED = "started", _("Đang tính")
        DONE = "done", _("Đã tính")

    tenant_uuid = models.UUIDField()
    figure = models.CharField(max_length=64)
    filled_until = models.DateField()
    state = models.CharField(max_length=8, choices=State.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("trạng thái tổng hợp")
        verbose_name_plural = _("trạng thái tổng hợp")
        constraints = [
            models.UniqueConstraint(fields=["tenant_uuid", "figure"], name="oversight_fillstate_once")
        ]

    def __str__(self) -> str:
        return f"{self.tenant_uuid} {self.figure} {self.state} {self.filled_until}"


class RankingScheme(models.Model):
    """The yearly ranking's scheme for one kind of tenant (R12, Điều 10-11): its indicators, kept as
    data and edited by the operator until the year's result is published."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("năm"))
    kind = models.CharField(_("loại đơn vị"), max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "kind"]
        verbose_name = _("bộ tiêu chí xếp hạng")
        verbose_name_plural = _("bộ tiêu chí xếp hạng")
        constraints = [models.UniqueConstraint(fields=["year", "kind"], name="oversight_scheme_once")]

    def __str__(self) -> str:
        return f"{self.year} {self.kind}"


class RankingIndicator(models.Model):
    """One indicator: the ratio of two sums of figures over the year (or one sum), scaled, scored
    linearly from `floor` (0 points) to `target` (the full `weight`); a target below the floor
    means lower is better. `dti_code`/`dti_label`: the provincial digital-transformation index
    (DTI) indicator it feeds."""

    class Scale(models.TextChoices):
        PERCENT = "percent", _("Tỷ lệ (%)")
        DAYS = "days", _("Số ngày")
        PLAIN = "plain", _("Số lượng")

    scheme = models.ForeignKey(RankingScheme, on_delete=models.PROTECT, related_name="indicators")
    code = models.SlugField(_("mã tiêu chí"), max_length=32)
    label = models.CharField(_("tên tiêu chí"), max_length=200)
    dti_code = models.CharField(_("mã chỉ số DTI"), max_length=32, blank=True)
    dti_label = models.CharField(_("chỉ số DTI tương ứng"), max_length=300, blank=True)
    numerator = models.CharField(_("tử số"), max_length=300)
    denominator = models.CharField(_("mẫu số"), max_length=300, blank=True)
    scale = models.CharField(_("đơn vị"), max_length=8, choices=Scale.choices, default=Scale.PERCENT)
    weight = models.FloatField(_("điểm tối đa"))
    floor = models.FloatField(_("ngưỡng 0 điểm"))
    target = models.FloatField(_("ngưỡng đạt điểm tối đa"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("tiêu chí xếp hạng")
        verbose_name_plural = _("tiêu chí xếp hạng")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="oversight_indicator_code_once"),
            models.CheckConstraint(
                condition=models.Q(weight__gte=0), name="oversight_indicator_weight_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(floor=models.F("target")), name="oversight_indicator_floor_not_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.code}"


class RankingResult(models.Model):
    """A published ranking, frozen: the whole table as computed (scores and evidence) and its
    signature by the province's key. Append-only (migration trigger): never recomputed in place."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    scheme = models.OneToOneField(RankingScheme, on_delete=models.PROTECT, related_name="result")
    published_at = models.DateTimeField(_("công bố lúc"))
    published_by = models.CharField(_("người công bố"), max_length=150)
    payload = models.JSONField()
    digest = models.CharField(max_length=64)
    signature = models.TextField()  # base64 RSA PKCS#1 v1.5 SHA-256 over the canonical payload

    class Meta:
        verbose_name = _("kết quả xếp hạng")
        verbose_name_plural = _("kết quả xếp hạng")

    def __str__(self) -> str:
        return f"{self.scheme} @ {self.published_at:%Y-%m-%d}"


class Reminder(models.Model):
    """The operator's reminder to an agency that lags (Điều 8.2.b), shown on its workspace home.
    Kept in the public schema; the workspace reads its own agency's rows only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant_uuid = models.UUIDField(db_index=True)
    measure = models.CharField(_("chỉ tiêu"), max_length=32)
    value = models.FloatField(_("giá trị"), null=True, blank=True)
    threshold = models.FloatField(_("ngưỡng"))
    period_start = models.DateField()
    period_end = models.DateField()
    message = models.TextField(_("nội dung nhắc nhở"))
    sent_by = models.CharField(max_length=150)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("nhắc nhở")
        verbose_name_plural = _("nhắc nhở")
        constraints = [
            # The same reminder sent twice (a retried form) is one reminder.
            models.UniqueConstraint(
                fields=["tenant_uuid", "measure", "period_start", "period_end"],
                name="oversight_reminder_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tenant_uuid} {self.measure} {self.period_end}"


class UsageReport(models.Model):
    """An agency's report of its own use for a period (Điều 14), made from the rolled-up figures
    and sent up to the province, which consolidates them (Điều 15)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant_uuid = models.UUIDField(db_index=True)
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    figures = models.JSONField()  # {figure code: total} as sent
    note = models.TextField(_("ghi chú"), blank=True)
    submitted_by = models.CharField(max_length=150)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("báo cáo sử dụng")
        verbose_name_plural = _("báo cáo sử dụng")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_uuid", "period_start", "period_end"], name="oversight_usage_report_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tenant_uuid} {self.period_start}..{self.period_end}"


class SupportRequest(models.Model):
    """An agency's incident report or request for help (Điều 8.2.c, 9.2.c, 16), answered and
    closed by the province's operators on the console."""

    class Kind(models.TextChoices):
        INCIDENT = "incident", _("Báo sự cố")
        HELP = "help", _("Đề nghị hỗ trợ")

    class Status(models.TextChoices):
        OPEN = "open", _("Mới")
        ANSWERED = "answered", _("Đã trả lời")
        CLOSED = "closed", _("Đã đóng")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The form's own key: a retried submission finds the request it made instead of a second one.
    submission_key = models.UUIDField(unique=True)
    tenant_uuid = models.UUIDField(db_index=True)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("tiêu đề"), max_length=200)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.OPEN)
    reporter = models.CharField(max_length=150)
    reporter_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("yêu cầu hỗ trợ")
        verbose_name_plural = _("yêu cầu hỗ trợ")

    def __str__(self) -> str:
        return self.subject


class SupportMessage(models.Model):
    """One message of a support request: the agency's description and follow-ups, the operators'
    answers."""

    class Side(models.TextChoices):
        AGENCY = "agency", _("Đơn vị")
        PROVINCE = "province", _("Tỉnh")

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="messages")
    submission_key = models.UUIDField(unique=True)
    side = models.CharField(max_length=8, choices=Side.choices)
    author = models.CharField(max_length=150)
    author_name = models.CharField(max_length=150, blank=True)
    body = models.TextField(_("nội dung"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("trao đổi hỗ trợ")
        verbose_name_plural = _("trao đổi hỗ trợ")

    def __str__(self) -> str:
        return f"{self.request_id} {self.side} {self.created_at:%Y-%m-%d %H:%M}"
