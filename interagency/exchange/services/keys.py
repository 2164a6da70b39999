"""An agency's signing keys (its tenant schema): issued on first use by the province's authority,
stored sealed; the newest active key signs what the agency sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.db import transaction
from django.utils import timezone
from lxml import etree

from core.audit import Actor, audit_record
from interagency.edxml.certificates import issue_certificate
from interagency.edxml.signatures import sign_packet
from interagency.exchange.models import SigningKey
from interagency.exchange.services.agency import Agency, current_agency
from interagency.hub.services.authority import authority_get
from interagency.hub.services.sealing import seal, unseal


def _describe(cert_pem: bytes) -> tuple[str, datetime]:
    certificate = x509.load_pem_x509_certificate(cert_pem)
    return certificate.fingerprint(hashes.SHA256()).hex(), certificate.not_valid_after_utc


def signing_key_current() -> SigningKey:
    """This agency's active key, issued on first use (or when the last one is about to expire)."""
    soon = timezone.now() + timedelta(days=30)
    key = SigningKey.objects.filter(retired_at__isnull=True, not_after__gt=soon).order_by("-id").first()
    if key is not None:
        return key
    return signing_key_rotate(actor=Actor(label="hub"), agency=current_agency())


def signing_key_rotate(*, actor: Actor, agency: Agency | None = None) -> SigningKey:
    """Issue a new key for this agency and retire the older ones (they stay, for old evidence)."""
    agency = agency or current_agency()
    authority = authority_get()
    key_pem, cert_pem = issue_certificate(
        authority_key_pem=unseal(authority.private_key),
        authority_cert_pem=authority.certificate.encode(),
        org_code=agency.org_code,
        org_name=agency.name,
    )
    fingerprint, not_after = _describe(cert_pem)
    with transaction.atomic():
        SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=timezone.now())
        key = SigningKey.objects.create(
            org_code=agency.org_code,
            private_key=seal(key_pem),
            certificate=cert_pem.decode(),
            fingerprint=fingerprint,
            not_after=not_after,
        )
        audit_record(actor=actor, action="hub.key_issued", target=key, fingerprint=fingerprint)
    return key


@dataclass(frozen=True)
class AgencySigner:
    """The signing hook of an agency's active key; its certificate goes with what it signs."""

    key_pem: bytes = field(repr=False)
    cert_pem: bytes

    def __call__(self, root: etree._Element) -> etree._Element:
        return sign_packet(root, key_pem=self.key_pem, cert_pem=self.cert_pem, sealed=True)


def signing_hook() -> AgencySigner:
    key = signing_key_current()
    return AgencySigner(key_pem=unseal(key.private_key), cert_pem=key.certificate.encode())
