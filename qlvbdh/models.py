"""Registers and official documents of one agency (its tenant schema).

Documents are never deleted (R11): revocation and replacement freeze and link them instead.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Func, Q, Value
from django.db.models.functions import Left
from django.utils.translation import gettext_lazy as _

from qlvbdh.catalogue import (
    DOCUMENT_TYPES,
    ISSUER_CODE_MAX,
    RECEIVED_NUMBER_MAX,
    DeliveryMode,
    Source,
    Urgency,
)

SEARCH_WORDS_MAX_CHARS = 400_000


class Register(models.Model):
    """A numbering register (sổ) for one year: arrival numbers or outgoing numbers from 01."""

    class Direction(models.TextChoices):
        INCOMING = "incoming", _("Sổ văn bản đến")
        OUTGOING = "outgoing", _("Sổ văn bản đi")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("năm"))
    direction = models.CharField(_("loại sổ"), max_length=16, choices=Direction.choices)
    name = models.CharField(_("tên sổ"), max_length=150)
    # Type codes this register numbers; empty: every type not claimed by another register.
    document_types = models.JSONField(_("loại văn bản"), default=list, blank=True)
    # Outgoing registers: the agency's abbreviation in every notation (123/QĐ-UBND).
    agency_abbreviation = models.CharField(_("ký hiệu cơ quan"), max_length=20, blank=True)
    last_number = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "direction", "name"]
        verbose_name = _("sổ văn bản")
        verbose_name_plural = _("sổ văn bản")
        constraints = [
            models.UniqueConstraint(fields=["year", "direction", "name"], name="qlvbdh_register_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"


class Document(models.Model):
    class Direction(models.TextChoices):
        INCOMING = "incoming", _("Văn bản đến")
        OUTGOING = "outgoing", _("Văn bản đi")
        INTERNAL = "internal", _("Văn bản nội bộ")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Đã vào sổ")
        SUBMITTED = "submitted", _("Đã trình")
        ASSIGNED = "assigned", _("Đã giao xử lý")
        DONE = "done", _("Đã xử lý xong")
        DRAFT = "draft", _("Dự thảo")
        APPROVED = "approved", _("Đã duyệt")
        SIGNED = "signed", _("Đã ký")
        ISSUED = "issued", _("Đã ban hành")
        REVOKED = "revoked", _("Đã thu hồi")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    direction = models.CharField(_("loại"), max_length=16, choices=Direction.choices)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices)
    register = models.ForeignKey(
        Register, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    register_number = models.PositiveIntegerField(_("số đến/số đi"), null=True, blank=True)
    registered_at = models.DateTimeField(_("ngày vào sổ"), null=True, blank=True)
    number = models.CharField(_("số"), max_length=RECEIVED_NUMBER_MAX, blank=True)
    notation = models.CharField(_("ký hiệu"), max_length=30, blank=True)
    issuer_name = models.CharField(_("cơ quan ban hành"), max_length=200)
    issuer_code = models.CharField(_("mã định danh cơ quan ban hành"), max_length=ISSUER_CODE_MAX, blank=True)
    document_type = models.CharField(
        _("loại văn bản"), max_length=4, choices=[(code, name) for code, name in DOCUMENT_TYPES.items()]
    )
    summary = models.CharField(_("trích yếu"), max_length=500)
    signer_name = models.CharField(_("người ký"), max_length=150, blank=True)
    signing_authority = models.CharField(_("thẩm quyền ký"), max_length=8, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    received_at = models.DateTimeField(_("ngày đến"), null=True, blank=True)
    urgency = models.CharField(_("độ khẩn"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    page_count = models.PositiveIntegerField(_("số trang"), null=True, blank=True)
    copy_count = models.PositiveIntegerField(_("số bản"), null=True, blank=True)
    recipients = models.CharField(_("nơi nhận"), max_length=150, blank=True)
    due_date = models.DateField(_("hạn xử lý"), null=True, blank=True)
    delivery_mode = models.CharField(
        _("hình thức"), max_length=16, choices=DeliveryMode.choices, default=DeliveryMode.PAPER
    )
    source = models.CharField(_("nguồn"), max_length=16, choices=Source.choices, default=Source.PAPER)
    # Folded (no diacritics, lower case) metadata for diacritic-insensitive search.
    search_text = models.TextField(blank=True, editable=False)
    # The search text's words for the list's search (qlvbdh.selectors.documents), kept by PostgreSQL:
    # words are the [a-z0-9] runs of the folded text (as core.text.fold_words splits them); only the
    # first 400,000 characters, since a tsvector holds at most 1 MB and that much text of any kind
    # stays below it (no write can fail on it); positions stripped: prefix matching needs none.
    search_words = models.GeneratedField(
        expression=Func(
            SearchVector(
                Func(
                    Left("search_text", SEARCH_WORDS_MAX_CHARS),
                    Value("[^a-z0-9]+"),
                    Value(" "),
                    Value("g"),
                    function="regexp_replace",
                ),
                config="simple",
            ),
            function="strip",
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    submitted_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trình"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    direction_note = models.TextField(_("ý kiến chỉ đạo"), blank=True)
    # outgoing
    drafting_unit = models.CharField(_("ký hiệu đơn vị soạn thảo"), max_length=20, blank=True)
    approved_by = models.CharField(max_length=150, blank=True)
    signed_by = models.CharField(max_length=150, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("thay thế văn bản"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_reason = models.CharField(_("lý do thu hồi"), max_length=500, blank=True)
    directed_by = models.CharField(max_length=150, blank=True)
    directed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("văn bản")
        verbose_name_plural = _("văn bản")
        constraints = [
            models.UniqueConstraint(
                fields=["register", "register_number"], name="qlvbdh_document_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(register__isnull=True) | Q(register_number__gte=1),
                name="qlvbdh_document_number_from_1",
            ),
        ]
        indexes = [
            models.Index(fields=["number", "notation", "issuer_code"], name="qlvbdh_doc_identity"),
            # The inbox's order: newest first reads 50 rows from the index instead of sorting the table.
            models.Index(fields=["-registered_at", "-id"], name="qlvbdh_doc_newest"),
            # Trigrams serve fragments (`LIKE 'x%'`, `'%x%'`: the duplicate check's issuer prefix); the
            # list's search by words uses the tsvector column of migration 0012 instead.
            GinIndex(fields=["search_text"], name="qlvbdh_doc_search_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(fields=["search_words"], name="qlvbdh_doc_search_words"),
        ]

    def __str__(self) -> str:
        label = f"{self.number}/{self.notation}" if self.number else self.notation
        return f"{label} {self.summary[:60]}".strip()


class Assignment(models.Model):
    """A unit or a person asked to act on a document: lead (chủ trì), cooperating (phối hợp) or
    for information (để biết), with a deadline. A re-assignment links back to the one it came from."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Chủ trì")
        COOPERATE = "cooperate", _("Phối hợp")
        INFORM = "inform", _("Để biết")

    class Status(models.TextChoices):
        OPEN = "open", _("Đang xử lý")
        REASSIGNED = "reassigned", _("Đã chuyển")
        DONE = "done", _("Đã xong")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    unit = models.ForeignKey(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    deadline = models.DateField(_("hạn xử lý"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.OPEN)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    assigned_by = models.CharField(max_length=150)
    assigned_at = models.DateTimeField(auto_now_add=True)
    report = models.TextField(_("báo cáo kết quả"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("giao xử lý")
        verbose_name_plural = _("giao xử lý")
        indexes = [
            # "My tasks": a person's or their unit's open ones, by deadline, without reading the done ones.
            models.Index(fields=["assignee", "status", "deadline"], name="qlvbdh_task_person"),
            models.Index(fields=["unit", "status", "deadline"], name="qlvbdh_task_unit"),
            # The same with the done ones (?done=1), in the list's whole order (selectors.assignments).
            models.Index(fields=["assignee", "deadline", "id"], name="qlvbdh_task_person_all"),
            models.Index(fields=["unit", "deadline", "id"], name="qlvbdh_task_unit_all"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(assignee__isnull=False, unit__isnull=True)
                | Q(assignee__isnull=True, unit__isnull=False),
                name="qlvbdh_assignment_one_assignee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.assignee or self.unit}"


EVENT_LABELS = {
    "registered": _("Vào sổ"),
    "submitted": _("Trình"),
    "directed": _("Chỉ đạo, giao xử lý"),
    "reassigned": _("Chuyển xử lý"),
    "reported": _("Báo cáo tiến độ"),
    "closed": _("Hoàn thành việc"),
    "done": _("Xử lý xong"),
    "viewed": _("Xem văn bản"),
    "drafted": _("Dự thảo"),
    "approved": _("Duyệt"),
    "signed": _("Ký"),
    "issued": _("Ban hành"),
    "revoked": _("Thu hồi"),
    "replaced": _("Bị thay thế"),
    "attachment_added": _("Đính kèm tệp"),
    "returned_to_draft": _("Trả về dự thảo (tệp thay đổi sau khi duyệt)"),
    "attachment_analysed": _("Kiểm tra tệp, chữ ký số"),
    "attachment_downloaded": _("Tải tệp"),
    "shared": _("Chia sẻ"),
    "unshared": _("Thôi chia sẻ"),
}


class DocumentEvent(models.Model):
    """The document's timeline: every step and every view, in order (the audit trail has the proof)."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(max_length=150)
    kind = models.CharField(max_length=32)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # Need-to-know: "the documents this person took part in" is read by actor (qlvbdh.permissions).
            models.Index(fields=["actor", "document"], name="qlvbdh_event_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.kind}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))


class ReadReceipt(models.Model):
    """Who opened a document, first and last time."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="read_receipts")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_read_at = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(auto_now=True)
    times = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "reader"], name="qlvbdh_read_once_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.reader_id} read {self.document_id}"


class Distribution(models.Model):
    """Where an issued document goes: a unit of the agency, or another organisation by its code.
    External rows wait for the inter-agency hub (`status` pending) until it takes them."""

    class Status(models.TextChoices):
        DELIVERED = "delivered", _("Đã chuyển")
        PENDING = "pending", _("Chờ gửi qua trục")

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="distribution")
    unit = models.ForeignKey(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    org_code = models.CharField(_("mã định danh"), max_length=20, blank=True)
    org_name = models.CharField(_("tên cơ quan"), max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False, org_code="") | Q(unit__isnull=True) & ~Q(org_code=""),
                name="qlvbdh_distribution_one_target",
            )
        ]

    def __str__(self) -> str:
        return str(self.unit or self.org_name or self.org_code)


class Dossier(models.Model):
    """A work dossier (hồ sơ) of the yearly catalogue. Documents belong to it by link, never copied,
    and one document may be in several dossiers."""

    class Retention(models.TextChoices):
        PERMANENT = "permanent", _("Vĩnh viễn")
        Y70 = "70", _("70 năm")
        Y50 = "50", _("50 năm")
        Y30 = "30", _("30 năm")
        Y20 = "20", _("20 năm")
        Y10 = "10", _("10 năm")
        OTHER = "other", _("Khác")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("năm"))
    code = models.CharField(_("số và ký hiệu hồ sơ"), max_length=50)
    title = models.CharField(_("tiêu đề hồ sơ"), max_length=500)
    retention = models.CharField(_("thời hạn bảo quản"), max_length=16, choices=Retention.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người lập hồ sơ"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_on = models.DateField(_("ngày mở"))
    closed_on = models.DateField(_("ngày đóng"), null=True, blank=True)
    documents = models.ManyToManyField(Document, through="DossierDocument", related_name="dossiers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        constraints = [models.UniqueConstraint(fields=["year", "code"], name="qlvbdh_dossier_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title[:60]}"


class DossierDocument(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="links")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="dossier_links")
    added_by = models.CharField(max_length=150)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dossier", "document"], name="qlvbdh_dossier_once")]

    def __str__(self) -> str:
        return f"{self.dossier_id}:{self.document_id}"


class SavedSearch(models.Model):
    """A person's named search (its filters), to run again from the document list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("tên"), max_length=100)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="qlvbdh_saved_search_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


from qlvbdh.attachment_models import Attachment, SignedFile  # noqa: E402, F401  (registers the models)
from qlvbdh.share_models import DocumentShare, DossierShare  # noqa: E402, F401  (registers the models)
