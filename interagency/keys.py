"""Signing keys: the province's authority (public schema) and each agency's key (its schema).

Keys are created on first use and stored sealed (`signing.seal`); an agency's certificate is
issued by the province's authority, whose certificate is what the hub trusts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.db import transaction
from django.utils import timezone
from lxml import etree

from core.audit import Actor, audit_record
from core.locks import lock_table_for_writers
from core.tenancy import in_public
from interagency import signing
from interagency.models import SigningAuthority, SigningKey

_PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def split_pem(bundle: str) -> list[str]:
    return _PEM_RE.findall(bundle or "")


def authority_get() -> SigningAuthority:
    """The province's authority, created once (public schema)."""
    with in_public(), transaction.atomic():
        authority = SigningAuthority.objects.order_by("id").first()
        if authority is not None:
            return authority
        lock_table_for_writers(SigningAuthority)  # two first callers make one authority
        authority = SigningAuthority.objects.order_by("id").first()
        if authority is not None:
            return authority
        from django.conf import settings

        name = str(getattr(settings, "HUB_AUTHORITY_NAME", "tinhso hub authority"))
        key_pem, cert_pem = signing.generate_authority(name)
        return SigningAuthority.objects.create(
            name=name, private_key=signing.seal(key_pem), certificate=cert_pem.decode()
        )


def trust_roots() -> list[bytes]:
    return [authority_get().certificate.encode()]


def _describe(cert_pem: bytes) -> tuple[str, datetime]:
    certificate = x509.load_pem_x509_certificate(cert_pem)
    return certificate.fingerprint(hashes.SHA256()).hex(), certificate.not_valid_after_utc


def signing_key_current() -> SigningKey:
    """This agency's active key, issued on first use (or when the last one is about to expire)."""
    from interagency.services import current_agency

    soon = timezone.now() + timedelta(days=30)
    key = SigningKey.objects.filter(retired_at__isnull=True, not_after__gt=soon).order_by("-id").first()
    if key is not None:
        return key
    return signing_key_rotate(actor=Actor(label="hub"), agency=current_agency())


def signing_key_rotate(*, actor: Actor, agency: object | None = None) -> SigningKey:
    """Issue a new key for this agency and retire the older ones (they stay, for old evidence)."""
    from interagency.services import current_agency

    agency = agency or current_agency()
    authority = authority_get()
    key_pem, cert_pem = signing.issue_certificate(
        authority_key_pem=signing.unseal(authority.private_key),
        authority_cert_pem=authority.certificate.encode(),
        org_code=agency.org_code,  # type: ignore[attr-defined]
        org_name=agency.name,  # type: ignore[attr-defined]
    )
    fingerprint, not_after = _describe(cert_pem)
    with transaction.atomic():
        SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=timezone.now())
        key = SigningKey.objects.create(
            org_code=agency.org_code,  # type: ignore[attr-defined]
            private_key=signing.seal(key_pem),
            certificate=cert_pem.decode(),
            fingerprint=fingerprint,
            not_after=not_after,
        )
        audit_record(actor=actor, action="hub.key_issued", target=key, fingerprint=fingerprint)
    return key


def signing_hook() -> Callable[[etree._Element], etree._Element]:
    key = signing_key_current()
    key_pem = signing.unseal(key.private_key)
    cert_pem = key.certificate.encode()

    def sign(root: etree._Element) -> etree._Element:
        return signing.sign_packet(root, key_pem=key_pem, cert_pem=cert_pem)

    return sign
