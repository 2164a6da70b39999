"""Units (phòng, ban, tổ) and the catalogue of position titles."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, Position, folded_name_of
from accounts.permissions import require_actor
from accounts.services.base import clean_text
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.locks import lock_table_for_writers
from core.text import nfc


def unit_create(*, actor: Actor, name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    require_actor(actor, "accounts.manage_units")
    errors: dict[str, list[str]] = {}
    name = clean_text(name, _("Tên đơn vị"), errors, "name")
    if not name:
        errors.setdefault("name", []).append(_("Tên phòng, ban không được để trống."))
    if kind not in OrgUnit.Kind.values:
        errors.setdefault("kind", []).append(_("Loại phòng, ban không hợp lệ."))
    folded = folded_name_of(name)
    if name and OrgUnit.objects.filter(parent=parent, folded_name=folded).exists():
        errors.setdefault("name", []).append(_("Đã có phòng, ban “%(name)s” ở cấp này.") % {"name": name})
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            unit = OrgUnit.objects.create(name=name, folded_name=folded, kind=kind, parent=parent)
            audit_record(actor=actor, action="unit.create", target=unit, parent=str(parent or ""))
    except IntegrityError as exc:
        raise ApplicationError(_("Đã có phòng, ban “%(name)s” ở cấp này.") % {"name": name}) from exc
    return unit


def unit_update(
    *, actor: Actor, unit: OrgUnit, name: str, kind: str, parent: OrgUnit | None, is_active: bool
) -> OrgUnit:
    """Rename, move or close a unit. A unit never moves under itself; a closed unit has nobody left in it."""
    require_actor(actor, "accounts.manage_units")
    errors: dict[str, list[str]] = {}
    name = clean_text(name, _("Tên phòng, ban"), errors, "name")
    if not name:
        errors.setdefault("name", []).append(_("Tên phòng, ban không được để trống."))
    if kind not in OrgUnit.Kind.values:
        errors.setdefault("kind", []).append(_("Loại phòng, ban không hợp lệ."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Two concurrent moves could each pass the cycle check and make one together.
        lock_table_for_writers(OrgUnit)
        locked = OrgUnit.objects.get(pk=unit.pk)
        ancestor = OrgUnit.objects.filter(pk=parent.pk).first() if parent is not None else None
        while ancestor is not None:
            if ancestor.pk == locked.pk:
                raise ValidationError({"parent": [_("Không thể đặt phòng, ban trực thuộc chính nó.")]})
            ancestor = ancestor.parent
        if not is_active and locked.is_active:
            if locked.members.filter(deactivated_at__isnull=True).exists():
                raise ValidationError({"is_active": [_("Còn người đang làm việc trong phòng, ban này.")]})
            if locked.children.filter(is_active=True).exists():
                raise ValidationError({"is_active": [_("Còn phòng, ban trực thuộc đang hoạt động.")]})
        folded = folded_name_of(name)
        if OrgUnit.objects.filter(parent=parent, folded_name=folded).exclude(pk=locked.pk).exists():
            raise ValidationError({"name": [_("Đã có phòng, ban “%(name)s” ở cấp này.") % {"name": name}]})
        before = {
            "name": locked.name,
            "kind": locked.kind,
            "parent": str(locked.parent or ""),
            "active": locked.is_active,
        }
        locked.name, locked.folded_name, locked.kind, locked.parent, locked.is_active = (
            name,
            folded,
            kind,
            parent,
            is_active,
        )
        locked.save(update_fields=["name", "folded_name", "kind", "parent", "is_active"])
        after = {"name": name, "kind": kind, "parent": str(parent or ""), "active": is_active}
        if before != after:
            audit_record(actor=actor, action="unit.update", target=locked, before=before, after=after)
    return locked


def position_ensure(name: str) -> Position | None:
    name = nfc(name or "")
    if not name:
        return None
    position, _created = Position.objects.get_or_create(
        folded_name=folded_name_of(name), defaults={"name": name}
    )
    return position
