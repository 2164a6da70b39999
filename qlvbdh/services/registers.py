"""Registers (sổ văn bản) and their numbering: gap-free, never reused, rolled over each year."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import nfc
from qlvbdh import catalogue
from qlvbdh.models import Document, Register


def register_create(
    *,
    actor: Actor,
    year: int,
    direction: str,
    name: str,
    document_types: list[str] | None = None,
    agency_abbreviation: str = "",
) -> Register:
    require_actor(actor, "qlvbdh.manage_registers")
    errors: dict[str, list[str]] = {}
    name = nfc(name or "")
    if not name:
        errors["name"] = [_("Tên sổ không được để trống.")]
    if direction not in Register.Direction.values:
        errors["direction"] = [_("Loại sổ không hợp lệ.")]
    if not 2000 <= year <= timezone.localdate().year + 1:
        errors["year"] = [_("Năm của sổ không hợp lệ.")]
    types = sorted(set(document_types or []))
    unknown = [code for code in types if code not in catalogue.DOCUMENT_TYPES]
    if unknown:
        errors["document_types"] = [
            _("Loại văn bản không có trong danh mục: %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    claimed = {
        code
        for other in Register.objects.filter(year=year, direction=direction)
        for code in other.document_types
    }
    numbered = set(
        Document.objects.filter(register__year=year, register__direction=direction, document_type__in=types)
        .values_list("document_type", flat=True)
        .distinct()
    )
    if numbered:
        errors.setdefault("document_types", []).append(
            _("Loại %(codes)s đã được đánh số trong sổ chung năm nay; sổ riêng sẽ làm trùng số.")
            % {"codes": ", ".join(sorted(numbered))}
        )
    if direction == Register.Direction.OUTGOING and not nfc(agency_abbreviation or ""):
        errors.setdefault("agency_abbreviation", []).append(
            _("Sổ văn bản đi cần ký hiệu cơ quan (ví dụ UBND).")
        )
    if set(types) & claimed:
        errors.setdefault("document_types", []).append(
            _("Loại văn bản %(codes)s đã có sổ riêng trong năm.")
            % {"codes": ", ".join(sorted(set(types) & claimed))}
        )
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            register = Register.objects.create(
                year=year,
                direction=direction,
                name=name,
                document_types=types,
                agency_abbreviation=nfc(agency_abbreviation or "")[:20],
            )
            audit_record(actor=actor, action="register.create", target=register, year=year, types=types)
    except IntegrityError as exc:
        raise ApplicationError(
            _("Đã có sổ “%(name)s” trong năm %(year)s.") % {"name": name, "year": year}
        ) from exc
    return register


def register_for(*, direction: str, year: int, document_type: str) -> Register:
    """The register that numbers this type this year. A new year's registers are made on first
    use from last year's configuration, numbering from 01 again (year rollover)."""
    registers = list(Register.objects.filter(year=year, direction=direction))
    if not registers:
        registers = _registers_roll_over(direction=direction, year=year)
    for register in registers:
        if document_type in register.document_types:
            return register
    for register in registers:
        if not register.document_types:
            return register
    raise ApplicationError(
        _("Chưa có sổ nào năm %(year)s cho loại văn bản %(type)s; hãy tạo sổ trước.")
        % {"year": year, "type": catalogue.DOCUMENT_TYPES.get(document_type, document_type)},
        code="no_register",
    )


def _registers_roll_over(*, direction: str, year: int) -> list[Register]:
    previous = Register.objects.filter(direction=direction, year__lt=year).order_by("-year").first()
    templates = (
        list(Register.objects.filter(direction=direction, year=previous.year)) if previous is not None else []
    )
    if not templates:
        label = _("Sổ văn bản đến") if direction == Register.Direction.INCOMING else _("Sổ văn bản đi")
        templates = [Register(name=str(label), document_types=[])]
    made = []
    for template in templates:
        register, _created = Register.objects.get_or_create(
            year=year,
            direction=direction,
            name=template.name,
            defaults={
                "document_types": template.document_types,
                "agency_abbreviation": template.agency_abbreviation,
            },
        )
        made.append(register)
    return made


def register_next_number(*, register: Register) -> int:
    """Inside the caller's transaction: the next number, gap-free and never reused.

    The register row stays locked until the caller commits, so concurrent clerks queue here and
    a rolled-back registration gives its number back with it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a number is taken inside the transaction that stores the document")
    locked = Register.objects.select_for_update().get(pk=register.pk)
    locked.last_number += 1
    locked.save(update_fields=["last_number"])
    return locked.last_number
