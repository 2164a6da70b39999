"""The province's signing authority (public schema): created on first use, its private key stored
sealed; its certificate is what the hub trusts, and it issues each agency's certificate."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction

from core.locks import lock_table_for_writers
from core.tenancy import in_public
from interagency.edxml.certificates import generate_authority
from interagency.hub.models import SigningAuthority
from interagency.hub.services.sealing import seal

_PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def split_pem(bundle: str) -> list[str]:
    return _PEM_RE.findall(bundle or "")


def authority_get() -> SigningAuthority:
    """The province's authority, created once (public schema)."""
    with in_public():
        authority = SigningAuthority.objects.order_by("id").first()  # every packet asks: no savepoint
    if authority is not None:
        return authority
    with in_public(), transaction.atomic():
        lock_table_for_writers(SigningAuthority)  # two first callers make one authority
        authority = SigningAuthority.objects.order_by("id").first()
        if authority is not None:
            return authority
        name = str(getattr(settings, "HUB_AUTHORITY_NAME", "tinhso hub authority"))
        key_pem, cert_pem = generate_authority(name)
        return SigningAuthority.objects.create(
            name=name, private_key=seal(key_pem), certificate=cert_pem.decode()
        )


def trust_roots() -> list[bytes]:
    return [authority_get().certificate.encode()]
