"""The hub's records (public schema): the organisation directory, the packets it took in, their
deliveries and each try, the other hubs it federates with, and the province's signing authority.

The tables keep the names they had when `interagency` was one app (`db_table`)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """One organisation that can send or receive documents: a tenant of ours or an external one."""

    class Kind(models.TextChoices):
        TENANT = "tenant", _("Đơn vị trong tỉnh")
        EXTERNAL = "external", _("Cơ quan bên ngoài")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Stored as `normalize_org_code` returns it (stripped, upper-case).
    org_code = models.CharField(_("mã định danh"), max_length=32, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=255)  # NFC
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    # Blank for our tenants (the hub delivers to them directly); https for external organisations.
    hub_url = models.URLField(_("địa chỉ trục"), max_length=500, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "interagency_organisation"
        verbose_name = _("cơ quan trong danh bạ")
        verbose_name_plural = _("danh bạ cơ quan")
        ordering = ["org_code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="tenant") & Q(hub_url=""))
                | (Q(kind="external") & Q(hub_url__startswith="https://")),
                name="interagency_organisation_hub_url_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_code} {self.name}"


class HubPacket(models.Model):
    """One packet the hub took in, kept as received (bytes, hash, signature check, trace): the
    evidence of the exchange. `packet_id` is the transport id: taking the same id twice is a no-op."""

    class Kind(models.TextChoices):
        EDOC = "edoc", _("Văn bản")
        STATUS = "status", _("Trạng thái")

    class Signature(models.TextChoices):
        VALID = "valid", _("Hợp lệ")
        INVALID = "invalid", _("Không hợp lệ")
        ABSENT = "absent", _("Không có chữ ký")
        UNTRUSTED = "untrusted", _("Không tin cậy")

    packet_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    business = models.PositiveSmallIntegerField(null=True, blank=True)  # edoc: 0 new .. 3 replace
    status_code = models.CharField(max_length=2, blank=True)
    document_id = models.CharField(max_length=255, db_index=True)  # the edXML DocumentId
    sender_code = models.CharField(max_length=32)
    recipient_codes = models.JSONField(default=list)
    # Who handed it in: "tenant:<schema>" or "peer:<system id>".
    source = models.CharField(max_length=80)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)  # a replay is the same bytes again
    signature = models.CharField(max_length=10, choices=Signature.choices)
    signer = models.CharField(max_length=255, blank=True)
    signer_fingerprint = models.CharField(max_length=64, blank=True)
    trace = models.JSONField(default=list)  # [{"organ_id", "at", "by"}], the hubs it passed
    # What the tolerant reader accepted but the standard does not (the error shape, "T.path: ...").
    warnings = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "interagency_hubpacket"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status_code or self.business} {self.document_id}"


class HubDelivery(models.Model):
    """One packet to one recipient. Picked with SKIP LOCKED; delivered at least once, retried with
    back-off, then dead until an operator retries it. The receiver is idempotent on the packet id."""

    class Target(models.TextChoices):
        TENANT = "tenant", _("Đơn vị trong tỉnh")
        PEER = "peer", _("Trục khác")

    class State(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        DELIVERED = "delivered", _("Đã chuyển")
        DEAD = "dead", _("Không chuyển được")

    packet = models.ForeignKey(HubPacket, on_delete=models.PROTECT, related_name="deliveries")
    recipient_code = models.CharField(max_length=32)
    # Denormalised from the packet: deliveries about one document to one recipient go in order.
    document_id = models.CharField(max_length=255)
    target = models.CharField(max_length=8, choices=Target.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "interagency_hubdelivery"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["packet", "recipient_code"], name="interagency_delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="interagency_delivery_due", condition=Q(state="pending")
            ),
            models.Index(fields=["document_id", "recipient_code", "id"], name="interagency_delivery_order"),
        ]

    def __str__(self) -> str:
        return f"{self.packet_id} -> {self.recipient_code} ({self.state})"


class HubAttempt(models.Model):
    """Each try of a delivery, kept for the console's figures and the evidence."""

    delivery = models.ForeignKey(HubDelivery, on_delete=models.PROTECT, related_name="tries")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ok = models.BooleanField()
    outcome = models.CharField(max_length=255, blank=True)  # "arrived", "duplicate", or the error

    class Meta:
        db_table = "interagency_hubattempt"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {'ok' if self.ok else 'failed'} {self.at:%Y-%m-%d %H:%M:%S}"


class FederationPeer(models.Model):
    """Another hub (another province's tinhso, or the national axis) this hub exchanges with.

    Inbound: the peer calls our federation endpoint as `system_id`, proving `secret` (kept only as
    a keyed hash). Outbound: we call `base_url` as `remote_system_id` with `remote_secret` (sealed).
    Organisations in the directory whose `hub_url` equals `base_url` are reached through it.
    """

    class Mode(models.TextChoices):
        PUSH = "push", _("Gửi đi (push)")
        PULL = "pull", _("Chờ trục kia lấy về (pull)")

    class Protocol(models.TextChoices):
        # Another tinhso: our own federation API (/federation/v1/) both ways.
        TINHSO = "tinhso", _("Trục tinhso khác")
        # The national axis (or another VXP server): we call its VXP API as a client.
        VXP_AXIS = "vxp_axis", _("Trục VXP (tỉnh gọi tới)")
        # An e-office product using the national SDK: it calls our /vxp/ API.
        VXP_SYSTEM = "vxp_system", _("Phần mềm kết nối qua SDK VXP")

    system_id = models.CharField(_("mã hệ thống"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    # push: the hub posts packets to the peer; pull: they wait until the peer lists, fetches and acks them.
    mode = models.CharField(_("cách chuyển"), max_length=8, choices=Mode.choices, default=Mode.PUSH)
    protocol = models.CharField(
        _("giao thức"), max_length=16, choices=Protocol.choices, default=Protocol.TINHSO
    )
    secret_digest = models.CharField(max_length=64)
    # A VXP system's inbound secret, sealed: VXP callers sign with HMAC-SHA256 keyed by the secret
    # itself and never send it, so a hash of it could not check their calls.
    vxp_secret = models.TextField(blank=True)
    base_url = models.URLField(_("địa chỉ trục"), max_length=500)
    remote_system_id = models.CharField(max_length=64)
    remote_secret = models.TextField()  # sealed with interagency.hub.services.sealing.seal
    # PEM of the peer's signing authority: packets from it must carry a signature chained to it.
    trust_roots = models.TextField(blank=True)
    # The organisation codes this peer may speak for, one shell-style pattern per line ("*.H22",
    # "vxp.saas.*"), matched case-insensitively; never our own agencies, whatever the patterns say.
    org_patterns = models.TextField(_("mã cơ quan được đại diện"), blank=True)
    # PEM bundle to verify the peer's TLS certificate (blank: the system's CA store).
    tls_ca = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "interagency_federationpeer"
        ordering = ["system_id"]
        verbose_name = _("trục liên thông khác")
        verbose_name_plural = _("trục liên thông khác")

    def __str__(self) -> str:
        return f"{self.system_id} {self.name}"


class SigningAuthority(models.Model):
    """The province's certificate authority for the hub (public schema, one row)."""

    name = models.CharField(max_length=200)
    private_key = models.TextField()  # sealed
    certificate = models.TextField()  # PEM
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "interagency_signingauthority"

    def __str__(self) -> str:
        return self.name
