"""Each agency's side of the exchange (its tenant schema): the outbox, the documents that arrived,
the packets received, the statuses of what it sent, and its signing keys.

The tables keep the names they had when `interagency` was one app (`db_table`). Foreign keys go only
to this schema's own tables (qlvbdh); the hub's rows are referred to by packet id or org code."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxEntry(models.Model):
    """A packet this agency sends, written in the same transaction as the change it reports
    (the transactional outbox). The relay builds and signs it once, then hands it to the hub."""

    class Kind(models.TextChoices):
        EDOC = "edoc", _("Văn bản")
        STATUS = "status", _("Trạng thái")

    packet_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    exchange_id = models.CharField(max_length=255, db_index=True)  # the edXML DocumentId it is about
    # edoc: the outgoing document; status: the incoming one, if registered yet.
    document = models.ForeignKey(
        "qlvbdh.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    business = models.PositiveSmallIntegerField(null=True, blank=True)
    status_code = models.CharField(max_length=2, blank=True)
    recipient_codes = models.JSONField(default=list)
    description = models.CharField(max_length=500, blank=True)
    staff = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    content = models.BinaryField(null=True, blank=True)  # built and signed once; retries send these bytes
    sha256 = models.CharField(max_length=64, blank=True)
    relayed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "interagency_outboxentry"
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"], name="interagency_outbox_waiting", condition=Q(relayed_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status_code or self.business} {self.exchange_id}"


class InboxItem(models.Model):
    """A document another organisation sent through the hub: it has arrived (status 01 went back)
    and waits for the clerk to accept it (it becomes an incoming document, 03) or refuse it (02)."""

    class State(models.TextChoices):
        ARRIVED = "arrived", _("Đã đến")
        ACCEPTED = "accepted", _("Đã tiếp nhận")
        REFUSED = "refused", _("Đã từ chối")
        CANCELLED = "cancelled", _("Đã được thu hồi")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    packet_id = models.UUIDField(unique=True)
    exchange_id = models.CharField(max_length=255)  # the edXML DocumentId: one item per sender
    business = models.PositiveSmallIntegerField(default=0)
    replaces_document_id = models.CharField(max_length=255, blank=True)
    sender_code = models.CharField(max_length=32)
    sender_name = models.CharField(max_length=200, blank=True)
    number = models.CharField(max_length=50, blank=True)  # as the sender wrote it (may pass 11)
    notation = models.CharField(max_length=30, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    summary = models.CharField(max_length=500)
    metadata = models.JSONField(default=dict)  # the rest of the header, for the clerk to see
    content = models.BinaryField()  # the packet as it arrived (attachments inside)
    sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ARRIVED)
    arrived_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("lý do"), max_length=500, blank=True)
    document = models.OneToOneField(
        "qlvbdh.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="hub_item"
    )
    # The sender's open request about this document (13, or a revoke/update packet): answered by 15/16.
    request = models.JSONField(null=True, blank=True)
    # Status codes already sent back, so the automatic ones (04, 05, 06) go once each.
    sent_codes = models.JSONField(default=list)
    # What the tolerant reader accepted but the standard does not, shown to the clerk.
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "interagency_inboxitem"
        ordering = ["-arrived_at", "-id"]
        constraints = [
            # DocumentIds are unique per sender: another sender cannot squat one.
            models.UniqueConstraint(fields=["sender_code", "exchange_id"], name="interagency_inbox_once"),
        ]
        indexes = [models.Index(fields=["exchange_id"], name="interagency_inbox_exchange")]
        verbose_name = _("văn bản đến qua trục")
        verbose_name_plural = _("văn bản đến qua trục")

    def __str__(self) -> str:
        return f"{self.exchange_id} ({self.state})"


class ReceivedPacket(models.Model):
    """Every packet the hub delivered here, by packet id: the receiver's dedupe log and evidence."""

    packet_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=8)
    document_id = models.CharField(max_length=255)
    sender_code = models.CharField(max_length=32)
    status_code = models.CharField(max_length=2, blank=True)
    sha256 = models.CharField(max_length=64)
    outcome = models.CharField(max_length=32)  # arrived, duplicate, status, request, ignored
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "interagency_receivedpacket"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.packet_id} {self.outcome}"


class ExchangeStatus(models.Model):
    """What a recipient did with a document this agency sent (01-06, 15, 16), or what this agency
    asked of it (13): the sender's per-recipient history; the newest row is the current status."""

    document = models.ForeignKey(
        "qlvbdh.Document", on_delete=models.PROTECT, related_name="exchange_statuses"
    )
    recipient_code = models.CharField(max_length=32)
    recipient_name = models.CharField(max_length=200, blank=True)
    status_code = models.CharField(max_length=2)
    description = models.CharField(max_length=500, blank=True)
    staff = models.JSONField(default=dict, blank=True)
    outgoing = models.BooleanField(default=False)  # True: our own request (13)
    reported_at = models.DateTimeField()  # the packet's Timestamp
    recorded_at = models.DateTimeField(auto_now_add=True)
    packet_id = models.UUIDField(unique=True)

    class Meta:
        db_table = "interagency_exchangestatus"
        ordering = ["recorded_at", "id"]
        indexes = [
            models.Index(fields=["document", "recipient_code", "id"], name="interagency_status_by_doc")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_code} {self.status_code}"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS.get(self.status_code, self.status_code))


STATUS_LABELS = {
    "01": _("Đã đến"),
    "02": _("Từ chối tiếp nhận"),
    "03": _("Đã tiếp nhận, vào sổ"),
    "04": _("Đã phân công xử lý"),
    "05": _("Đang xử lý"),
    "06": _("Đã xử lý xong"),
    "13": _("Đề nghị lấy lại, cập nhật"),
    "15": _("Đồng ý lấy lại, cập nhật"),
    "16": _("Từ chối lấy lại, cập nhật"),
}


class SigningKey(models.Model):
    """An agency's signing key and certificate (tenant schema); the newest active one signs."""

    org_code = models.CharField(max_length=32)
    private_key = models.TextField()  # sealed
    certificate = models.TextField()  # PEM, issued by the province's SigningAuthority
    fingerprint = models.CharField(max_length=64, unique=True)
    not_after = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "interagency_signingkey"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.org_code} {self.fingerprint[:16]}"
