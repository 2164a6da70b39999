"""Shared steps of the exchange tests: an agency that issues a document, and clerks that act."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import RoleGrant, User
from core.audit import Actor
from core.tenancy import in_tenant
from qlvbdh.models import Document, Register
from qlvbdh.services import outgoing as documents
from qlvbdh.services.attachments import attachment_add
from qlvbdh.services.registers import register_create

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def person(tenant: Any, username: str, *roles: str) -> Actor:
    with in_tenant(tenant):
        user, _created = User.objects.get_or_create(username=username, defaults={"full_name": username})
        for role in roles:
            RoleGrant.objects.get_or_create(user=user, role=role, defaults={"granted_by": "test"})
    return Actor(user=user)


def office(tenant: Any) -> dict[str, Actor]:
    """A clerk, an official and a head, and this year's outgoing register."""
    with in_tenant(tenant):
        if not Register.objects.filter(direction="outgoing").exists():
            register_create(
                actor=Actor(label="test"),
                year=timezone.localdate().year,
                direction="outgoing",
                name="Sổ văn bản đi",
                agency_abbreviation="STN",
            )
    return {
        "clerk": person(tenant, "vanthu", "clerk"),
        "official": person(tenant, "chuyenvien", "official"),
        "head": person(tenant, "giamdoc", "head"),
    }


def draft_by(official: Actor, summary: str, *, replaces: Document | None = None) -> Document:
    """An outgoing draft of the official's (call it inside the tenant)."""
    return documents.outgoing_draft_create(
        actor=official,
        data=documents.OutgoingData(
            document_type="CV",
            summary=summary,
            signer_name="Nguyễn Văn Giám",
            signing_authority="",
            drafting_unit="VP",
            replaces=replaces,
        ),
    )


def issue_to(
    tenant: Any,
    people: dict[str, Actor],
    recipients: list[Any],
    *,
    summary: str = "",
    replaces: Document | None = None,
) -> Document:
    """Draft, attach a PDF, approve, sign and issue to the given tenants (by their org codes);
    with `replaces`, as the replacement of that issued document."""
    with in_tenant(tenant):
        draft = draft_by(
            people["official"], summary or "Về việc kết nối liên thông văn bản điện tử", replaces=replaces
        )
        attachment_add(actor=people["official"], document=draft, upload=ContentFile(PDF, name="cong-van.pdf"))
        documents.outgoing_approve(actor=people["head"], document=draft)
        documents.outgoing_sign(actor=people["head"], document=draft)
        return documents.outgoing_issue(
            actor=people["clerk"],
            document=draft,
            recipients=[documents.Recipient(org_code=r.org_code, org_name=r.name) for r in recipients],
        )
