"""Sharing a document or a dossier with a person or a unit (need-to-know, R11): audited,
permission-checked (`qlvbdh.share` on the object, see qlvbdh.permissions), safe to retry.

Sharing gives sight only: the person, or every member of the unit, may read the document with
its files and timeline (or the dossier); it gives no task. Sharing twice changes nothing;
unsharing what is not shared changes nothing. The target is checked before anything is written.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from accounts.permissions import can, require_actor
from core.audit import Actor, audit_record
from qlvbdh.models import Document, DocumentEvent, Dossier
from qlvbdh.share_models import DocumentShare, DossierShare


def _target(*, user: User | None, unit: OrgUnit | None) -> dict[str, Any]:
    """Exactly one active person who uses documents, or one active unit; else a form error."""
    if (user is None) == (unit is None):
        raise ValidationError({"target": [_("Hãy chọn một người hoặc một phòng, ban.")]})
    if user is not None and not (user.is_active and user.locked_at is None and user.deactivated_at is None):
        raise ValidationError(
            {"user": [_("Tài khoản %(name)s không còn hoạt động.") % {"name": user.username}]}
        )
    if user is not None and not can(user, "qlvbdh.view_documents"):
        raise ValidationError(
            {"user": [_("Tài khoản %(name)s không dùng phần quản lý văn bản.") % {"name": user.username}]}
        )
    if unit is not None and not unit.is_active:
        raise ValidationError({"unit": [_("Phòng, ban này không còn hoạt động.")]})
    return {"user": user} if user is not None else {"unit": unit}


def _label(target: dict[str, Any]) -> str:
    return str(target["user"].username if "user" in target else target["unit"].name)


def _lock_shareable(actor: Actor, document: Document) -> Document:
    """The document's row, locked, once the actor may share it (PermissionDenied otherwise)."""
    require_actor(actor, "qlvbdh.share", document)
    return Document.objects.select_for_update().get(pk=document.pk)


def document_share(
    *, actor: Actor, document: Document, user: User | None = None, unit: OrgUnit | None = None
) -> DocumentShare:
    target = _target(user=user, unit=unit)
    with transaction.atomic():
        locked = _lock_shareable(actor, document)  # serialises shares of one document: no race on the row
        share, created = DocumentShare.objects.get_or_create(
            document=locked, **target, defaults={"shared_by": actor.name}
        )
        if created:
            kind = "user" if "user" in target else "unit"
            DocumentEvent.objects.create(
                document=locked, actor=actor.name, kind="shared", detail={kind: _label(target)}
            )
            audit_record(actor=actor, action="document.share", target=locked, **{kind: _label(target)})
    return share


def document_unshare(
    *, actor: Actor, document: Document, user: User | None = None, unit: OrgUnit | None = None
) -> bool:
    """True if a share was removed; False if there was none (a retry)."""
    target = {"user": user} if user is not None else {"unit": unit}
    if (user is None) == (unit is None):
        raise ValidationError({"target": [_("Hãy chọn một người hoặc một phòng, ban.")]})
    with transaction.atomic():
        locked = _lock_shareable(actor, document)
        removed, _detail = DocumentShare.objects.filter(document=locked, **target).delete()
        if removed:
            kind = "user" if user is not None else "unit"
            DocumentEvent.objects.create(
                document=locked, actor=actor.name, kind="unshared", detail={kind: _label(target)}
            )
            audit_record(actor=actor, action="document.unshare", target=locked, **{kind: _label(target)})
    return bool(removed)


def dossier_share(
    *, actor: Actor, dossier: Dossier, user: User | None = None, unit: OrgUnit | None = None
) -> DossierShare:
    target = _target(user=user, unit=unit)
    with transaction.atomic():
        require_actor(actor, "qlvbdh.share", dossier)
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        share, created = DossierShare.objects.get_or_create(
            dossier=locked, **target, defaults={"shared_by": actor.name}
        )
        if created:
            kind = "user" if "user" in target else "unit"
            audit_record(actor=actor, action="dossier.share", target=locked, **{kind: _label(target)})
    return share


def dossier_unshare(
    *, actor: Actor, dossier: Dossier, user: User | None = None, unit: OrgUnit | None = None
) -> bool:
    if (user is None) == (unit is None):
        raise ValidationError({"target": [_("Hãy chọn một người hoặc một phòng, ban.")]})
    target = {"user": user} if user is not None else {"unit": unit}
    with transaction.atomic():
        require_actor(actor, "qlvbdh.share", dossier)
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        removed, _detail = DossierShare.objects.filter(dossier=locked, **target).delete()
        if removed:
            kind = "user" if user is not None else "unit"
            audit_record(actor=actor, action="dossier.unshare", target=locked, **{kind: _label(target)})
    return bool(removed)
