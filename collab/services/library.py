"""The shared library: folders with access per unit or person, documents with every version kept,
and their text extracted (qlvbdh's extraction) so a search finds words inside the files."""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from collab.models import FileVersion, Folder, FolderAccess, LibraryItem
from collab.permissions import folder_can_edit
from core.audit import Actor, audit_record
from core.text import fold, legacy_encoding, nfc
from qlvbdh.filekinds import extract_text
from qlvbdh.services.attachments import upload_check

logger = logging.getLogger(__name__)
_SYSTEM = Actor(label="system:library")


def _name(value: str, field: str, max_length: int) -> str:
    value = nfc(value or "")
    if not value:
        raise ValidationError({field: [_("Trường này không được để trống.")]})
    if len(value) > max_length:
        raise ValidationError({field: [_("Quá dài (tối đa %(n)s ký tự).") % {"n": max_length}]})
    if legacy_encoding(value):
        raise ValidationError(
            {field: [_("Nội dung có vẻ được gõ bằng bảng mã cũ; hãy chuyển sang Unicode.")]}
        )
    return value


def folder_create(*, actor: Actor, name: str, everyone: bool = False) -> Folder:
    require_actor(actor, "collab.view")
    if actor.user is None:
        raise PermissionDenied
    name = _name(name, "name", 150)
    try:
        with transaction.atomic():
            folder = Folder.objects.create(
                name=name, folded_name=fold(name), everyone=everyone, created_by=actor.user
            )
            audit_record(actor=actor, action="library.folder_create", target=folder, everyone=everyone)
    except IntegrityError as exc:
        raise ValidationError({"name": [_("Đã có thư mục cùng tên.")]}) from exc
    return folder


@transaction.atomic
def folder_grant(
    *, actor: Actor, folder: Folder, user: Any = None, unit: Any = None, can_edit: bool = False
) -> FolderAccess:
    """The folder's creator gives a person or a unit access (reading, or adding files too)."""
    if actor.user is not None and folder.created_by_id != actor.user.pk:
        raise PermissionDenied
    if (user is None) == (unit is None):
        raise ValidationError({"grantee": [_("Chọn một người hoặc một đơn vị.")]})
    access, created = FolderAccess.objects.get_or_create(
        folder=folder, user=user, unit=unit, defaults={"can_edit": can_edit, "granted_by": actor.name}
    )
    if not created and access.can_edit != can_edit:
        access.can_edit = can_edit
        access.save(update_fields=["can_edit"])
    audit_record(
        actor=actor,
        action="library.folder_grant",
        target=folder,
        grantee=getattr(user, "username", None) or str(getattr(unit, "uuid", "")),
        can_edit=can_edit,
    )
    return access


@transaction.atomic
def folder_revoke(*, actor: Actor, folder: Folder, access: FolderAccess) -> None:
    if actor.user is not None and folder.created_by_id != actor.user.pk:
        raise PermissionDenied
    if access.folder_id != folder.pk:
        raise PermissionDenied
    audit_record(
        actor=actor,
        action="library.folder_revoke",
        target=folder,
        grantee=access.user.username if access.user else str(access.unit.uuid if access.unit else ""),
    )
    access.delete()  # the grant ends; the audit trail keeps who had it


def item_upload(
    *, actor: Actor, folder: Folder, title: str, upload: File[Any], note: str = ""
) -> FileVersion:
    """A document in the folder; the same title again is its next version (older ones stay)."""
    if actor.user is not None and not folder_can_edit(actor.user, folder):
        raise PermissionDenied
    title = _name(title, "title", 300)
    checked = upload_check(upload)  # the attachments' checks: name, size, kind from the bytes
    stored: Any = None
    try:
        with transaction.atomic():
            item, _created = LibraryItem.objects.get_or_create(
                folder=folder, title=title, defaults={"created_by": actor.name, "search_text": fold(title)}
            )
            item = LibraryItem.objects.select_for_update().get(pk=item.pk)  # numbers versions one at a time
            number = (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            version = FileVersion(
                item=item,
                number=number,
                original_name=checked.name,
                size=checked.size,
                sha256=checked.sha256,
                content_type=checked.content_type,
                note=nfc(note or "")[:500],
                uploaded_by=actor.name,
            )
            version.file.save(checked.name, upload, save=False)
            stored = version.file
            version.save()
            item.search_text = fold(title)  # the new version's text is added when extracted
            item.save(update_fields=["search_text", "updated_at"])
            audit_record(
                actor=actor,
                action="library.upload",
                target=version,
                item=str(item.uuid),
                sha256=checked.sha256,
            )
            transaction.on_commit(lambda: _enqueue_extract(str(version.uuid)))
    except Exception:
        if stored is not None and stored.name:
            stored.storage.delete(stored.name)
        raise
    return version


def _enqueue_extract(version_id: str) -> None:
    from collab.tasks import library_extract_task

    library_extract_task.delay(version_id)


def version_extract(*, version_id: UUID | str) -> FileVersion | None:
    """Read the text of a version; if it is still the item's current one, search finds its words.
    Idempotent: a second run changes nothing."""
    version = FileVersion.objects.filter(uuid=version_id).select_related("item").first()
    if version is None or version.extracted_at is not None:
        return version
    try:
        with version.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        logger.error("library version %s: stored file is missing", version.uuid)
        return version
    if hashlib.sha256(data).hexdigest() != version.sha256:
        logger.error("library version %s: stored file does not match its SHA-256", version.uuid)
        return version
    text = extract_text(data, version.content_type)
    with transaction.atomic():
        locked = FileVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
        if locked.extracted_at is not None:
            return locked
        locked.extracted_text = text
        locked.extracted_at = timezone.now()
        locked.save(update_fields=["extracted_text", "extracted_at"])
        item = LibraryItem.objects.select_for_update().get(pk=locked.item_id)
        latest = item.versions.aggregate(n=Max("number"))["n"]
        if latest == locked.number:
            item.search_text = " ".join(fold(f"{item.title} {text}").split())
            item.save(update_fields=["search_text"])
        audit_record(actor=_SYSTEM, action="library.extract", target=locked, characters=len(text))
    return locked


def item_download_record(*, actor: Actor, version: FileVersion) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="library.download", target=version, sha256=version.sha256)
