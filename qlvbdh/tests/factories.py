"""Documents, registers, assignments and dossiers for tests, as qlvbdh's services would store them.

    document = IncomingDocumentFactory.create(tenant=tenant)                       # registered, numbered
    document = IncomingDocumentFactory.create(tenant=tenant, submitted_to=head)    # submitted to the head
    task = AssignmentFactory.create(tenant=tenant, assignee=official)              # directed, lead: official
    draft = OutgoingDocumentFactory.create(tenant=tenant, drafter=official)        # a draft
    issued = OutgoingDocumentFactory.create(tenant=tenant, status="issued")        # approved, signed, issued

Rows are the services' rows, not shortcuts: numbers are taken from the year's register counter
(the register the services would pick, made as their year rollover makes it when there is none),
`search_text` is folded as search expects, each state carries the fields of the steps before it,
and the timeline has the step that made it. What factories do not do: audit entries, events to
other apps (the exchange's outbox), attachments; a test about those calls the service.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

import factory
from django.db import transaction
from django.utils import timezone

from accounts.models import OrgUnit
from accounts.tests.factories import OrgUnitFactory, UserFactory
from core.tests.factories import InTenantFactory
from core.text import fold
from qlvbdh import catalogue
from qlvbdh.models import Assignment, Distribution, Document, DocumentEvent, Dossier, Register
from qlvbdh.services import registers

Status = Document.Status
_APPROVED_OR_LATER = (Status.APPROVED, Status.SIGNED, Status.ISSUED, Status.REVOKED)
_SIGNED_OR_LATER = (Status.SIGNED, Status.ISSUED, Status.REVOKED)
_ISSUED_OR_LATER = (Status.ISSUED, Status.REVOKED)


def _today() -> datetime.date:
    return timezone.localdate()


class RegisterFactory(InTenantFactory[Register]):
    class Meta:
        model = Register
        django_get_or_create = ("year", "direction", "name")

    year = factory.LazyFunction(lambda: _today().year)
    direction = Register.Direction.INCOMING
    name = factory.LazyAttribute(
        lambda o: "Sổ văn bản đến" if o.direction == Register.Direction.INCOMING else "Sổ văn bản đi"
    )
    document_types = factory.LazyFunction(list)
    agency_abbreviation = factory.LazyAttribute(
        lambda o: "STN" if o.direction == Register.Direction.OUTGOING else ""
    )


def register_for(*, direction: str, year: int, document_type: str) -> Register:
    """The register the services number this type in. With none that year, the clerk's usual
    set-up comes first (`RegisterFactory`: an outgoing register carries the agency's abbreviation)."""
    if not Register.objects.filter(year=year, direction=direction).exists():
        RegisterFactory.create(year=year, direction=direction)
    return registers.register_for(direction=direction, year=year, document_type=document_type)


def take_number(register: Register) -> int:
    """The register's next number, from the counter the services take it from."""
    with transaction.atomic():
        return registers.register_next_number(register=register)


def search_text_of(
    *, issuer_name: str, number: str, notation: str, summary: str, signer_name: str, document_type: str
) -> str:
    parts = [issuer_name, "|", number, notation, summary, signer_name]
    parts.append(catalogue.DOCUMENT_TYPES.get(document_type, ""))
    return " ".join(fold(" ".join(part for part in parts if part)).split())


def _name(user: Any, default: str) -> str:
    return str(user.get_username()) if user is not None else default


class IncomingDocumentFactory(InTenantFactory[Document]):
    """An incoming document the clerk registered; `submitted_to=head` submits it, status
    `assigned` marks it directed (AssignmentFactory does that for you)."""

    class Meta:
        model = Document

    class Params:
        clerk = None
        director = None

    direction = Document.Direction.INCOMING
    status = factory.LazyAttribute(lambda o: Status.SUBMITTED if o.submitted_to else Status.REGISTERED)
    issuer_name = "UBND tỉnh Gia Lai"
    issuer_code = ""
    document_type = "CV"
    number = factory.Sequence(lambda n: str(n + 1))
    notation = "UBND-VP"
    summary = factory.Sequence(lambda n: f"V/v triển khai nhiệm vụ số {n + 1} năm nay")
    signer_name = "Trần Đình Ký"
    registered_at = factory.LazyFunction(timezone.now)
    received_at = factory.LazyAttribute(lambda o: o.registered_at)
    submitted_to = None
    directed_by = factory.LazyAttribute(
        lambda o: _name(o.director, "thutruong") if o.status in (Status.ASSIGNED, Status.DONE) else ""
    )
    directed_at = factory.LazyAttribute(lambda o: o.registered_at if o.directed_by else None)
    direction_note = factory.LazyAttribute(lambda o: "Giao xử lý theo quy định." if o.directed_by else "")
    created_by = factory.LazyAttribute(lambda o: _name(o.clerk, "vanthu"))

    @classmethod
    def _create(cls, model_class: type[Document], *args: Any, **kwargs: Any) -> Document:
        kwargs.setdefault(
            "search_text",
            search_text_of(
                issuer_name=kwargs["issuer_name"],
                number=kwargs["number"],
                notation=kwargs["notation"],
                summary=kwargs["summary"],
                signer_name=kwargs["signer_name"],
                document_type=kwargs["document_type"],
            ),
        )
        if kwargs.get("register") is None:
            kwargs["register"] = register_for(
                direction=Register.Direction.INCOMING,
                year=timezone.localtime(kwargs["registered_at"]).year,
                document_type=kwargs["document_type"],
            )
        if kwargs.get("register_number") is None:
            kwargs["register_number"] = take_number(kwargs["register"])
        document: Document = super()._create(model_class, *args, **kwargs)
        DocumentEvent.objects.create(
            document=document,
            actor=document.created_by,
            kind="registered",
            detail={"arrival_number": document.register_number},
        )
        return document


class OutgoingDocumentFactory(InTenantFactory[Document]):
    """An outgoing (or, with `internal=True`, internal) document at any step of draft -> approved
    -> signed -> issued (-> revoked): `status` picks the step and the earlier steps' fields follow.
    An issued one is numbered from the year's outgoing register and distributed to `distribute_to`
    (units or `(org_code, org_name)` pairs; one new unit when not given)."""

    class Meta:
        model = Document

    class Params:
        internal = False
        drafter = None
        approver = None
        signer = None

    direction = factory.LazyAttribute(
        lambda o: Document.Direction.INTERNAL if o.internal else Document.Direction.OUTGOING
    )
    status = Status.DRAFT
    issuer_name = ""
    document_type = "CV"
    summary = factory.Sequence(lambda n: f"V/v báo cáo kết quả công tác số {n + 1}")
    recipients = "Như trên"
    drafting_unit = "VP"
    delivery_mode = catalogue.DeliveryMode.ELECTRONIC
    signer_name = ""
    created_by = factory.LazyAttribute(lambda o: _name(o.drafter, "chuyenvien"))
    approved_by = factory.LazyAttribute(
        lambda o: _name(o.approver, "thutruong") if o.status in _APPROVED_OR_LATER else ""
    )
    signed_by = factory.LazyAttribute(
        lambda o: _name(o.signer, "thutruong") if o.status in _SIGNED_OR_LATER else ""
    )
    signed_at = factory.LazyAttribute(lambda o: timezone.now() if o.signed_by else None)
    revoked_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == Status.REVOKED else None)
    revoked_reason = factory.LazyAttribute(lambda o: "Ban hành nhầm." if o.status == Status.REVOKED else "")

    @classmethod
    def _create(cls, model_class: type[Document], *args: Any, **kwargs: Any) -> Document:
        status = kwargs["status"]
        # The search text is the draft's (issuer "-" until issue); signing and issuing add to it
        # only what the services add.
        kwargs.setdefault(
            "search_text",
            search_text_of(
                issuer_name="-",
                number="",
                notation="",
                summary=kwargs["summary"],
                signer_name=kwargs["signer_name"],
                document_type=kwargs["document_type"],
            ),
        )
        if status in _SIGNED_OR_LATER and not kwargs["signer_name"]:
            kwargs["signer_name"] = "Nguyễn Văn Thủ Trưởng"
        if status in _ISSUED_OR_LATER and kwargs.get("register") is None:
            kwargs["register"] = register_for(
                direction=Register.Direction.OUTGOING,
                year=_today().year,
                document_type=kwargs["document_type"],
            )
        if status in _ISSUED_OR_LATER and kwargs.get("register_number") is None:
            register = kwargs["register"]
            kwargs["register_number"] = take_number(register)
            kwargs["number"] = catalogue.format_number(kwargs["register_number"])
            parts = (
                []
                if kwargs["document_type"] in catalogue.TYPES_WITHOUT_ABBREVIATION
                else [kwargs["document_type"]]
            )
            parts += [register.agency_abbreviation, kwargs["drafting_unit"]]
            kwargs["notation"] = "-".join(part for part in parts if part)
            kwargs.setdefault("issued_on", _today())
            kwargs.setdefault("registered_at", timezone.now())
            kwargs["search_text"] += " " + fold(kwargs["number"] + " " + kwargs["notation"])
        document: Document = super()._create(model_class, *args, **kwargs)
        steps = [("drafted", document.created_by)]
        if status in _APPROVED_OR_LATER:
            steps.append(("approved", document.approved_by))
        if status in _SIGNED_OR_LATER:
            steps.append(("signed", document.signed_by))
        if status in _ISSUED_OR_LATER:
            steps.append(("issued", "vanthu"))
        if status == Status.REVOKED:
            steps.append(("revoked", document.signed_by))
        DocumentEvent.objects.bulk_create(
            DocumentEvent(document=document, actor=actor, kind=kind) for kind, actor in steps
        )
        return document

    @factory.post_generation
    def distribute_to(
        obj: Document,
        create: bool,
        extracted: Iterable[OrgUnit | tuple[str, str]] | None,
        **kwargs: Any,
    ) -> None:
        if not create or obj.status not in _ISSUED_OR_LATER:
            return
        targets = list(extracted) if extracted is not None else [OrgUnitFactory.create()]
        Distribution.objects.bulk_create(
            Distribution(document=obj, unit=target, status=Distribution.Status.DELIVERED)
            if isinstance(target, OrgUnit)
            else Distribution(
                document=obj, org_code=target[0], org_name=target[1], status=Distribution.Status.PENDING
            )
            for target in targets
        )


class AssignmentFactory(InTenantFactory[Assignment]):
    """One line of the head's direction: lead (by default), cooperating or informed; to a person
    (a new official by default) or, with `unit=`, to a unit. The document is marked directed."""

    class Meta:
        model = Assignment

    document = factory.SubFactory(IncomingDocumentFactory)
    role = Assignment.Role.LEAD
    unit = None
    assignee = factory.Maybe(
        "unit", yes_declaration=None, no_declaration=factory.SubFactory(UserFactory, roles=["official"])
    )
    deadline = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=7))
    status = Assignment.Status.OPEN
    assigned_by = factory.LazyAttribute(lambda o: o.document.directed_by or "thutruong")
    done_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == Assignment.Status.DONE else None)

    @classmethod
    def _create(cls, model_class: type[Assignment], *args: Any, **kwargs: Any) -> Assignment:
        document: Document = kwargs["document"]
        if document.status in (Status.REGISTERED, Status.SUBMITTED):
            # What document_direct does to the document with its first assignment.
            document.status = Status.ASSIGNED
            document.directed_by = kwargs["assigned_by"]
            document.directed_at = timezone.now()
            if kwargs["role"] == Assignment.Role.LEAD:
                document.due_date = document.due_date or kwargs["deadline"]
            document.save(update_fields=["status", "directed_by", "directed_at", "due_date"])
        return super()._create(model_class, *args, **kwargs)


class DossierFactory(InTenantFactory[Dossier]):
    class Meta:
        model = Dossier

    year = factory.LazyFunction(lambda: _today().year)
    code = factory.Sequence(lambda n: f"{n + 1:02d}/HS")
    title = factory.Sequence(lambda n: f"Hồ sơ công việc số {n + 1}")
    retention = Dossier.Retention.Y10
    owner = factory.SubFactory(UserFactory, roles=["official"])
    opened_on = factory.LazyFunction(_today)
