"""Which agency this schema is, as the exchange names it (org code, name) and a document's
identity across systems (the edXML DocumentId)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from core.tenancy import current_schema, in_public
from qlvbdh.models import Document
from tenants.models import Tenant


@dataclass(frozen=True)
class Agency:
    org_code: str
    name: str
    schema_name: str


def current_agency() -> Agency:
    """The agency whose schema is active, from the public tenant table."""
    schema = current_schema()
    with in_public():
        tenant = Tenant.objects.get(schema_name=schema)
    return Agency(org_code=tenant.org_code, name=tenant.name, schema_name=schema)


def exchange_document_id(*, org_code: str, document: Document) -> str:
    """`{sender OrganId},{yyyy/MM/dd},{number}/{notation}`: the document's identity across systems."""
    issued = document.issued_on or timezone.localdate()
    return f"{org_code},{issued:%Y/%m/%d},{document.number}/{document.notation}"
